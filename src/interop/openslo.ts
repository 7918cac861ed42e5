import { WINDOW_PLACEHOLDER } from '../config/schema.js';
import type { AlertRuleEntry } from '../config/schema.js';
import { ratioToPercent } from '../config/slo-codec.js';
import type { ConfigPath } from '../config/yaml-location.js';
import { formatDuration } from '../domain/duration.js';
import type { QueryOrigin } from '../domain/query-origin.js';
import type { ConfigDiagnostic } from '../errors.js';
import { ANNOTATIONS, ANNOTATION_PREFIX, openSloRatioOf } from './annotations.js';
import { slug, type Provenance, type SloCandidate } from './candidates.js';
import { ratesToIncreases, wrapCounterSelectors } from './promql-rewrite.js';
import { DocumentReader, formatPlace, type SourceDocument, type SourcePlace } from './source.js';
import { toSliDefinition } from '../config/slo-codec.js';

// OpenSLO v1 and v1alpha (github.com/OpenSLO/OpenSLO) to slo-ledger SLOs. Every field is mapped,
// accepted as not used (documented in the README), or refused with the reason; nothing is dropped
// silently. References (indicatorRef, metricSourceRef, alertPolicyRef, conditionRef) resolve across
// every file read together.

export const OPENSLO_V1 = 'openslo/v1';
export const OPENSLO_V1ALPHA = 'openslo/v1alpha';

const V1_KINDS = ['SLO', 'SLI', 'Service', 'DataSource', 'AlertPolicy', 'AlertCondition', 'AlertNotificationTarget'] as const;
const V1ALPHA_KINDS = ['SLO', 'Service'] as const;

/** An alert policy one SLO brings: burn-rate rules in the config's `alerting.policy` form. */
export interface PolicyCandidate {
  rules: AlertRuleEntry[];
  place: SourcePlace;
  label: string;
}

/** A Prometheus DataSource and its URL. */
export interface DataSourceFound {
  name: string;
  url: string;
  place: SourcePlace;
}

/** What the OpenSLO documents of a set of files give. */
export interface OpenSloRead {
  slos: SloCandidate[];
  policies: PolicyCandidate[];
  dataSources: DataSourceFound[];
}

interface IndexedObject {
  reader: DocumentReader;
  kind: string;
  name: string;
}

const SLO_WINDOW_DEFAULT = '30d';

/** Reads the OpenSLO documents of a set of files (each already known to be OpenSLO by its apiVersion). */
export function readOpenSlo(documents: readonly SourceDocument[], diagnostics: ConfigDiagnostic[]): OpenSloRead {
  const index = new Map<string, IndexedObject>();
  const objects: Array<IndexedObject & { version: string }> = [];
  for (const source of documents) {
    const reader = new DocumentReader(source, diagnostics);
    const version = reader.get(['apiVersion']) as string;
    const kinds: readonly string[] = version === OPENSLO_V1 ? V1_KINDS : V1ALPHA_KINDS;
    reader.mapping([], ['apiVersion', 'kind', 'metadata', 'spec'], `an OpenSLO object`);
    reader.mapping(['metadata'], ['name', 'displayName', 'labels', 'annotations', 'namespace'], 'OpenSLO metadata');
    const kind = reader.string(['kind'], true);
    if (kind === undefined) continue;
    if (!kinds.includes(kind)) {
      reader.problem(['kind'], `not an ${version} kind: ${kinds.join(', ')}`);
      continue;
    }
    const name = reader.string(['metadata', 'name'], true);
    if (name === undefined) continue;
    const key = `${kind}/${name}`;
    const earlier = index.get(key);
    if (earlier !== undefined) {
      reader.problem(['metadata', 'name'], `${kind} "${name}" is also defined at ${formatPlace(earlier.reader.place(['metadata', 'name']))}`);
      continue;
    }
    const object = { reader, kind, name };
    index.set(key, object);
    objects.push({ ...object, version });
  }
  const read: OpenSloRead = { slos: [], policies: [], dataSources: [] };
  for (const object of objects) {
    if (object.kind === 'DataSource') {
      const found = readDataSource(object.reader, object.name);
      if (found !== undefined) read.dataSources.push(found);
    } else if (object.kind === 'Service') {
      object.reader.mapping(['spec'], ['description'], 'an OpenSLO Service spec');
    } else if (object.kind === 'SLO') {
      if (object.version === OPENSLO_V1) readSloV1(object.reader, object.name, index, read);
      else readSloV1alpha(object.reader, object.name, read);
    }
    // SLI, AlertPolicy, AlertCondition: read where an SLO refers to them. AlertNotificationTarget: not used.
  }
  return read;
}

// ---------------------------------------------------------------------------------------------
// DataSource

