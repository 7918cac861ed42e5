import { computeBurnRate } from './burn-rate.js';
import { computeErrorBudget, type ErrorBudget } from './budget.js';
import { histogramQuantile } from './quantile.js';
import { clampGood, computeSli } from './sli.js';
import type { HistogramCounts, SloDefinition, Tier } from './slo.js';
import { selectTier } from './tier.js';
import type { ResolvedWindow } from './window.js';

/** What the ledger summed over a window's buckets. */
export interface WindowSums {
  good: number;
  total: number;
  /** Share of the window's buckets that have data, 0..1. */
  coverageRatio: number;
  /** Summed histogram bucket counts, for latency SLOs. */
  histogram?: HistogramCounts;
}

/** Every figure of one SLO over one window: the unit reports, alerts and the API are built from. */
export interface WindowResult {
  window: string;
  startMs: number;
  endMs: number;
  /** Good events, clamped to [0, total] (see computeSli). */
  good: number;
  total: number;
  sliRatio: number | null;
  reason?: 'no-traffic';
  errorBudget: ErrorBudget;
  burnRate: number | null;
  tier: Tier;
  coverageRatio: number;
  /** SLI ≥ objective; `null` when there was no traffic. */
  objectiveMet: boolean | null;
  /** Latency SLOs only: the SLO's quantile (e.g. p95) of the summed histogram; `null` when undefined. */
  quantileSeconds?: number | null;
}

/**
 * Evaluates one SLO over one resolved window from the window's summed counts: SLI (ratio of
 * sums), error budget, burn rate, breach tier and, for latency SLOs, the reported quantile —
 * each by the definitions in docs/architecture.md, "Where every number is defined".
 */
export function evaluateWindow(slo: SloDefinition, window: ResolvedWindow, sums: WindowSums): WindowResult {
  const sli = computeSli(sums.good, sums.total);
  const result: WindowResult = {
    window: window.name,
    startMs: window.startMs,
    endMs: window.endMs,
    good: clampGood(sums.good, sums.total),
    total: sums.total,
    sliRatio: sli.sliRatio,
    errorBudget: computeErrorBudget(slo.objectiveRatio, sums.good, sums.total),
    burnRate: computeBurnRate(sli.sliRatio, slo.objectiveRatio),
    tier: selectTier(sli.sliRatio, slo.objectiveRatio, slo.tiers),
    coverageRatio: sums.coverageRatio,
    objectiveMet: sli.sliRatio === null ? null : sli.sliRatio >= slo.objectiveRatio,
  };
  if (sli.reason !== undefined) result.reason = sli.reason;
  if (slo.sli.kind === 'latency') {
    result.quantileSeconds = sums.histogram === undefined ? null : histogramQuantile(slo.sli.quantile, sums.histogram);
  }
  return result;
}
