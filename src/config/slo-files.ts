import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { Document, LineCounter } from 'yaml';
import type { AlertPolicySpec } from '../domain/alert-policy.js';
import type { QueryOrigin } from '../domain/query-origin.js';
import type { SloDefinition } from '../domain/slo.js';
import type { ConfigDiagnostic } from '../errors.js';
import type { ImportedSlo } from '../interop/candidates.js';
import { readSloFiles, samePolicy, sameUrl } from '../interop/read-slo-files.js';
import type { SloFileText } from '../interop/source.js';
import { formatPlace } from '../interop/source.js';
import type { ConfigFile } from './schema.js';
import { formatConfigPath, locatePath } from './yaml-location.js';
import type { ConfigPath } from './yaml-location.js';

// `slos_from`: OpenSLO and Sloth files whose SLOs join the config's `slos`. The files are found here
// (paths, and `*` / `?` patterns in any path segment, relative to the config file's folder), read,
// converted by src/interop/, and checked against the rest of the config: one name per SLO, one
// time zone, one Prometheus, one alerting policy, one severity per Alertmanager severity.

/** The main config file, to report problems at `slos_from` and the fields the files must agree with. */
export interface MainConfigSource {
  file: string;
  doc: Document;
  lineCounter: LineCounter;
}

/** The place of a field of the main config. */
type Locate = (path: ConfigPath) => Omit<ConfigDiagnostic, 'message'>;

/** What `slos_from` adds to the config once its files are read and checked. */
export interface SlosFromResult {
  slos: SloDefinition[];
  /** Where each of those SLOs' queries is written in its file, by SLO name. */
  queryOrigins: Record<string, QueryOrigin[]>;
  /** The files' alerting policy, when the config gives none. */
  policy?: AlertPolicySpec;
  diagnostics: ConfigDiagnostic[];
}

/**
 * Reads the files `slos_from` names. `parsed` is the validated config, absent when the config has
 * problems of its own: the files are still read and checked, but not compared with it.
 */
export function readSlosFrom(patterns: readonly string[], main: MainConfigSource, parsed: ConfigFile | undefined): SlosFromResult {
  const diagnostics: ConfigDiagnostic[] = [];
  const at: Locate = (path) => ({ file: main.file, ...locatePath(main.doc, path, main.lineCounter), path: formatConfigPath(path) });
  const files: SloFileText[] = [];
  const seen = new Set<string>();
  patterns.forEach((pattern, index) => {
    const found = expandPattern(pattern, dirname(main.file));
    if (typeof found === 'string') {
      diagnostics.push({ ...at(['slos_from', index]), message: found });
      return;
    }
    for (const file of found) {
      if (seen.has(file)) continue;
      seen.add(file);
      try {
        files.push({ file, text: readFileSync(file, 'utf8') });
      } catch (error) {
        diagnostics.push({ file, line: 0, column: 0, path: '', message: `cannot read SLO file: ${(error as Error).message}` });
      }
    }
  });
  const read = readSloFiles(files);
  diagnostics.push(...read.diagnostics);
  if (parsed === undefined) return { slos: [], queryOrigins: {}, diagnostics };

  // One name per SLO, across the config's own and the files'.
  const own = parsed.slos ?? [];
  for (const imported of read.slos) {
    const index = own.findIndex((slo) => slo.name === imported.slo.name);
    if (index >= 0) {
      const place = at(['slos', index, 'name']);
      diagnostics.push({ ...imported.place, message: `SLO name "${imported.slo.name}" (${imported.label}) is also defined at ${main.file}:${place.line}:${place.column} (${place.path})` });
    }
  }
  // Corrections may name the files' SLOs (the schema left this check to us).
  const names = new Set([...(parsed.slos ?? []).map((slo) => slo.name), ...read.slos.map((s) => s.slo.name)]);
  if (parsed.slos === undefined && read.slos.length === 0 && read.diagnostics.length === 0) {
    diagnostics.push({ ...at(['slos_from']), message: 'the files hold no SLO (and the config has no slos of its own)' });
  }
  parsed.corrections.forEach((correction, index) => {
    if (correction.slo !== undefined && !names.has(correction.slo)) {
      diagnostics.push({ ...at(['corrections', index, 'slo']), message: `no SLO is named "${correction.slo}" (SLOs: ${[...names].join(', ')})` });
    }
  });
  for (const imported of read.slos) diagnostics.push(...agreeWithConfig(imported, parsed, main, at));
  if (read.prometheus !== undefined && !sameUrl(read.prometheus.url, parsed.prometheus.url)) {
    diagnostics.push({
      ...read.prometheus.place,
      message: `DataSource "${read.prometheus.name}" is ${read.prometheus.url}, but the config's prometheus.url is ${parsed.prometheus.url} (${describe(main, at, ['prometheus', 'url'])}); slo-ledger reads one Prometheus, the config's: make them agree`,
    });
  }
  let policy: AlertPolicySpec | undefined;
  if (read.policy !== undefined) {
    if (parsed.alerting.policy === undefined) policy = read.policy.spec;
    else if (!samePolicy(read.policy.rules, parsed.alerting.policy)) {
      diagnostics.push({
        ...read.policy.place,
        message: `the alert policy of ${read.policy.label} differs from the config's alerting.policy (${describe(main, at, ['alerting', 'policy'])}); slo-ledger has one policy for all SLOs: make them agree, or leave alerting.policy out to use the files'`,
      });
    }
  }
  const imported = read.diagnostics.length > 0 ? [] : read.slos;
  const queryOrigins = Object.fromEntries(imported.map((s) => [s.slo.name, s.queries]));
  // The objectives of one OpenSLO SLO share its window: report its time zone once.
  const unique = [...new Map(diagnostics.map((d) => [JSON.stringify(d), d])).values()];
  return { slos: imported.map((s) => s.slo), queryOrigins, ...(policy === undefined ? {} : { policy }), diagnostics: unique };
}

