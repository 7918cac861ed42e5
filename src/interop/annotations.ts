import type { SliDefinition } from '../domain/slo.js';
import { unwrapCounterSelectors } from './promql-rewrite.js';

// What OpenSLO cannot say about a slo-ledger SLO travels in `metadata.annotations` under this
// prefix (JSON in the config file's own form), written by `export openslo` and read back by
// `import openslo` and `slos_from`.

export const ANNOTATION_PREFIX = 'slo-ledger.io/';

/** The annotations slo-ledger writes and reads, without the prefix. */
export const ANNOTATIONS = {
  /** `{"critical": 99, "warning": 99.5}`: the breach tiers, in percent. */
  tiers: 'tiers',
  /** `["endpoint"]`: group_by. */
  groupBy: 'group-by',
  /** `"1000"`: max_groups. */
  maxGroups: 'max-groups',
  /** The SLI as the config writes it (`{"latency": {...}}` or `{"events": {...}}`) when the ratioMetric cannot carry it exactly. */
  sli: 'sli',
  /** The SLO's own alerting (labels, annotations, disabled severities), as the config writes it. */
  alerting: 'alerting',
} as const;

/** An OpenSLO ratioMetric: counter selectors for good or bad, and total. */
export interface OpenSloRatio {
  counter: true;
  good?: string;
  bad?: string;
  total: string;
  /** True when the ratio is not the SLI itself (a latency SLI, an events query that is no plain counter query): the `sli` annotation holds it. */
  annotated: boolean;
}

/**
 * The ratioMetric an SLI is exported as. An events SLI whose queries are made of
 * `increase(<selector>[{{.window}}])` becomes the bare counter selectors (`counter: true`), which
 * `import` wraps back into the very same queries. Any other events query is written as it is and
 * the SLI goes into the `sli` annotation. A latency SLI becomes a correct good/total pair for other
 * OpenSLO tools — `sum(<histogram>_bucket{le="<threshold>",<selector>})` and
 * `sum(<histogram>_count{<selector>})` — with the histogram, threshold and quantile in the annotation.
 */
export function openSloRatioOf(sli: SliDefinition): OpenSloRatio {
  if (sli.kind === 'latency') {
    const extra = sli.selector.trim() === '' ? '' : `,${sli.selector}`;
    const selector = sli.selector.trim() === '' ? '' : `{${sli.selector}}`;
    return {
      counter: true,
      good: `sum(${sli.histogram}_bucket{le="${sli.thresholdSeconds}"${extra}})`,
      total: `sum(${sli.histogram}_count${selector})`,
      annotated: true,
    };
  }
  const parts = { good: sli.goodQuery, bad: sli.badQuery, total: sli.totalQuery };
  const bare = Object.fromEntries(Object.entries(parts).flatMap(([part, query]) => (query === undefined ? [] : [[part, unwrapCounterSelectors(query)]])));
  const exact = Object.values(bare).every((query) => query !== undefined);
  const chosen = exact ? bare : parts;
  return {
    counter: true,
    ...(chosen.good === undefined ? {} : { good: chosen.good }),
    ...(chosen.bad === undefined ? {} : { bad: chosen.bad }),
    total: chosen.total!,
    annotated: !exact,
  };
}
