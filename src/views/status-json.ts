import type { SloDefinition } from '../domain/slo.js';
import type { SloStatus, StatusWindow } from '../domain/slo-status.js';

/**
 * The documented JSON contract of `report --format json` and `GET /api/v1/slos/{name}`
 * (README, "JSON contract"): fractions, not percents; ISO 8601 times; null where undefined.
 */
export interface StatusJson {
  at: string;
  slos: Array<{
    name: string;
    service: string;
    objective: number;
    windows: WindowJson[];
    /** Grouped SLOs only: each group's labels and the same window objects. */
    group_by?: string[];
    groups?: Array<{ labels: Record<string, string>; windows: WindowJson[] }>;
  }>;
}

/** One window of the contract. */
export interface WindowJson {
  window: string;
  start: string;
  end: string;
  good: number;
  total: number;
  sli: number | null;
  reason?: string;
  error_budget: { allowed: number; consumed: number | null; remaining: number | null };
  burn_rate: number | null;
  tier: string;
  coverage: number;
  objective_met: boolean | null;
  p95_seconds?: number | null;
  quantile?: number;
  quantile_seconds?: number | null;
  /** When corrections excluded buckets of the window: the share excluded, and the figures as fetched. */
  excluded?: number;
  raw?: { good: number; total: number; sli: number | null };
}

/** Maps evaluated SLOs to the JSON contract. */
export function toStatusJson(atMs: number, statuses: readonly SloStatus[]): StatusJson {
  return {
    at: new Date(atMs).toISOString(),
    slos: statuses.map(({ slo, windows, groups }) => ({
      name: slo.name,
      service: slo.service,
      objective: slo.objectiveRatio,
      windows: windows.map((w) => toWindowJson(slo, w)),
      ...(groups === undefined ? {} : { group_by: [...(slo.groupBy ?? [])], groups: groups.map((g) => ({ labels: { ...g.labels }, windows: g.windows.map((w) => toWindowJson(slo, w)) })) }),
    })),
  };
}

function toWindowJson(slo: SloDefinition, w: StatusWindow): WindowJson {
  return {
    window: w.window,
    start: new Date(w.startMs).toISOString(),
    end: new Date(w.endMs).toISOString(),
    good: w.good,
    total: w.total,
    sli: w.sliRatio,
    ...(w.reason ? { reason: w.reason } : {}),
    error_budget: { allowed: w.errorBudget.allowed, consumed: w.errorBudget.consumedRatio, remaining: w.errorBudget.remainingRatio },
    burn_rate: w.burnRate,
    tier: w.tier,
    coverage: w.coverageRatio,
    objective_met: w.objectiveMet,
    ...(slo.sli.kind === 'latency'
      ? { p95_seconds: w.p95Seconds ?? null, quantile: slo.sli.quantile, quantile_seconds: w.quantileSeconds ?? null }
      : {}),
    ...(w.raw === undefined ? {} : { excluded: w.excludedRatio ?? 0, raw: { good: w.raw.good, total: w.raw.total, sli: w.raw.sliRatio } }),
  };
}