function readDataSource(r: DocumentReader, name: string): DataSourceFound | undefined {
  r.mapping(['spec'], ['description', 'type', 'connectionDetails'], 'an OpenSLO DataSource spec');
  const type = r.string(['spec', 'type'], true);
  if (type === undefined) return undefined;
  if (!/^prometheus$/i.test(type)) {
    r.problem(['spec', 'type'], `DataSource "${name}" is of type ${type}: slo-ledger reads Prometheus (or anything with its query API) only`);
    return undefined;
  }
  const details = r.get(['spec', 'connectionDetails']);
  const hint = 'slo-ledger reads only url from a DataSource; give credentials and headers in the config (prometheus.bearer_token, basic_auth, headers), as ${VAR}';
  const hints = Object.fromEntries(Object.keys(details !== null && typeof details === 'object' ? details : {}).map((key) => [key, hint]));
  if (!r.mapping(['spec', 'connectionDetails'], ['url'], 'a Prometheus DataSource', hints)) return undefined;
  const url = r.string(['spec', 'connectionDetails', 'url'], true);
  if (url === undefined) return undefined;
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    r.problem(['spec', 'connectionDetails', 'url'], 'must be an http:// or https:// URL');
    return undefined;
  }
  return { name, url, place: r.place(['spec', 'connectionDetails', 'url']) };
}

// ---------------------------------------------------------------------------------------------
// SLO v1

const SLO_V1_SPEC = ['description', 'service', 'indicator', 'indicatorRef', 'timeWindow', 'budgetingMethod', 'objectives', 'alertPolicies'];
const OBJECTIVE_V1 = ['displayName', 'op', 'value', 'target', 'targetPercent', 'timeSliceTarget', 'timeSliceWindow', 'indicator', 'indicatorRef', 'compositeWeight'];

/** The events SLI of an indicator, in the config's form, with where each query came from. */
interface EventsRead {
  events: Record<string, string>;
  provenance: Provenance[];
  /** The queries as written, with their places. */
  queries: QueryOrigin[];
  /** The ratioMetric as written, to compare with an exported `sli` annotation. */
  written: { counter: boolean | undefined; good?: string; bad?: string; total?: string };
  /** Where the ratioMetric is. */
  place: SourcePlace;
}

function readSloV1(r: DocumentReader, name: string, index: Map<string, IndexedObject>, read: OpenSloRead): void {
  if (!r.mapping(['spec'], SLO_V1_SPEC, 'an OpenSLO v1 SLO spec')) return;
  const label = `OpenSLO SLO "${name}"`;
  const service = r.string(['spec', 'service'], true);
  const description = r.string(['spec', 'description'], false) ?? '';

  // The indicator: inline, or a reference to an SLI object.
  let events: EventsRead | undefined;
  const inline = r.get(['spec', 'indicator']);
  const ref = r.get(['spec', 'indicatorRef']);
  if (inline !== undefined && ref !== undefined) r.problem(['spec', 'indicatorRef'], 'give indicator or indicatorRef, not both', { atKey: true });
  else if (inline !== undefined) {
    r.mapping(['spec', 'indicator'], ['metadata', 'spec'], 'an inline OpenSLO SLI');
    events = readSliSpec(r, ['spec', 'indicator', 'spec'], index);
  } else if (ref !== undefined) {
    const refName = r.string(['spec', 'indicatorRef'], true);
    const sli = refName === undefined ? undefined : index.get(`SLI/${refName}`);
    if (refName !== undefined && sli === undefined) r.problem(['spec', 'indicatorRef'], `no SLI named "${refName}" in the files read`);
    if (sli !== undefined) events = readSliSpec(sli.reader, ['spec'], index);
  } else r.problem(['spec'], 'needs indicator (an inline SLI) or indicatorRef (the name of an SLI)');

  const window = readTimeWindowV1(r);
  readBudgetingMethod(r, ['spec', 'budgetingMethod']);
  const extras = readAnnotations(r, events);
  const policy = readAlertPolicies(r, index, label);
  if (policy !== undefined) read.policies.push(policy);

  const objectives = r.get(['spec', 'objectives']);
  if (!Array.isArray(objectives) || objectives.length === 0) {
    r.problem(['spec', 'objectives'], objectives === undefined ? 'missing required key "objectives"' : 'must list at least one objective (target or targetPercent)');
    return;
  }
  objectives.forEach((_, i) => {
    const path: ConfigPath = ['spec', 'objectives', i];
    if (!r.mapping(path, OBJECTIVE_V1, 'an OpenSLO v1 objective')) return;
    for (const composite of ['compositeWeight', 'indicator', 'indicatorRef']) {
      if (r.get([...path, composite]) !== undefined) {
        r.problem([...path, composite], `${composite} makes this a composite SLO (objectives with their own indicators, weighted into one); slo-ledger has no composite SLOs: write one SLO per indicator`, { atKey: true });
      }
    }
    for (const timeslice of ['timeSliceTarget', 'timeSliceWindow']) {
      if (r.get([...path, timeslice]) !== undefined) {
        r.problem([...path, timeslice], `${timeslice} belongs to Timeslices budgeting; slo-ledger counts occurrences (good and total events), so a time slice has no meaning here`, { atKey: true });
      }
    }
    const objective = readTarget(r, path, true);
    const displayName = r.string([...path, 'displayName'], false);
    const single = objectives.length === 1;
    const objectiveLabel = displayName ?? `#${i + 1}`;
    if (service === undefined || events === undefined || objective === undefined || window === undefined || extras === undefined) return;
    const sloName = single ? name : `${name}-${(displayName === undefined ? '' : slug(displayName)) || String(i + 1)}`;
    read.slos.push({
      entry: {
        name: sloName,
        service,
        description: single || displayName === undefined ? description : `${description}${description === '' ? '' : ' '}(objective "${displayName}")`,
        objective: objective.percent,
        window: window.text,
        ...extras.entry,
        sli: extras.sli ?? { events: events.events },
      },
      provenance: [
        { entryPath: ['name'], place: single ? r.place(['metadata', 'name']) : r.place(displayName === undefined ? path : [...path, 'displayName']) },
        { entryPath: ['service'], place: r.place(['spec', 'service']) },
        { entryPath: ['description'], place: r.place(['spec', 'description']) },
        { entryPath: ['objective'], place: objective.place },
        { entryPath: ['window'], place: window.place },
        ...(extras.sli === undefined ? events.provenance : []),
        ...extras.provenance,
      ],
      ...(extras.sli === undefined ? { queries: events.queries } : {}),
      place: single ? r.place([]) : r.place(path),
      label: single ? label : `${label}, objective "${objectiveLabel}"`,
      ...(window.timeZone === undefined ? {} : { timeZone: window.timeZone }),
    });
  });
}

