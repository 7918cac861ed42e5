/** An SLI over a window: `null` with `reason: 'no-traffic'` when the window had no events. */
export interface SliResult {
  sliRatio: number | null;
  reason?: 'no-traffic';
}

/**
 * The service level indicator of a window: Σgood / Σtotal, a ratio of sums over the window's
 * buckets, never an average of per-bucket ratios. A window without traffic has no SLI — not 100 %, not NaN.
 *
 * `good` is clamped to [0, total]: `increase()` extrapolates each series separately, so in a
 * bucket Prometheus can report slightly more good events than total events; an SLI above 1
 * (and a negative count of bad events) would be an artefact, not a measurement.
 * @throws Error when an input is not a finite number or total is negative (programmer error:
 *   the ledger never stores such counts).
 */
export function computeSli(good: number, total: number): SliResult {
  assertCount(good, 'good');
  assertCount(total, 'total');
  if (total === 0) return { sliRatio: null, reason: 'no-traffic' };
  return { sliRatio: clampGood(good, total) / total };
}

/** `good` limited to [0, total]; see {@link computeSli} for why. */
export function clampGood(good: number, total: number): number {
  return Math.min(Math.max(good, 0), total);
}

function assertCount(value: number, name: string): void {
  if (!Number.isFinite(value)) throw new Error(`SLI ${name} must be a finite number, got ${value}`);
  if (name === 'total' && value < 0) throw new Error(`SLI total must not be negative, got ${value}`);
}