/** A calendar window's time zone must be the config's; a Sloth severity label the Alertmanager's. */
function agreeWithConfig(imported: ImportedSlo, parsed: ConfigFile, main: MainConfigSource, at: Locate): ConfigDiagnostic[] {
  const problems: ConfigDiagnostic[] = [];
  if (imported.timeZone !== undefined && imported.timeZone.zone !== parsed.timezone) {
    problems.push({
      ...imported.timeZone.place,
      message: `the calendar window's time zone ${imported.timeZone.zone} differs from the config's timezone ${parsed.timezone} (${describe(main, at, ['timezone'])}); a calendar month is the config's, so make them agree`,
    });
  }
  const severities = parsed.alertmanager?.severity;
  if (severities !== undefined) {
    for (const severity of ['page', 'ticket'] as const) {
      const label = imported.severityLabels?.[severity];
      if (label === undefined || label.value === severities[severity]) continue;
      problems.push({
        ...label.place,
        message: `${imported.label} labels its ${severity} alerts severity="${label.value}", but slo-ledger sets severity="${severities[severity]}" on them (alertmanager.severity.${severity}, ${describe(main, at, ['alertmanager', 'severity', severity])}); set alertmanager.severity.${severity}: ${label.value} so routes keep matching`,
      });
    }
  }
  return problems;
}

/** Where a field of the main config is, or that it is the default. */
function describe(main: MainConfigSource, at: Locate, path: ConfigPath): string {
  if (main.doc.getIn(path, true) === undefined) return 'the default';
  const place = at(path);
  return formatPlace({ file: main.file, line: place.line, column: place.column, path: '' });
}

/**
 * The files a `slos_from` entry names: a path, or a pattern with `*` (any characters but `/`) and
 * `?` (one) in any of its segments; `**` is not supported. Relative to `baseDir`. Returns the files
 * in name order, or why there are none.
 */
export function expandPattern(pattern: string, baseDir: string): string[] | string {
  if (pattern.includes('**')) return `${JSON.stringify(pattern)}: ** is not supported; list each folder, e.g. slos/*.yaml and slos/*/*.yaml`;
  const full = isAbsolute(pattern) ? pattern : join(baseDir, pattern);
  if (!/[*?]/.test(pattern)) {
    if (!isFile(full)) return `${JSON.stringify(pattern)}: no such file (${full})`;
    return [full];
  }
  const absolute = isAbsolute(pattern);
  const segments = pattern.split('/').filter((segment, index) => segment !== '' || (index === 0 && absolute));
  let current = [absolute ? '/' : baseDir];
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    if (!/[*?]/.test(segment)) {
      current = current.map((dir) => join(dir, segment));
      return;
    }
    const matcher = new RegExp(`^${segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '[^/]*').replaceAll('?', '[^/]')}$`);
    current = current.flatMap((dir) => {
      let names: string[];
      try {
        names = readdirSync(dir).sort();
      } catch {
        return [];
      }
      return names
        .filter((name) => matcher.test(name) && (segment.startsWith('.') || !name.startsWith('.')))
        .map((name) => join(dir, name))
        .filter((path) => (last ? isFile(path) : isDirectory(path)));
    });
  });
  const files = current.filter(isFile);
  return files.length === 0 ? `${JSON.stringify(pattern)} matches no file (in ${baseDir})` : files;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