/** `target` (a ratio below 1) or `targetPercent`, exactly one, as the config's percent. */
function readTarget(r: DocumentReader, path: ConfigPath, percentAllowed: boolean): { percent: number; place: SourcePlace } | undefined {
  const target = r.get([...path, 'target']);
  const percent = percentAllowed ? r.get([...path, 'targetPercent']) : undefined;
  if (target !== undefined && percent !== undefined) {
    r.problem([...path, 'targetPercent'], 'give target or targetPercent, not both', { atKey: true });
    return undefined;
  }
  if (target !== undefined) {
    if (typeof target !== 'number' || !(target > 0 && target < 1)) {
      r.problem([...path, 'target'], 'must be a ratio above 0 and below 1, e.g. 0.999');
      return undefined;
    }
    return { percent: ratioToPercent(target), place: r.place([...path, 'target']) };
  }
  if (percent !== undefined) {
    if (typeof percent !== 'number' || !(percent > 0 && percent < 100)) {
      r.problem([...path, 'targetPercent'], 'must be a percentage above 0 and below 100, e.g. 99.9');
      return undefined;
    }
    return { percent, place: r.place([...path, 'targetPercent']) };
  }
  r.problem(path, percentAllowed ? 'needs target (e.g. 0.999) or targetPercent (e.g. 99.9)' : 'missing required key "target"');
  return undefined;
}

/** The indicator's spec: a ratioMetric of Prometheus counters (or window queries); anything else is refused. */
function readSliSpec(r: DocumentReader, path: ConfigPath, index: Map<string, IndexedObject>): EventsRead | undefined {
  if (!r.mapping(path, ['description', 'thresholdMetric', 'ratioMetric'], 'an OpenSLO v1 SLI spec')) return undefined;
  if (r.get([...path, 'thresholdMetric']) !== undefined) {
    r.problem(
      [...path, 'thresholdMetric'],
      'a thresholdMetric compares one value (a latency, a CPU load) with the objective\'s value; slo-ledger counts good and total events: give a ratioMetric (for latency: the histogram\'s _bucket{le="…"} as good and its _count as total)',
      { atKey: true },
    );
    return undefined;
  }
  const ratio: ConfigPath = [...path, 'ratioMetric'];
  if (r.get(ratio) === undefined) {
    r.problem(path, 'needs a ratioMetric (good or bad, and total)');
    return undefined;
  }
  if (!r.mapping(ratio, ['counter', 'good', 'bad', 'total', 'rawType', 'raw'], 'an OpenSLO ratioMetric')) return undefined;
  let refused = false;
  for (const key of ['raw', 'rawType']) {
    if (r.get([...ratio, key]) !== undefined) {
      r.problem([...ratio, key], `a precomputed ratio (${key}) cannot be summed into 5-minute buckets (an average of per-bucket ratios is wrong when traffic is uneven); give good or bad, and total, as counters`, { atKey: true });
      refused = true;
    }
  }
  const counter = r.get([...ratio, 'counter']);
  if (counter !== undefined && typeof counter !== 'boolean') {
    r.problem([...ratio, 'counter'], 'must be true or false');
    return undefined;
  }
  if (counter === false) {
    r.problem([...ratio, 'counter'], 'counter: false means the metrics are gauges that go up and down; slo-ledger counts events from counters (counter: true) and cannot sum gauge samples into buckets');
    refused = true;
  }
  const hasGood = r.get([...ratio, 'good']) !== undefined;
  const hasBad = r.get([...ratio, 'bad']) !== undefined;
  if (hasGood && hasBad) {
    r.problem([...ratio, 'bad'], 'give good or bad, not both', { atKey: true });
    return undefined;
  }
  if (!hasGood && !hasBad && !refused) {
    r.problem(ratio, 'needs good or bad, and total');
    return undefined;
  }
  if (r.get([...ratio, 'total']) === undefined && !refused) {
    r.missing([...ratio, 'total']);
    return undefined;
  }
  if (refused) return undefined;
  const parts = [hasGood ? 'good' : 'bad', 'total'] as const;
  const written: EventsRead['written'] = { counter: counter as boolean | undefined };
  const events: Record<string, string> = {};
  const provenance: Provenance[] = [];
  const origins: QueryOrigin[] = [];
  for (const part of parts) {
    const source: ConfigPath = [...ratio, part, 'metricSource'];
    r.mapping([...ratio, part], ['metricSource'], `the ${part} of a ratioMetric`);
    const query = readMetricSource(r, source, index);
    if (query === undefined) return undefined;
    written[part] = query;
  }
  const queries = parts.map((part) => written[part]!);
  if (counter === undefined && !queries.every((query) => query.includes(WINDOW_PLACEHOLDER))) {
    r.problem(ratio, `counter is missing: slo-ledger needs counters (counter: true), or queries that count the events of their own ${WINDOW_PLACEHOLDER} (as Sloth writes them)`);
    return undefined;
  }
  for (const part of parts) {
    const queryPath: ConfigPath = [...ratio, part, 'metricSource', 'spec', 'query'];
    const counted = countingQuery(written[part]!, counter === true);
    if (!counted.ok) {
      r.problem(queryPath, `cannot be read as a count of events: ${counted.reason}`);
      return undefined;
    }
    const key = `${part}_query` as const;
    events[key] = counted.query;
    provenance.push({ entryPath: ['sli', 'events', key], place: r.place(queryPath) });
    origins.push(r.queryOrigin(queryPath, key, written[part]!));
  }
  return { events, provenance, queries: origins, written, place: r.place(ratio) };
}

