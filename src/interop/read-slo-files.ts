import { toAlertingConfig } from '../config/alerting-config.js';
import type { AlertRuleEntry } from '../config/schema.js';
import { alertRuleSchema } from '../config/schema.js';
import type { AlertPolicySpec } from '../domain/alert-policy.js';
import type { ConfigDiagnostic } from '../errors.js';
import { checkCandidate, type ImportedSlo, type SloCandidate } from './candidates.js';
import { OPENSLO_V1, OPENSLO_V1ALPHA, readOpenSlo, type DataSourceFound } from './openslo.js';
import { readSloth, SLOTH_K8S_V1, SLOTH_PROMETHEUS_V1 } from './sloth.js';
import { DocumentReader, formatPlace, parseSloFile, type SloFileText, type SourceDocument, type SourcePlace } from './source.js';

// Reads a set of OpenSLO and Sloth files into slo-ledger SLOs: each document's format from its
// apiVersion (or Sloth's `version`), every SLO checked as the config checks its own, and what the
// files say about the whole configuration (one alerting policy, one Prometheus, one time zone)
// checked for agreement between them. Pure: the caller reads the files.

export type SloFormat = 'openslo' | 'sloth';

/** The alerting policy the files bring (OpenSLO AlertPolicies), and the first SLO that brought it. */
export interface ImportedPolicy {
  rules: AlertRuleEntry[];
  spec: AlertPolicySpec;
  place: SourcePlace;
  label: string;
}

/** Everything a set of SLO files gives, or the problems found in them. */
export interface SloFilesRead {
  slos: ImportedSlo[];
  policy?: ImportedPolicy;
  /** The Prometheus of the files' DataSources (they must agree on one URL). */
  prometheus?: DataSourceFound;
  diagnostics: ConfigDiagnostic[];
}

/** Reads `files`; with `only`, a document of the other format is an error (the import commands). */
export function readSloFiles(files: readonly SloFileText[], only?: SloFormat): SloFilesRead {
  const diagnostics: ConfigDiagnostic[] = [];
  const byFormat: Record<SloFormat, SourceDocument[]> = { openslo: [], sloth: [] };
  for (const file of files) {
    const parsed = parseSloFile(file);
    diagnostics.push(...parsed.diagnostics);
    for (const document of parsed.documents) {
      const format = formatOf(new DocumentReader(document, diagnostics), only);
      if (format !== undefined) byFormat[format].push(document);
    }
  }
  const openslo = readOpenSlo(byFormat.openslo, diagnostics);
  const candidates: SloCandidate[] = [...openslo.slos, ...readSloth(byFormat.sloth, diagnostics)];
  const order = (place: SourcePlace) => [files.findIndex((f) => f.file === place.file), place.line, place.column] as const;
  candidates.sort((a, b) => compareOrder(order(a.place), order(b.place)));

  const slos: ImportedSlo[] = [];
  const names = new Map<string, ImportedSlo>();
  for (const candidate of candidates) {
    const imported = checkCandidate(candidate, diagnostics);
    if (imported === undefined) continue;
    const earlier = names.get(imported.slo.name);
    if (earlier !== undefined) {
      diagnostics.push({ ...imported.place, message: `SLO name "${imported.slo.name}" (${imported.label}) is also defined at ${formatPlace(earlier.place)} (${earlier.label})` });
      continue;
    }
    names.set(imported.slo.name, imported);
    slos.push(imported);
  }
  checkTimeZones(slos, diagnostics);
  const policy = agreedPolicy(openslo.policies, diagnostics);
  const prometheus = agreedPrometheus(openslo.dataSources, diagnostics);
  const fileOrder = (file: string) => files.findIndex((f) => f.file === file);
  diagnostics.sort((a, b) => fileOrder(a.file) - fileOrder(b.file) || a.line - b.line || a.column - b.column);
  return { slos, ...(policy === undefined ? {} : { policy }), ...(prometheus === undefined ? {} : { prometheus }), diagnostics };
}

