import { Document } from 'yaml';
import { ratioToPercent, toSliEntry, toSloAlertingEntry } from '../config/slo-codec.js';
import { DEFAULT_MAX_GROUPS, type SloDefinition } from '../domain/slo.js';
import { ANNOTATIONS, ANNOTATION_PREFIX, openSloRatioOf } from './annotations.js';
import { OPENSLO_V1 } from './openslo.js';

// `slo-ledger export openslo`: the configured SLOs as OpenSLO v1 documents — a Service per service,
// a DataSource for the Prometheus (its URL without credentials), and an SLO per SLO with an inline
// SLI whose ratioMetric holds bare counter selectors (counter: true), the inverse of the increase()
// wrapping `import` does. What OpenSLO cannot say goes into `slo-ledger.io/` annotations, which
// `import openslo` and `slos_from` read back, so export then import gives the same SLOs.

/** The name of the exported DataSource every SLO refers to. */
export const EXPORTED_DATASOURCE = 'prometheus';

/** The OpenSLO v1 documents of `slos`, as one multi-document YAML text. */
export function exportOpenSlo(slos: readonly SloDefinition[], options: { prometheusUrl: string; source: string }): string {
  const documents: Array<Record<string, unknown>> = [];
  for (const service of [...new Set(slos.map((slo) => slo.service))]) {
    documents.push({ apiVersion: OPENSLO_V1, kind: 'Service', metadata: { name: service }, spec: { description: `Service ${service} (exported by slo-ledger)` } });
  }
  documents.push({
    apiVersion: OPENSLO_V1,
    kind: 'DataSource',
    metadata: { name: EXPORTED_DATASOURCE },
    spec: { type: 'Prometheus', connectionDetails: { url: withoutCredentials(options.prometheusUrl) } },
  });
  for (const slo of slos) documents.push(sloDocument(slo));
  const header = ` OpenSLO v1 documents of the SLOs of ${options.source}, exported by slo-ledger.\n slo-ledger.io/ annotations hold what OpenSLO cannot say; slo-ledger import openslo reads them back.`;
  return documents
    .map((content, index) => {
      const doc = new Document(content);
      if (index === 0) doc.commentBefore = header;
      return doc.toString({ lineWidth: 0 });
    })
    .join('---\n');
}

function sloDocument(slo: SloDefinition): Record<string, unknown> {
  const ratio = openSloRatioOf(slo.sli);
  const annotations: Record<string, string> = {};
  const annotate = (name: string, value: unknown) => (annotations[`${ANNOTATION_PREFIX}${name}`] = JSON.stringify(value));
  if (slo.tiers !== undefined) annotate(ANNOTATIONS.tiers, { critical: ratioToPercent(slo.tiers.criticalRatio), warning: ratioToPercent(slo.tiers.warningRatio) });
  if (slo.groupBy !== undefined) {
    annotate(ANNOTATIONS.groupBy, slo.groupBy);
    annotate(ANNOTATIONS.maxGroups, slo.maxGroups ?? DEFAULT_MAX_GROUPS);
  }
  if (ratio.annotated) annotate(ANNOTATIONS.sli, toSliEntry(slo.sli));
  if (slo.alerting !== undefined) annotate(ANNOTATIONS.alerting, toSloAlertingEntry(slo.alerting));
  const source = (query: string) => ({ metricSource: { metricSourceRef: EXPORTED_DATASOURCE, type: 'Prometheus', spec: { query } } });
  return {
    apiVersion: OPENSLO_V1,
    kind: 'SLO',
    metadata: { name: slo.name, ...(Object.keys(annotations).length === 0 ? {} : { annotations }) },
    spec: {
      ...(slo.description === '' ? {} : { description: slo.description }),
      service: slo.service,
      indicator: {
        metadata: { name: `${slo.name}-sli` },
        spec: {
          ratioMetric: {
            counter: true,
            ...(ratio.good === undefined ? {} : { good: source(ratio.good) }),
            ...(ratio.bad === undefined ? {} : { bad: source(ratio.bad) }),
            total: source(ratio.total),
          },
        },
      },
      timeWindow: [{ duration: shorthand(slo.windowMs), isRolling: true }],
      budgetingMethod: 'Occurrences',
      objectives: [{ target: slo.objectiveRatio }],
    },
  };
}

/** An OpenSLO duration shorthand: whole days, else hours, else minutes (windows are whole 5-minute buckets). */
function shorthand(ms: number): string {
  for (const [unit, unitMs] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000]] as const) if (ms % unitMs === 0) return `${ms / unitMs}${unit}`;
  throw new Error(`window of ${ms} ms is not a whole number of minutes`);
}

/** The URL without user and password: a DataSource is shared; credentials stay in the config. */
function withoutCredentials(url: string): string {
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  if (parsed.username === '' && parsed.password === '') return url;
  parsed.username = '';
  parsed.password = '';
  return parsed.toString();
}