/**
 * A query as the ledger runs it: rates over `{{.window}}` read as increases; with `counter`, bare
 * counter selectors wrapped in increase(…[{{.window}}]).
 */
function countingQuery(query: string, counter: boolean): { ok: true; query: string } | { ok: false; reason: string } {
  const increases = ratesToIncreases(query);
  if (!increases.ok || !counter) return increases;
  return wrapCounterSelectors(increases.query);
}

/** A Prometheus metricSource's query; other sources are refused. */
function readMetricSource(r: DocumentReader, path: ConfigPath, index: Map<string, IndexedObject>): string | undefined {
  if (r.get(path) === undefined) {
    r.missing(path);
    return undefined;
  }
  if (!r.mapping(path, ['metricSourceRef', 'type', 'spec'], 'an OpenSLO metricSource')) return undefined;
  const ref = r.string([...path, 'metricSourceRef'], false);
  const type = r.string([...path, 'type'], false);
  let refType: string | undefined;
  if (ref !== undefined) {
    const source = index.get(`DataSource/${ref}`);
    if (source === undefined) {
      r.problem([...path, 'metricSourceRef'], `no DataSource named "${ref}" in the files read`);
      return undefined;
    }
    refType = source.reader.get(['spec', 'type']) as string | undefined;
    if (type !== undefined && refType !== undefined && type.toLowerCase() !== refType.toLowerCase()) {
      r.problem([...path, 'type'], `is ${type}, but DataSource "${ref}" is of type ${refType}`);
      return undefined;
    }
  }
  const effective = type ?? refType;
  if (effective === undefined) {
    r.problem(path, 'needs type: Prometheus, or a metricSourceRef to a Prometheus DataSource');
    return undefined;
  }
  if (!/^prometheus$/i.test(effective)) {
    r.problem([...path, type === undefined ? 'metricSourceRef' : 'type'], `a metric source of type ${effective}: slo-ledger reads Prometheus (or anything with its query API) only`);
    return undefined;
  }
  r.mapping([...path, 'spec'], ['query'], 'a Prometheus metricSource spec');
  return r.string([...path, 'spec', 'query'], true);
}

/** The OpenSLO duration shorthand (`28d`, `1M`): a number and one of m h d w M Q Y. */
function readShorthand(r: DocumentReader, path: ConfigPath): { count: number; unit: string } | undefined {
  const text = r.get(path);
  const match = typeof text === 'string' ? /^([1-9]\d*)([mhdwMQY])$/.exec(text) : null;
  if (match === null) {
    if (text === undefined) r.missing(path);
    else r.problem(path, 'must be an OpenSLO duration: a number and one of m h d w M Q Y, e.g. 28d or 1M');
    return undefined;
  }
  return { count: Number(match[1]), unit: match[2]! };
}

/** The SLO's window: rolling (any fixed duration), or calendar-aligned 1M read as 30d. */
function readTimeWindowV1(r: DocumentReader): { text: string; place: SourcePlace; timeZone?: { zone: string; place: SourcePlace } } | undefined {
  const windows = r.get(['spec', 'timeWindow']);
  if (windows === undefined) return { text: SLO_WINDOW_DEFAULT, place: r.place(['spec']) };
  if (!Array.isArray(windows) || windows.length !== 1) {
    r.problem(['spec', 'timeWindow'], 'must list exactly one time window');
    return undefined;
  }
  const path: ConfigPath = ['spec', 'timeWindow', 0];
  if (!r.mapping(path, ['duration', 'isRolling', 'calendar'], 'an OpenSLO time window')) return undefined;
  const duration = readShorthand(r, [...path, 'duration']);
  if (duration === undefined) return undefined;
  return windowOf(r, path, duration, [...path, 'duration']);
}

