import { histogramQuantile } from '../domain/quantile.js';
import type { SloDefinition } from '../domain/slo.js';
import type { SloStatus } from '../domain/slo-status.js';
import { resolveWindow, type WindowSpec } from '../domain/window.js';
import { evaluateWindow } from '../domain/window-result.js';
import type { BucketReader } from '../ledger/bucket-store.js';

/**
 * Evaluates every SLO over every window from the ledger alone (no Prometheus): each window is
 * a sum over its buckets, the SLI a ratio of those sums, never an average of ratios.
 */
export function evaluateSlos(buckets: BucketReader, slos: readonly SloDefinition[], specs: readonly WindowSpec[], atMs: number, timeZone: string): SloStatus[] {
  return slos.map((slo) => {
    const seriesId = buckets.findSeries(slo);
    const latency = slo.sli.kind === 'latency';
    return {
      slo,
      windows: specs.map((spec) => {
        const window = resolveWindow(spec, atMs, timeZone);
        const sums =
          seriesId === undefined
            ? { good: 0, total: 0, coveredBuckets: 0, expectedBuckets: 1 }
            : buckets.sumWindow(seriesId, window.startMs, window.endMs, latency);
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
