import { histogramQuantile } from '../domain/quantile.js';
import type { SloDefinition } from '../domain/slo.js';
import { resolveWindow, type WindowSpec } from '../domain/window.js';
import { evaluateWindow, type WindowResult } from '../domain/window-result.js';
import type { Ledger } from '../ledger/ledger.js';

/** One SLO's figures over the requested windows, with the p95 beside a latency SLO's own quantile. */
export interface SloStatus {
  slo: SloDefinition;
  windows: Array<WindowResult & { p95Seconds?: number | null }>;
}

/**
 * Evaluates every SLO over every window from the ledger alone (no Prometheus): each window is
 * a sum over its buckets, the SLI a ratio of those sums (DESIGN.md, point 3).
 */
export function evaluateSlos(ledger: Ledger, slos: readonly SloDefinition[], specs: readonly WindowSpec[], atMs: number, timeZone: string): SloStatus[] {
  return slos.map((slo) => {
    const seriesId = ledger.findSeries(slo);
    const latency = slo.sli.kind === 'latency';
    return {
      slo,
      windows: specs.map((spec) => {
        const window = resolveWindow(spec, atMs, timeZone);
        const sums =
          seriesId === undefined
            ? { good: 0, total: 0, coveredBuckets: 0, expectedBuckets: 1 }
            : ledger.sumWindow(seriesId, window.startMs, window.endMs, latency);
        const coverageRatio = sums.expectedBuckets === 0 ? 0 : sums.coveredBuckets / sums.expectedBuckets;
        const result = evaluateWindow(slo, window, {
          good: sums.good,
          total: sums.total,
          coverageRatio,
          ...(sums.histogram ? { histogram: sums.histogram } : {}),
        });
        if (!latency) return result;
        return { ...result, p95Seconds: sums.histogram ? histogramQuantile(0.95, sums.histogram) : null };
      }),
    };
  });
}