/** A rolling or calendar window (both versions): durations in m h d w, or a calendar month. */
function windowOf(
  r: DocumentReader,
  path: ConfigPath,
  duration: { count: number; unit: string },
  durationPath: ConfigPath,
): { text: string; place: SourcePlace; timeZone?: { zone: string; place: SourcePlace } } | undefined {
  const rolling = r.get([...path, 'isRolling']);
  if (rolling !== undefined && typeof rolling !== 'boolean') {
    r.problem([...path, 'isRolling'], 'must be true or false');
    return undefined;
  }
  const written = `${duration.count}${duration.unit}`;
  const place = r.place(durationPath);
  if (r.get([...path, 'calendar']) !== undefined) {
    if (rolling === true) {
      r.problem([...path, 'isRolling'], 'isRolling: true with a calendar: a window is rolling or calendar-aligned, not both');
      return undefined;
    }
    r.mapping([...path, 'calendar'], ['startTime', 'timeZone'], 'an OpenSLO calendar');
    if (duration.unit !== 'M' || duration.count !== 1) {
      r.problem(durationPath, `a calendar-aligned window of ${written}: slo-ledger reads only 1M (as its 30-day window; its monthly reports follow calendar months in the config's timezone)`);
      return undefined;
    }
    const zone = r.string([...path, 'calendar', 'timeZone'], true);
    if (zone === undefined) return undefined;
    return { text: '30d', place, timeZone: { zone, place: r.place([...path, 'calendar', 'timeZone']) } };
  }
  if ('MQY'.includes(duration.unit)) {
    r.problem(durationPath, `a rolling ${written} has no fixed length; write it in days (e.g. 30d) or make it calendar-aligned (1M with a calendar)`);
    return undefined;
  }
  return { text: written, place };
}

function readBudgetingMethod(r: DocumentReader, path: ConfigPath): void {
  const method = r.get(path);
  if (method === undefined || method === 'Occurrences') return;
  if (method === 'Timeslices' || method === 'RatioTimeslices') {
    r.problem(path, `${method} budgeting counts good time slices, not events; slo-ledger's budgets are occurrences (good and total events summed over the window): use budgetingMethod: Occurrences`);
  } else r.problem(path, 'must be Occurrences (Timeslices and RatioTimeslices are refused)');
}

/** The `slo-ledger.io/` annotations an export wrote: tiers, grouping, the SLI, alerting. */
function readAnnotations(
  r: DocumentReader,
  events: EventsRead | undefined,
): { entry: Record<string, unknown>; sli?: Record<string, unknown>; provenance: Provenance[] } | undefined {
  const annotations = r.stringMap(['metadata', 'annotations']) ?? {};
  const entry: Record<string, unknown> = {};
  const provenance: Provenance[] = [];
  let sli: Record<string, unknown> | undefined;
  let ok = true;
  const known: Record<string, string> = Object.fromEntries(Object.values(ANNOTATIONS).map((name) => [`${ANNOTATION_PREFIX}${name}`, name]));
  for (const [key, text] of Object.entries(annotations)) {
    if (!key.startsWith(ANNOTATION_PREFIX)) continue; // annotations of other implementations
    const path: ConfigPath = ['metadata', 'annotations', key];
    const name = known[key];
    if (name === undefined) {
      r.problem(path, `unknown slo-ledger annotation; slo-ledger writes ${Object.keys(known).join(', ')}`, { atKey: true });
      ok = false;
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      r.problem(path, `must be JSON: ${(error as Error).message}`);
      ok = false;
      continue;
    }
    const place = r.place(path);
    if (name === ANNOTATIONS.tiers) {
      entry.tiers = value;
      provenance.push({ entryPath: ['tiers'], place });
    } else if (name === ANNOTATIONS.groupBy) {
      entry.group_by = value;
      provenance.push({ entryPath: ['group_by'], place });
    } else if (name === ANNOTATIONS.maxGroups) {
      entry.max_groups = value;
      provenance.push({ entryPath: ['max_groups'], place });
    } else if (name === ANNOTATIONS.alerting) {
      entry.alerting = value;
      provenance.push({ entryPath: ['alerting'], place });
    } else {
      sli = value as Record<string, unknown>;
      provenance.push({ entryPath: ['sli'], place });
      if (events !== undefined && !sameRatio(value, events)) {
        r.problem(path, 'does not match the indicator\'s ratioMetric (edited after export?): change both, or remove the annotation to use the ratioMetric');
        ok = false;
      }
    }
  }
  return ok ? { entry, provenance, ...(sli === undefined ? {} : { sli }) } : undefined;
}

/** True when `sli` (an annotation's, config form) exports as the ratioMetric written in the document. */
function sameRatio(sli: unknown, events: EventsRead): boolean {
  let ratio;
  try {
    ratio = openSloRatioOf(toSliDefinition(sli as never));
  } catch {
    return false;
  }
  const { written } = events;
  return written.counter === ratio.counter && written.good === ratio.good && written.bad === ratio.bad && written.total === ratio.total;
}

// ---------------------------------------------------------------------------------------------
// Alert policies and conditions

const SEVERITIES: Record<string, 'page' | 'ticket'> = { critical: 'page', page: 'page', warning: 'ticket', ticket: 'ticket' };

