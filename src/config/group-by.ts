import { z } from 'zod';
import { queryGrouping, sameLabels } from './promql-grouping.js';

/** Labels slo-ledger itself puts on query results, so a group cannot be made of them. */
const RESERVED_LABELS = ['le', 'slo_ledger_part'];

/** `group_by`: label names, each once, none that slo-ledger uses itself. */
export const groupByList = z
  .array(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a Prometheus label name'))
  .min(1, 'needs at least one label; leave group_by out for an SLO without groups')
  .superRefine((labels, ctx) => {
    labels.forEach((label, index) => {
      if (labels.indexOf(label) !== index) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [index], message: `"${label}" is listed twice` });
      if (RESERVED_LABELS.includes(label)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [index], message: `"${label}" is used by slo-ledger itself and cannot group an SLO` });
    });
  });

/** The parts of an SLO entry the grouping rules read. */
interface GroupedSloEntry {
  group_by?: string[] | undefined;
  max_groups?: number | undefined;
  sli: { events?: { good_query?: string | undefined; bad_query?: string | undefined; total_query: string } | undefined };
}

/**
 * An events SLI with `group_by` must aggregate each of its queries `by` exactly those labels (e.g.
 * `sum by (endpoint) (increase(…[{{.window}}]))`): slo-ledger books what each query returns per
 * label set, so a query that keeps other labels, or drops one, would mix groups. Latency SLIs need
 * nothing: slo-ledger writes their queries itself.
 */
export function checkGrouping(slo: GroupedSloEntry, ctx: z.RefinementCtx): void {
  if (slo.group_by === undefined) {
    if (slo.max_groups !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['max_groups'], message: 'max_groups applies to an SLO with group_by' });
    return;
  }
  const events = slo.sli.events;
  if (events === undefined) return;
  const wanted = slo.group_by;
  for (const key of ['good_query', 'bad_query', 'total_query'] as const) {
    const query = events[key];
    if (query === undefined) continue;
    const grouping = queryGrouping(query.replaceAll('{{.window}}', '5m'));
    const problem =
      grouping.kind === 'invalid'
        ? grouping.reason
        : sameLabels(grouping.labels, wanted)
          ? undefined
          : `it aggregates by (${grouping.labels.join(', ')})`;
    if (problem === undefined) continue;
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['sli', 'events', key],
      message: `with group_by [${wanted.join(', ')}] this query must aggregate by exactly those labels, e.g. sum by (${wanted.join(', ')}) (increase(…[{{.window}}])); ${problem}`,
    });
  }
}
