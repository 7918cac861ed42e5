import type { ConfigPath } from '../config/yaml-location.js';
import type { QueryOrigin } from '../domain/query-origin.js';
import type { ConfigDiagnostic } from '../errors.js';
import type { Provenance, SeverityLabel, SloCandidate } from './candidates.js';
import { ratesToIncreases } from './promql-rewrite.js';
import { DocumentReader, type SourceDocument } from './source.js';

// Sloth (sloth.dev) to slo-ledger SLOs: the `prometheus/v1` spec (snake_case) and the
// PrometheusServiceLevel Kubernetes object of sloth.slok.dev/v1 (camelCase). Sloth's SLO period
// defaults to 30 days, and its default alert windows are the SRE Workbook's, slo-ledger's default
// policy, so a Sloth file brings no alerting policy.

export const SLOTH_PROMETHEUS_V1 = 'prometheus/v1';
export const SLOTH_K8S_V1 = 'sloth.slok.dev/v1';
const SLOTH_WINDOW = '30d';

/** The field names of the two forms. */
interface Dialect {
  name: string;
  errorQuery: string;
  totalQuery: string;
  errorRatioQuery: string;
  pageAlert: string;
  ticketAlert: string;
  sloPlugins: string;
  other: Dialect | undefined;
}

const SNAKE: Dialect = { name: 'a prometheus/v1 file (snake_case)', errorQuery: 'error_query', totalQuery: 'total_query', errorRatioQuery: 'error_ratio_query', pageAlert: 'page_alert', ticketAlert: 'ticket_alert', sloPlugins: 'slo_plugins', other: undefined };
const CAMEL: Dialect = { name: 'a PrometheusServiceLevel object (camelCase)', errorQuery: 'errorQuery', totalQuery: 'totalQuery', errorRatioQuery: 'errorRatioQuery', pageAlert: 'pageAlert', ticketAlert: 'ticketAlert', sloPlugins: 'sloPlugins', other: SNAKE };
SNAKE.other = CAMEL;

/** Labels slo-ledger sets on every alert itself. */
const OWN_LABELS = ['alertname', 'slo', 'service', 'severity'];

/** Reads the Sloth documents of a set of files (each already known to be Sloth by its version or apiVersion). */
export function readSloth(documents: readonly SourceDocument[], diagnostics: ConfigDiagnostic[]): SloCandidate[] {
  const candidates: SloCandidate[] = [];
  for (const source of documents) {
    const r = new DocumentReader(source, diagnostics);
    if (r.get(['version']) === SLOTH_PROMETHEUS_V1) {
      if (r.mapping([], ['version', 'service', 'labels', 'slos', SNAKE.sloPlugins], 'a Sloth prometheus/v1 spec', hintsFor(SNAKE))) {
        readServiceLevel(r, [], SNAKE, candidates);
      }
      continue;
    }
    const kind = r.get(['kind']);
    if (kind === 'AlertWindows') {
      r.problem(['kind'], 'Sloth AlertWindows are not SLOs; write these windows as the config\'s alerting.policy (severity, long_window, short_window, budget_consumed = errorBudgetPercent)');
      continue;
    }
    if (kind !== 'PrometheusServiceLevel') {
      r.problem(['kind'], `kind ${JSON.stringify(kind)}: slo-ledger reads Sloth's PrometheusServiceLevel objects`);
      continue;
    }
    r.mapping([], ['apiVersion', 'kind', 'metadata', 'spec', 'status'], 'a PrometheusServiceLevel object');
    if (r.mapping(['spec'], ['service', 'labels', 'slos', CAMEL.sloPlugins], 'a PrometheusServiceLevel spec', hintsFor(CAMEL))) {
      readServiceLevel(r, ['spec'], CAMEL, candidates);
    }
  }
  return candidates;
}

