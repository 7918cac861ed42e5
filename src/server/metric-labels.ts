import type { GroupLabels } from '../domain/slo.js';

/** Label names the SLO gauges of /metrics use themselves; a group label of the same name is renamed. */
export const SLO_METRIC_LABELS = ['slo', 'service', 'window', 'kind'] as const;

/**
 * The /metrics label name of each of an SLO's `group_by` labels: the label's own name, or
 * `group_<name>` when the name is one of {@link SLO_METRIC_LABELS} or starts with `__` (Prometheus
 * drops such labels at ingestion). Should `group_<name>` itself be another of the SLO's group
 * labels, `group_` is prefixed again, so two group labels never share a name.
 */
export function metricGroupLabelNames(groupBy: readonly string[]): Map<string, string> {
  const taken = new Set<string>([...SLO_METRIC_LABELS, ...groupBy]);
  const names = new Map<string, string>();
  // Labels that keep their name first, so a renamed one can never take the name of a later one.
  for (const label of groupBy) if (!needsPrefix(label)) names.set(label, label);
  for (const label of groupBy) {
    if (!needsPrefix(label)) continue;
    let name = `group_${label}`;
    while (taken.has(name)) name = `group_${name}`;
    taken.add(name);
    names.set(label, name);
  }
  return new Map(groupBy.map((label) => [label, names.get(label)!]));
}

function needsPrefix(label: string): boolean {
  return (SLO_METRIC_LABELS as readonly string[]).includes(label) || label.startsWith('__');
}

/**
 * A group's labels as /metrics writes them, or undefined for the group in which every label is
 * absent (""): Prometheus reads an empty label as no label, so its samples would be the SLO's own.
 */
export function groupMetricLabels(labels: GroupLabels, names: ReadonlyMap<string, string>): Record<string, string> | undefined {
  if (Object.values(labels).every((value) => value === '')) return undefined;
  return Object.fromEntries(Object.entries(labels).map(([label, value]) => [names.get(label) ?? label, value]));
}
