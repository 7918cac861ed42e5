import { toPromQlRange } from '../domain/duration.js';
import type { SliDefinition } from '../domain/slo.js';

const WINDOW_PLACEHOLDER = /\{\{\s*\.window\s*\}\}/g;

/** The PromQL of one SLI for one window length: each query returns an event count over that window. */
export type SliQueries =
  | { kind: 'events'; good?: string; bad?: string; total: string }
  | { kind: 'latency'; buckets: string; total: string };

/** Replaces every `{{.window}}` of a user query with a PromQL range of `windowMs`. */
export function renderWindow(template: string, windowMs: number): string {
  return template.replace(WINDOW_PLACEHOLDER, toPromQlRange(windowMs));
}

/**
 * Builds the queries of an SLI over `windowMs`. Latency SLIs read the histogram per `le`
 * (good = the threshold's bucket) and its `_count` (total).
 */
export function buildSliQueries(sli: SliDefinition, windowMs: number, groupBy: readonly string[] = []): SliQueries {
  if (sli.kind === 'events') {
    return {
      kind: 'events',
      ...(sli.goodQuery !== undefined ? { good: renderWindow(sli.goodQuery, windowMs) } : {}),
      ...(sli.badQuery !== undefined ? { bad: renderWindow(sli.badQuery, windowMs) } : {}),
      total: renderWindow(sli.totalQuery, windowMs),
    };
  }
  const range = toPromQlRange(windowMs);
  const selector = sli.selector.trim() === '' ? '' : `{${sli.selector}}`;
  // A grouped SLO keeps its group labels; an ungrouped one sums them all away (the same queries as always).
  const by = groupBy.length === 0 ? '' : ` by (${groupBy.join(', ')})`;
  return {
    kind: 'latency',
    buckets: `sum by (${['le', ...groupBy].join(', ')}) (increase(${sli.histogram}_bucket${selector}[${range}]))`,
    total: `sum${by}(increase(${sli.histogram}_count${selector}[${range}]))`,
  };
}

/** The label that tells the parts of a combined query apart. */
export const PART_LABEL = 'slo_ledger_part';

/**
 * One PromQL expression that returns every part of an SLI at once, each series labelled with its
 * part (`good`, `bad`, `total`, or `buckets` for a histogram), so a tick costs one request per SLO
 * instead of two or three. The parts' label sets differ, so `or` keeps every series of each.
 */
export function combineSliQueries(queries: SliQueries): string {
  const parts: Array<[string, string | undefined]> =
    queries.kind === 'events'
      ? [['good', queries.good], ['bad', queries.bad], ['total', queries.total]]
      : [['buckets', queries.buckets], ['total', queries.total]];
  return parts
    .filter((part): part is [string, string] => part[1] !== undefined)
    .map(([part, query]) => `label_replace(${query}, "${PART_LABEL}", "${part}", "", "")`)
    .join(' or ');
}