function readAlertPolicies(r: DocumentReader, index: Map<string, IndexedObject>, label: string): PolicyCandidate | undefined {
  const policies = r.get(['spec', 'alertPolicies']);
  if (policies === undefined || policies === null) return undefined;
  if (!Array.isArray(policies)) {
    r.problem(['spec', 'alertPolicies'], 'must be a list of alert policies (inline, or alertPolicyRef)');
    return undefined;
  }
  if (policies.length === 0) return undefined;
  const rules: AlertRuleEntry[] = [];
  let ok = true;
  policies.forEach((item, i) => {
    const path: ConfigPath = ['spec', 'alertPolicies', i];
    let target: { reader: DocumentReader; path: ConfigPath } | undefined;
    const refName = typeof item === 'string' ? item : (item as Record<string, unknown> | null)?.alertPolicyRef;
    if (typeof refName === 'string') {
      if (typeof item !== 'string') r.mapping(path, ['alertPolicyRef'], 'an alert policy reference');
      const policy = index.get(`AlertPolicy/${refName}`);
      if (policy === undefined) r.problem(typeof item === 'string' ? path : [...path, 'alertPolicyRef'], `no AlertPolicy named "${refName}" in the files read`);
      else target = { reader: policy.reader, path: ['spec'] };
    } else if (item !== null && typeof item === 'object') {
      r.mapping(path, ['kind', 'metadata', 'spec'], 'an inline AlertPolicy');
      if (r.get([...path, 'kind']) !== 'AlertPolicy') r.problem([...path, 'kind'], 'an inline alert policy must have kind: AlertPolicy');
      else target = { reader: r, path: [...path, 'spec'] };
    } else r.problem(path, 'must be an inline AlertPolicy or an alertPolicyRef');
    if (target === undefined) {
      ok = false;
      return;
    }
    const read = readAlertPolicy(target.reader, target.path, index);
    if (read === undefined) ok = false;
    else rules.push(...read);
  });
  return ok && rules.length > 0 ? { rules, place: r.place(['spec', 'alertPolicies']), label } : undefined;
}

function readAlertPolicy(r: DocumentReader, path: ConfigPath, index: Map<string, IndexedObject>): AlertRuleEntry[] | undefined {
  // alertWhen* and notificationTargets are accepted but not used: slo-ledger always notifies on
  // firing, escalation and resolve, raises its own no-data alert, and sends to the config's targets.
  if (!r.mapping(path, ['description', 'alertWhenNoData', 'alertWhenResolved', 'alertWhenBreaching', 'conditions', 'notificationTargets'], 'an OpenSLO AlertPolicy spec')) return undefined;
  const conditions = r.get([...path, 'conditions']);
  if (!Array.isArray(conditions) || conditions.length === 0) {
    r.problem([...path, 'conditions'], conditions === undefined ? 'missing required key "conditions"' : 'must list at least one condition');
    return undefined;
  }
  const rules: AlertRuleEntry[] = [];
  for (const [i, item] of conditions.entries()) {
    const itemPath: ConfigPath = [...path, 'conditions', i];
    let target: { reader: DocumentReader; path: ConfigPath } | undefined;
    const refName = (item as Record<string, unknown> | null)?.conditionRef;
    if (typeof refName === 'string') {
      r.mapping(itemPath, ['conditionRef'], 'a condition reference');
      const condition = index.get(`AlertCondition/${refName}`);
      if (condition === undefined) r.problem([...itemPath, 'conditionRef'], `no AlertCondition named "${refName}" in the files read`);
      else target = { reader: condition.reader, path: ['spec'] };
    } else if (item !== null && typeof item === 'object') {
      r.mapping(itemPath, ['kind', 'metadata', 'spec'], 'an inline AlertCondition');
      if (r.get([...itemPath, 'kind']) !== 'AlertCondition') r.problem([...itemPath, 'kind'], 'an inline condition must have kind: AlertCondition');
      else target = { reader: r, path: [...itemPath, 'spec'] };
    } else r.problem(itemPath, 'must be an inline AlertCondition or a conditionRef');
    if (target === undefined) return undefined;
    const rule = readCondition(target.reader, target.path);
    if (rule === undefined) return undefined;
    rules.push(rule);
  }
  return rules;
}

/**
 * A burnrate condition as a burn-rate rule: severity critical/page → page, warning/ticket → ticket;
 * factor = threshold; long window = lookbackWindow; short window = lookbackWindow / 12, the SRE
 * Workbook's ratio (1h and 5m, 6h and 30m). alertAfter is not used: the short window does its job
 * (the alert fires only while the burn goes on).
 */