/** Hints for the other dialect's spelling of a key: `write errorQuery: …`. */
function hintsFor(dialect: Dialect): Record<string, string> {
  const other = dialect.other!;
  const fields = ['errorQuery', 'totalQuery', 'errorRatioQuery', 'pageAlert', 'ticketAlert', 'sloPlugins'] as const;
  return Object.fromEntries(fields.map((field) => [other[field], `write ${dialect[field]}: ${dialect.name} spells it so`]));
}

function readServiceLevel(r: DocumentReader, spec: ConfigPath, dialect: Dialect, candidates: SloCandidate[]): void {
  refusePlugins(r, [...spec, dialect.sloPlugins]);
  const service = r.string([...spec, 'service'], true);
  const serviceLabels = r.stringMap([...spec, 'labels']) ?? {};
  const slos = r.get([...spec, 'slos']);
  if (!Array.isArray(slos) || slos.length === 0) {
    r.problem([...spec, 'slos'], slos === undefined ? 'missing required key "slos"' : 'must list at least one SLO');
    return;
  }
  if (service === undefined) return;
  slos.forEach((_, i) => {
    const candidate = readSlo(r, [...spec, 'slos', i], dialect, service, serviceLabels, [...spec, 'labels']);
    if (candidate !== undefined) candidates.push(candidate);
  });
}

function refusePlugins(r: DocumentReader, path: ConfigPath): void {
  if (r.get(path) !== undefined) {
    r.problem(path, 'SLO plugins change the rules Sloth generates, and slo-ledger does not run them; remove them, or write the resulting SLO in the config', { atKey: true });
  }
}

function readSlo(
  r: DocumentReader,
  path: ConfigPath,
  dialect: Dialect,
  service: string,
  serviceLabels: Record<string, string>,
  serviceLabelsPath: ConfigPath,
): SloCandidate | undefined {
  // interval and infoLabels shape the rules Sloth writes (rule group intervals, sloth_slo_info): not used.
  const keys = ['name', 'description', 'objective', 'labels', 'sli', 'alerting', dialect.sloPlugins, ...(dialect === SNAKE ? ['interval', 'infoLabels'] : [])];
  if (!r.mapping(path, keys, 'a Sloth SLO', hintsFor(dialect))) return undefined;
  refusePlugins(r, [...path, dialect.sloPlugins]);
  const sloName = r.string([...path, 'name'], true);
  const objective = r.get([...path, 'objective']);
  if (objective === undefined) r.missing([...path, 'objective']);
  const description = r.string([...path, 'description'], false) ?? '';
  const label = `Sloth SLO "${sloName ?? '?'}" of service "${service}"`;
  const events = readSli(r, [...path, 'sli'], dialect);
  if (sloName === undefined || events === undefined || objective === undefined) return undefined;
  // Sloth names an SLO within its service; its own ID (sloth_id) is service-name, so is slo-ledger's.
  const name = `${service}-${sloName}`;
  const alerting = readAlerting(r, path, dialect, { service, name, serviceLabels, serviceLabelsPath });
  if (alerting === undefined) return undefined;
  return {
    entry: {
      name,
      service,
      description,
      objective,
      window: SLOTH_WINDOW,
      ...(alerting.entry === undefined ? {} : { alerting: alerting.entry }),
      sli: { events: events.events },
    },
    provenance: [
      { entryPath: ['name'], place: r.place([...path, 'name']) },
      { entryPath: ['service'], place: r.place([...path.slice(0, -2), 'service']) },
      { entryPath: ['description'], place: r.place([...path, 'description']) },
      { entryPath: ['objective'], place: r.place([...path, 'objective']) },
      { entryPath: ['window'], place: r.place(path) },
      ...events.provenance,
      ...alerting.provenance,
    ],
    queries: events.queries,
    place: r.place(path),
    label,
    ...(Object.keys(alerting.severityLabels).length === 0 ? {} : { severityLabels: alerting.severityLabels }),
  };
}

/**
 * The events SLI: error_query is slo-ledger's bad_query. Sloth writes rates over `{{.window}}`;
 * each becomes an increase, so the ledger books events, not events per second.
 */
