import { DEFAULT_MAX_GROUPS, groupKey, type GroupLabels, type SloDefinition } from '../domain/slo.js';
import { PrometheusError } from '../errors.js';
import { PART_LABEL } from './promql.js';

/** Labels of a result series that are not the group's: the part marker and a histogram's bound. */
const OWN_LABELS = new Set([PART_LABEL, 'le']);

/** The series of one group of a grouped SLO. */
export interface GroupOfSeries<T> {
  labels: GroupLabels;
  series: T[];
}

/**
 * Splits a grouped SLO's query result by the values of its `group_by` labels (an absent label is
 * "", as in PromQL). A series with any other label means the query does not aggregate by exactly
 * `group_by`: that is an error naming the SLO and the labels seen, never a silent merge. More
 * groups than `max_groups` is an error too, saying how to raise the limit.
 */
export function groupSeries<T extends { labels: Record<string, string> }>(slo: SloDefinition, result: readonly T[]): GroupOfSeries<T>[] {
  const groupBy = slo.groupBy ?? [];
  const wanted = new Set(groupBy);
  const groups = new Map<string, GroupOfSeries<T>>();
  for (const series of result) {
    const extra = Object.keys(series.labels).filter((label) => !wanted.has(label) && !OWN_LABELS.has(label));
    if (extra.length > 0) {
      const seen = Object.keys(series.labels).filter((label) => !OWN_LABELS.has(label)).sort();
      throw new PrometheusError(
        `SLO ${slo.name}: the query returned a series with the labels {${seen.join(', ')}}, but the SLO groups by [${groupBy.join(', ')}]; ` +
          `aggregate the query by exactly those labels, e.g. sum by (${groupBy.join(', ')}) (…)`,
        { slo: slo.name },
      );
    }
    const labels = Object.fromEntries(groupBy.map((label) => [label, series.labels[label] ?? '']));
    const key = groupKey(labels);
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = { labels, series: [] }));
    group.series.push(series);
  }
  const limit = slo.maxGroups ?? DEFAULT_MAX_GROUPS;
  if (groups.size > limit) {
    throw new PrometheusError(
      `SLO ${slo.name}: ${groups.size} groups by [${groupBy.join(', ')}] exceed max_groups ${limit}; ` +
        'raise max_groups in the SLO\'s config, or group by fewer labels',
      { slo: slo.name },
    );
  }
  return [...groups.values()];
}