function readCondition(r: DocumentReader, path: ConfigPath): AlertRuleEntry | undefined {
  if (!r.mapping(path, ['description', 'severity', 'condition'], 'an OpenSLO AlertCondition spec')) return undefined;
  const severityText = r.string([...path, 'severity'], true);
  const severity = severityText === undefined ? undefined : SEVERITIES[severityText.toLowerCase()];
  if (severityText !== undefined && severity === undefined) {
    r.problem([...path, 'severity'], `severity "${severityText}": slo-ledger has page (critical or page) and ticket (warning or ticket) alerts`);
  }
  const condition: ConfigPath = [...path, 'condition'];
  if (r.get(condition) === undefined) {
    r.missing(condition);
    return undefined;
  }
  if (!r.mapping(condition, ['kind', 'op', 'threshold', 'lookbackWindow', 'alertAfter'], 'an OpenSLO alert condition')) return undefined;
  const kind = r.get([...condition, 'kind']);
  if (kind !== undefined && kind !== 'burnrate') {
    r.problem([...condition, 'kind'], `kind "${String(kind)}": slo-ledger alerts on burn rates only (kind: burnrate)`);
    return undefined;
  }
  let ok = severity !== undefined;
  const op = r.get([...condition, 'op']);
  if (op !== undefined && op !== 'gt' && op !== 'gte') {
    r.problem([...condition, 'op'], `op ${String(op)}: slo-ledger alerts when the burn rate exceeds the threshold (gt or gte; a burn rate within 1e-9 of it counts as not exceeding)`);
    ok = false;
  }
  const threshold = r.get([...condition, 'threshold']);
  if (typeof threshold !== 'number' || !(threshold > 0) || !Number.isFinite(threshold)) {
    if (threshold === undefined) r.missing([...condition, 'threshold']);
    else r.problem([...condition, 'threshold'], 'must be a burn rate above 0, e.g. 14.4');
    ok = false;
  }
  const lookback = readShorthand(r, [...condition, 'lookbackWindow']);
  if (lookback === undefined) return undefined;
  const unitMs: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
  const longMs = lookback.count * (unitMs[lookback.unit] ?? 0);
  if (longMs === 0 || longMs % 3_600_000 !== 0) {
    r.problem(
      [...condition, 'lookbackWindow'],
      'must be a whole number of hours (e.g. 1h, 6h, 1d, 3d): the short window is lookbackWindow / 12 (the SRE Workbook\'s ratio, 1h and 5m) and must be a whole number of 5-minute buckets',
    );
    return undefined;
  }
  if (!ok || severity === undefined || typeof threshold !== 'number') return undefined;
  return { severity, long_window: formatDuration(longMs), short_window: formatDuration(longMs / 12), factor: threshold };
}

// ---------------------------------------------------------------------------------------------
// SLO v1alpha

function readSloV1alpha(r: DocumentReader, name: string, read: OpenSloRead): void {
  if (!r.mapping(['spec'], ['timeWindows', 'budgetingMethod', 'description', 'indicator', 'service', 'objectives'], 'an OpenSLO v1alpha SLO spec')) return;
  const label = `OpenSLO SLO "${name}"`;
  const service = r.string(['spec', 'service'], true);
  const description = r.string(['spec', 'description'], false) ?? '';
  if (r.get(['spec', 'indicator']) !== undefined) {
    r.problem(['spec', 'indicator'], 'a v1alpha indicator is a thresholdMetric, which compares one value with the objective\'s value; slo-ledger counts good and total events: give ratioMetrics in the objectives', { atKey: true });
    return;
  }
  readBudgetingMethod(r, ['spec', 'budgetingMethod']);
  const window = readTimeWindowV1alpha(r);
  const objectives = r.get(['spec', 'objectives']);
  if (!Array.isArray(objectives) || objectives.length === 0) {
    r.problem(['spec', 'objectives'], objectives === undefined ? 'missing required key "objectives"' : 'must list at least one objective');
    return;
  }
  objectives.forEach((_, i) => {
    const path: ConfigPath = ['spec', 'objectives', i];
    if (!r.mapping(path, ['displayName', 'value', 'op', 'target', 'timeSliceTarget', 'ratioMetrics'], 'an OpenSLO v1alpha objective')) return;
    if (r.get([...path, 'timeSliceTarget']) !== undefined) {
      r.problem([...path, 'timeSliceTarget'], 'timeSliceTarget belongs to Timeslices budgeting; slo-ledger counts occurrences (good and total events), so a time slice has no meaning here', { atKey: true });
      return;
    }
    const events = readRatioMetricsV1alpha(r, [...path, 'ratioMetrics']);
    const objective = readTarget(r, path, false);
    const displayName = r.string([...path, 'displayName'], false);
    if (service === undefined || events === undefined || objective === undefined || window === undefined) return;
    const single = objectives.length === 1;
    read.slos.push({
      entry: {
        name: single ? name : `${name}-${(displayName === undefined ? '' : slug(displayName)) || String(i + 1)}`,
        service,
        description: single || displayName === undefined ? description : `${description}${description === '' ? '' : ' '}(objective "${displayName}")`,
        objective: objective.percent,
        window: window.text,
        sli: { events: events.events },
      },
      provenance: [
        { entryPath: ['name'], place: single ? r.place(['metadata', 'name']) : r.place(displayName === undefined ? path : [...path, 'displayName']) },
        { entryPath: ['service'], place: r.place(['spec', 'service']) },
        { entryPath: ['objective'], place: objective.place },
        { entryPath: ['window'], place: window.place },
        ...events.provenance,
      ],
      queries: events.queries,
      place: single ? r.place([]) : r.place(path),
      label: single ? label : `${label}, objective "${displayName ?? `#${i + 1}`}"`,
      ...(window.timeZone === undefined ? {} : { timeZone: window.timeZone }),
    });
  });
}

