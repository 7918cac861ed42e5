import { BUCKET_MS } from '../domain/duration.js';
import type { LatencySli, SloDefinition } from '../domain/slo.js';
import { buildSliQueries } from '../prometheus/promql.js';

/**
 * Labels the rules set themselves on an SLO's series (`slo`, `service`) and alerts (`alertname`,
 * `severity`). A group label of the same name would be overwritten and its groups merged, so it is
 * carried as `group_<name>` instead — as slo-ledger's own Alertmanager alerts do.
 */
const OWN_LABELS: readonly string[] = ['alertname', 'slo', 'service', 'severity'];

/** A group label as it appears on the recorded series: renamed `group_<name>` when the rules use the name themselves. */
export function seriesLabel(groupLabel: string): string {
  return OWN_LABELS.includes(groupLabel) ? `group_${groupLabel}` : groupLabel;
}

/** The PromQL of an SLO's good and total events over one 5-minute bucket: one series per group (one in all without groups). */
export interface SliIncreaseExpressions {
  good: string;
  total: string;
}

/**
 * The good and total events of the 5 minutes before the evaluation instant, built by the same
 * {@link buildSliQueries} the ledger's sync uses for its buckets, so the rules count what the
 * ledger counts. Like the ledger (`prometheus/fetch-buckets.ts`): a good or bad query that returns
 * nothing while the total has data means no such events (a 5xx series often does not exist before
 * the first 5xx), and good = total − bad for a bad query. A latency SLI's good events are the
 * threshold's histogram bucket.
 *
 * Expects SLOs as the config validates them: a grouped events SLO's queries aggregate `by` exactly
 * its `group_by` labels.
 */
export function sliIncreaseExpressions(slo: SloDefinition): SliIncreaseExpressions {
  const groupBy = slo.groupBy ?? [];
  const queries = buildSliQueries(slo.sli, BUCKET_MS, groupBy);
  if (queries.kind === 'latency' && slo.sli.kind === 'latency') {
    const threshold = buildSliQueries(withThresholdBucket(slo.sli), BUCKET_MS, groupBy);
    if (threshold.kind !== 'latency') throw new Error('unreachable: a latency SLI builds latency queries');
    return { good: aggregate(threshold.buckets, groupBy, 'always'), total: aggregate(queries.total, groupBy, 'when-renamed') };
  }
  if (queries.kind !== 'events') throw new Error(`unreachable: SLO ${slo.name} has a ${slo.sli.kind} SLI but ${queries.kind} queries`);
  // An ungrouped events query may return several series (the ledger adds them up): sum them to one.
  const userQuery = groupBy.length === 0 ? 'always' : 'when-renamed';
  const total = aggregate(queries.total, groupBy, userQuery);
  const missingIsZero = (query: string) => `${aggregate(query, groupBy, userQuery)} or ${total} * 0`;
  if (queries.good !== undefined) return { good: missingIsZero(queries.good), total };
  if (queries.bad !== undefined) return { good: `${total} - (${missingIsZero(queries.bad)})`, total };
  throw new Error(`SLO ${slo.name}: an events SLI needs a good or a bad query`);
}

/**
 * The latency SLI with an `le` matcher for its threshold's bucket added to its selector, so the
 * builder's per-`le` query returns just that bucket. Go writes the bound "2", Prometheus 3 and
 * Python "2.0"; the matcher takes both, and the sum adds them up as the ledger does.
 */
function withThresholdBucket(sli: LatencySli): LatencySli {
  const matcher = `le=~"${boundPattern(sli.thresholdSeconds)}"`;
  return { ...sli, selector: [sli.selector.trim(), matcher].filter((part) => part !== '').join(', ') };
}

/** A regular expression for the ways a histogram bound is written: "2", "2.0", "2.00"; "0.25", "0.250". */
export function boundPattern(seconds: number): string {
  const text = String(seconds);
  // "[.]" and "[+]" need no backslash, which would have to be escaped again inside the PromQL string.
  const literal = text.replace(/[.+]/g, (c) => `[${c}]`);
  if (/e/i.test(text)) return literal;
  return text.includes('.') ? `${literal}0*` : `${literal}([.]0+)?`;
}

/**
 * `query` summed to one series per group, the group labels named as on the recorded series.
 * `when-renamed` leaves a query that already aggregates by exactly the group labels as it is,
 * unless a group label must be renamed.
 */
function aggregate(query: string, groupBy: readonly string[], when: 'always' | 'when-renamed'): string {
  const renamed = groupBy.filter((label) => seriesLabel(label) !== label);
  if (when === 'when-renamed' && renamed.length === 0) return query;
  const relabelled = renamed.reduce((expr, label) => `label_replace(${expr}, "${seriesLabel(label)}", "$1", "${label}", "(.*)")`, query);
  return groupBy.length === 0 ? `sum(${relabelled})` : `sum by (${groupBy.map(seriesLabel).join(', ')}) (${relabelled})`;
}
