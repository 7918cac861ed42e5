import type { GroupLabels, SloDefinition } from './slo.js';
import type { WindowResult } from './window-result.js';

/**
 * The figures of one window, with the p95 beside a latency SLO's own quantile. When corrections
 * excluded buckets of the window: the share of its buckets they excluded, and the figures of the
 * buckets as fetched.
 */
export type StatusWindow = WindowResult & {
  p95Seconds?: number | null;
  excludedRatio?: number;
  raw?: { good: number; total: number; sliRatio: number | null };
};

/** One group of a grouped SLO over the requested windows. */
export interface GroupStatus {
  labels: GroupLabels;
  windows: StatusWindow[];
}

/** One SLO's figures over the requested windows; a grouped SLO's groups beside them when asked for. */
export interface SloStatus {
  slo: SloDefinition;
  windows: StatusWindow[];
  groups?: GroupStatus[];
}

/** Which groups to show: those whose labels include every label=value given; empty shows all. */
export type GroupFilter = Readonly<Record<string, string>>;

/** True when `labels` has every label=value of `filter`. */
export function matchesGroupFilter(labels: GroupLabels, filter: GroupFilter): boolean {
  return Object.entries(filter).every(([label, value]) => labels[label] === value);
}

/** The budget a window consumed, for ordering groups worst first; a window without traffic consumed nothing. */
export function consumedOf(window: StatusWindow | undefined): number {
  return window?.errorBudget.consumedRatio ?? 0;
}