function readSli(r: DocumentReader, path: ConfigPath, dialect: Dialect): { events: Record<string, string>; provenance: Provenance[]; queries: QueryOrigin[] } | undefined {
  if (r.get(path) === undefined) {
    r.missing(path);
    return undefined;
  }
  if (!r.mapping(path, ['events', 'raw', 'plugin'], 'a Sloth SLI')) return undefined;
  if (r.get([...path, 'plugin']) !== undefined) {
    r.problem([...path, 'plugin'], 'an SLI plugin writes its queries in Go code that slo-ledger cannot run; write the queries it produces as events (error_query and total_query)', { atKey: true });
    return undefined;
  }
  if (r.get([...path, 'raw']) !== undefined) {
    r.problem(
      [...path, 'raw'],
      'a raw SLI is an error ratio, and a ratio cannot be summed into 5-minute buckets: an average of per-bucket ratios is wrong when traffic is uneven (a quiet hour would weigh as much as a busy one); give events queries (error and total counts) instead',
      { atKey: true },
    );
    return undefined;
  }
  const eventsPath: ConfigPath = [...path, 'events'];
  if (r.get(eventsPath) === undefined) {
    r.problem(path, 'needs events (error and total queries)');
    return undefined;
  }
  if (!r.mapping(eventsPath, [dialect.errorQuery, dialect.totalQuery], 'Sloth events', hintsFor(dialect))) return undefined;
  const events: Record<string, string> = {};
  const provenance: Provenance[] = [];
  const queries: QueryOrigin[] = [];
  for (const [field, key] of [[dialect.errorQuery, 'bad_query'], [dialect.totalQuery, 'total_query']] as const) {
    const queryPath: ConfigPath = [...eventsPath, field];
    // Spelt the other dialect's way: already reported as an unknown key, with the right spelling.
    const otherField = field === dialect.errorQuery ? dialect.other!.errorQuery : dialect.other!.totalQuery;
    if (r.get(queryPath) === undefined && r.get([...eventsPath, otherField]) !== undefined) return undefined;
    const query = r.string(queryPath, true);
    if (query === undefined) return undefined;
    const counted = ratesToIncreases(query);
    if (!counted.ok) {
      r.problem(queryPath, `cannot be read as a count of events: ${counted.reason}`);
      return undefined;
    }
    events[key] = counted.query;
    provenance.push({ entryPath: ['sli', 'events', key], place: r.place(queryPath) });
    queries.push(r.queryOrigin(queryPath, key, query));
  }
  return { events, provenance, queries };
}

interface AlertingContext {
  service: string;
  name: string;
  serviceLabels: Record<string, string>;
  serviceLabelsPath: ConfigPath;
}

/**
 * Sloth's alerting as the SLO's own `alerting`: the service's, the SLO's and the alerting labels
 * (Sloth puts all of them on its alerts), the alert name as the label `alert_name` (slo-ledger's
 * alerts are named SloBurnRate and SloNoData), annotations, and page_alert / ticket_alert with
 * their labels, annotations and `disable`. A `severity` label is not copied (slo-ledger sets it from
 * the config's alertmanager.severity) but remembered, for slos_from to check against it.
 */