function readTimeWindowV1alpha(r: DocumentReader): { text: string; place: SourcePlace; timeZone?: { zone: string; place: SourcePlace } } | undefined {
  const windows = r.get(['spec', 'timeWindows']);
  if (windows === undefined) return { text: SLO_WINDOW_DEFAULT, place: r.place(['spec']) };
  if (!Array.isArray(windows) || windows.length !== 1) {
    r.problem(['spec', 'timeWindows'], 'must list exactly one time window');
    return undefined;
  }
  const path: ConfigPath = ['spec', 'timeWindows', 0];
  if (!r.mapping(path, ['unit', 'count', 'isRolling', 'calendar'], 'an OpenSLO v1alpha time window')) return undefined;
  const units: Record<string, string> = { Second: 's', Minute: 'm', Hour: 'h', Day: 'd', Week: 'w', Month: 'M', Quarter: 'Q', Year: 'Y' };
  const unit = r.get([...path, 'unit']);
  const count = r.get([...path, 'count']);
  if (typeof unit !== 'string' || units[unit] === undefined) {
    if (unit === undefined) r.missing([...path, 'unit']);
    else r.problem([...path, 'unit'], `must be one of ${Object.keys(units).join(', ')}`);
    return undefined;
  }
  if (typeof count !== 'number' || !Number.isInteger(count) || count <= 0) {
    if (count === undefined) r.missing([...path, 'count']);
    else r.problem([...path, 'count'], 'must be a whole number above 0');
    return undefined;
  }
  return windowOf(r, path, { count, unit: units[unit] }, [...path, 'unit']);
}

function readRatioMetricsV1alpha(r: DocumentReader, path: ConfigPath): { events: Record<string, string>; provenance: Provenance[]; queries: QueryOrigin[] } | undefined {
  if (r.get(path) === undefined) {
    r.problem(path.slice(0, -1), 'has no ratioMetrics: a threshold objective compares one value with the objective\'s value; slo-ledger counts good and total events (ratioMetrics with good and total)');
    return undefined;
  }
  // `incremental` (older OpenSLO tools) means what v1's `counter` means.
  if (!r.mapping(path, ['good', 'total', 'counter', 'incremental'], 'OpenSLO v1alpha ratioMetrics')) return undefined;
  const flags = ['counter', 'incremental'].map((key) => r.get([...path, key]));
  for (const [i, flag] of flags.entries()) {
    if (flag !== undefined && typeof flag !== 'boolean') {
      r.problem([...path, i === 0 ? 'counter' : 'incremental'], 'must be true or false');
      return undefined;
    }
  }
  const counterKey = flags[0] !== undefined ? 'counter' : 'incremental';
  const counter = (flags[0] ?? flags[1]) as boolean | undefined;
  if (counter === false) {
    r.problem([...path, counterKey], `${counterKey}: false means the metrics are gauges that go up and down; slo-ledger counts events from counters and cannot sum gauge samples into buckets`);
    return undefined;
  }
  const queries: Record<string, string> = {};
  for (const part of ['good', 'total']) {
    const partPath: ConfigPath = [...path, part];
    if (r.get(partPath) === undefined) {
      r.missing(partPath);
      return undefined;
    }
    if (!r.mapping(partPath, ['source', 'queryType', 'query'], `the ${part} of ratioMetrics`)) return undefined;
    const source = r.string([...partPath, 'source'], true);
    const queryType = r.string([...partPath, 'queryType'], true);
    const query = r.string([...partPath, 'query'], true);
    if (source === undefined || queryType === undefined || query === undefined) return undefined;
    if (!/^prometheus$/i.test(source)) {
      r.problem([...partPath, 'source'], `a ${source} source: slo-ledger reads Prometheus (or anything with its query API) only`);
      return undefined;
    }
    if (!/^promql$/i.test(queryType)) {
      r.problem([...partPath, 'queryType'], `queryType ${queryType}: slo-ledger runs PromQL queries (queryType: promql)`);
      return undefined;
    }
    queries[part] = query;
  }
  if (counter === undefined && !Object.values(queries).every((query) => query.includes(WINDOW_PLACEHOLDER))) {
    r.problem(path, `counter is missing: slo-ledger needs counters (counter: true), or queries that count the events of their own ${WINDOW_PLACEHOLDER} (as Sloth writes them)`);
    return undefined;
  }
  const events: Record<string, string> = {};
  const provenance: Provenance[] = [];
  const origins: QueryOrigin[] = [];
  for (const part of ['good', 'total'] as const) {
    const queryPath: ConfigPath = [...path, part, 'query'];
    const counted = countingQuery(queries[part]!, counter === true);
    if (!counted.ok) {
      r.problem(queryPath, `cannot be read as a count of events: ${counted.reason}`);
      return undefined;
    }
    events[`${part}_query`] = counted.query;
    provenance.push({ entryPath: ['sli', 'events', `${part}_query`], place: r.place(queryPath) });
    origins.push(r.queryOrigin(queryPath, `${part}_query`, queries[part]!));
  }
  return { events, provenance, queries: origins };
}