function compareOrder(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** The format a document is written in, from its apiVersion or Sloth's version; problems reported. */
function formatOf(r: DocumentReader, only: SloFormat | undefined): SloFormat | undefined {
  const apiVersion = r.get(['apiVersion']);
  const version = r.get(['version']);
  let format: SloFormat | undefined;
  if (apiVersion === OPENSLO_V1 || apiVersion === OPENSLO_V1ALPHA) format = 'openslo';
  else if (apiVersion === SLOTH_K8S_V1 || (apiVersion === undefined && version === SLOTH_PROMETHEUS_V1)) format = 'sloth';
  else if (typeof apiVersion === 'string' && apiVersion.startsWith('openslo/')) {
    r.problem(['apiVersion'], `apiVersion ${apiVersion}: slo-ledger reads ${OPENSLO_V1} and ${OPENSLO_V1ALPHA}`);
    return undefined;
  } else {
    const at = apiVersion !== undefined ? ['apiVersion'] : version !== undefined ? ['version'] : [];
    r.problem(at, `neither OpenSLO (apiVersion: ${OPENSLO_V1} or ${OPENSLO_V1ALPHA}) nor Sloth (version: ${SLOTH_PROMETHEUS_V1}, or apiVersion: ${SLOTH_K8S_V1})`);
    return undefined;
  }
  if (only !== undefined && format !== only) {
    r.problem(format === 'openslo' ? ['apiVersion'] : apiVersion !== undefined ? ['apiVersion'] : ['version'], `a ${format === 'openslo' ? 'OpenSLO' : 'Sloth'} document: convert it with "slo-ledger import ${format}"`);
    return undefined;
  }
  return format;
}

/** Calendar-aligned windows must agree on one time zone: months are the config's, one for all. */
function checkTimeZones(slos: readonly ImportedSlo[], diagnostics: ConfigDiagnostic[]): void {
  const first = slos.find((s) => s.timeZone !== undefined);
  for (const slo of slos) {
    if (first === undefined || slo.timeZone === undefined || slo.timeZone.zone === first.timeZone!.zone) continue;
    diagnostics.push({
      ...slo.timeZone.place,
      message: `time zone ${slo.timeZone.zone} differs from ${first.timeZone!.zone} of ${first.label} at ${formatPlace(first.timeZone!.place)}; slo-ledger has one timezone for every calendar month`,
    });
  }
}

/**
 * The alerting policy: slo-ledger has one (`alerting.policy`) for every SLO, so every SLO that brings
 * alert policies must bring the same burn-rate rules (in any order).
 */
function agreedPolicy(policies: ReadonlyArray<{ rules: AlertRuleEntry[]; place: SourcePlace; label: string }>, diagnostics: ConfigDiagnostic[]): ImportedPolicy | undefined {
  const [first, ...rest] = policies;
  if (first === undefined) return undefined;
  let ok = true;
  for (const rule of first.rules) {
    const checked = alertRuleSchema.safeParse(rule);
    if (!checked.success) {
      diagnostics.push({ ...first.place, message: `burn-rate rule ${JSON.stringify(rule)}: ${checked.error.issues.map((i) => i.message).join('; ')}` });
      ok = false;
    }
  }
  for (const other of rest) {
    if (samePolicy(first.rules, other.rules)) continue;
    diagnostics.push({
      ...other.place,
      message: `the alert policy of ${other.label} differs from that of ${first.label} at ${formatPlace(first.place)}; slo-ledger has one alerting policy for all SLOs (alerting.policy): give them the same burn-rate conditions`,
    });
    ok = false;
  }
  if (!ok) return undefined;
  const spec = toAlertingConfig({ policy: first.rules, min_coverage: 90, no_data_after: '30m', repeat_interval: '4h' }).policy;
  return { rules: first.rules, spec, place: first.place, label: first.label };
}

/** True when two policies hold the same rules, in any order. */
export function samePolicy(a: readonly AlertRuleEntry[], b: readonly AlertRuleEntry[]): boolean {
  const key = (rules: readonly AlertRuleEntry[]) => rules.map((rule) => JSON.stringify([rule.severity, rule.long_window, rule.short_window, rule.factor ?? null, rule.budget_consumed ?? null])).sort().join('\n');
  return key(a) === key(b);
}

/** The files' DataSources must name one Prometheus. */
function agreedPrometheus(sources: readonly DataSourceFound[], diagnostics: ConfigDiagnostic[]): DataSourceFound | undefined {
  const [first, ...rest] = sources;
  for (const other of rest) {
    if (sameUrl(other.url, first!.url)) continue;
    diagnostics.push({ ...other.place, message: `DataSource "${other.name}" is ${other.url}, but DataSource "${first!.name}" at ${formatPlace(first!.place)} is ${first!.url}; slo-ledger reads one Prometheus` });
  }
  return first;
}

/** Two Prometheus URLs are the same one (a trailing slash aside). */
export function sameUrl(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}