function readAlerting(
  r: DocumentReader,
  path: ConfigPath,
  dialect: Dialect,
  context: AlertingContext,
): { entry?: Record<string, unknown>; provenance: Provenance[]; severityLabels: { page?: SeverityLabel; ticket?: SeverityLabel } } | undefined {
  const alertingPath: ConfigPath = [...path, 'alerting'];
  const provenance: Provenance[] = [];
  const severityLabels: { page?: SeverityLabel; ticket?: SeverityLabel } = {};
  let ok = true;
  const labels: Record<string, string> = {};
  /** Copies labels from `source` into `into`, keeping slo-ledger's own names out. */
  const take = (source: ConfigPath, into: Record<string, string>, entryPath: ConfigPath, severities: ReadonlyArray<'page' | 'ticket'>) => {
    for (const [key, value] of Object.entries(r.stringMap(source) ?? {})) {
      const at = r.place([...source, key]);
      if (key === 'severity') {
        for (const severity of severities) severityLabels[severity] = { value, place: at };
        continue;
      }
      const own = key === 'service' ? context.service : key === 'slo' ? context.name : undefined;
      if (OWN_LABELS.includes(key) && value !== own) {
        r.problem([...source, key], key === 'alertname'
          ? 'slo-ledger names its alerts SloBurnRate and SloNoData (alerting.name is kept as the label alert_name)'
          : `slo-ledger sets the label ${key} itself, to ${JSON.stringify(own)}`, { atKey: true });
        ok = false;
        continue;
      }
      if (OWN_LABELS.includes(key)) continue; // the same value slo-ledger sets
      into[key] = value;
      provenance.push({ entryPath: [...entryPath, key], place: r.keyPlace([...source, key]) });
    }
  };
  take(context.serviceLabelsPath, labels, ['alerting', 'labels'], ['page', 'ticket']);
  take([...path, 'labels'], labels, ['alerting', 'labels'], ['page', 'ticket']);
  if (r.get(alertingPath) === undefined) {
    return { ...(Object.keys(labels).length === 0 ? {} : { entry: { labels } }), provenance, severityLabels };
  }
  if (!r.mapping(alertingPath, ['name', 'labels', 'annotations', dialect.pageAlert, dialect.ticketAlert], 'Sloth alerting', hintsFor(dialect))) return undefined;
  take([...alertingPath, 'labels'], labels, ['alerting', 'labels'], ['page', 'ticket']);
  const alertName = r.string([...alertingPath, 'name'], false);
  if (alertName !== undefined && labels.alert_name === undefined) {
    labels.alert_name = alertName;
    provenance.push({ entryPath: ['alerting', 'labels', 'alert_name'], place: r.place([...alertingPath, 'name']) });
  }
  const annotations = r.stringMap([...alertingPath, 'annotations']);
  const entry: Record<string, unknown> = {
    ...(Object.keys(labels).length === 0 ? {} : { labels }),
    ...(annotations === undefined || Object.keys(annotations).length === 0 ? {} : { annotations }),
  };
  for (const [severity, field] of [['page', dialect.pageAlert], ['ticket', dialect.ticketAlert]] as const) {
    const alertPath: ConfigPath = [...alertingPath, field];
    if (r.get(alertPath) === undefined) continue;
    // `for` (newer Sloth) delays its Prometheus alert: not used; slo-ledger's short window confirms a burn.
    if (!r.mapping(alertPath, ['disable', 'labels', 'annotations', 'for'], `Sloth ${field}`)) return undefined;
    const part: Record<string, unknown> = {};
    const partLabels: Record<string, string> = {};
    take([...alertPath, 'labels'], partLabels, ['alerting', severity, 'labels'], [severity]);
    if (Object.keys(partLabels).length > 0) part.labels = partLabels;
    const partAnnotations = r.stringMap([...alertPath, 'annotations']);
    if (partAnnotations !== undefined && Object.keys(partAnnotations).length > 0) part.annotations = partAnnotations;
    const disable = r.get([...alertPath, 'disable']);
    if (disable !== undefined && typeof disable !== 'boolean') {
      r.problem([...alertPath, 'disable'], 'must be true or false');
      ok = false;
    } else if (disable === true) part.disable = true;
    if (Object.keys(part).length > 0) entry[severity] = part;
    provenance.push({ entryPath: ['alerting', severity], place: r.place(alertPath) });
  }
  provenance.push({ entryPath: ['alerting'], place: r.place(alertingPath) });
  if (!ok) return undefined;
  return { ...(Object.keys(entry).length === 0 ? {} : { entry }), provenance, severityLabels };
}
