import type { HistogramCounts } from './slo.js';

interface Bucket {
  le: number;
  count: number;
}

/**
 * The φ-quantile of a classic histogram, computed as Prometheus's `histogram_quantile` does
 * (prometheus/promql/quantile.go, `bucketQuantile`, Prometheus 2.4x): buckets sorted by `le`,
 * equal bounds merged, counts forced monotonic, rank = q × total, linear interpolation inside
 * the bucket holding the rank, with 0 as the lower bound of the first bucket; a rank in the
 * +Inf bucket returns the second-highest bound, and a first bucket with bound ≤ 0 returns that
 * bound. q < 0 gives -Infinity and q > 1 gives +Infinity, as in Prometheus.
 *
 * Returns `null` where Prometheus returns NaN: no +Inf bucket, fewer than 2 distinct bounds, no
 * observations, q NaN, or q = 0 with an empty first bucket (0/0 interpolation).
 */
export function histogramQuantile(q: number, buckets: HistogramCounts): number | null {
  if (Number.isNaN(q)) return null;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = [...buckets].map((b) => ({ le: b.le, count: b.count })).sort((a, b) => a.le - b.le);
  const last = sorted[sorted.length - 1];
  if (last === undefined || last.le !== Infinity) return null;

  const merged = coalesceBuckets(sorted);
  ensureMonotonic(merged);
  if (merged.length < 2) return null;
  const observations = merged[merged.length - 1]?.count ?? 0;
  if (observations === 0) return null;

  let rank = q * observations;
  // Like Go's sort.Search over all but the +Inf bucket: the first bucket holding the rank.
  let b = merged.findIndex((bucket, i) => i < merged.length - 1 && bucket.count >= rank);
  if (b === -1) b = merged.length - 1;

  const upper = merged[b] as Bucket;
  if (b === merged.length - 1) return (merged[merged.length - 2] as Bucket).le;
  if (b === 0 && upper.le <= 0) return upper.le;

  let lowerBound = 0;
  let countInBucket = upper.count;
  const previous = merged[b - 1];
  if (previous !== undefined) {
    lowerBound = previous.le;
    countInBucket -= previous.count;
    rank -= previous.count;
  }
  const value = lowerBound + (upper.le - lowerBound) * (rank / countInBucket);
  return Number.isNaN(value) ? null : value;
}

/** Merges buckets with the same bound by adding their counts (Prometheus `coalesceBuckets`). */
function coalesceBuckets(sorted: Bucket[]): Bucket[] {
  const merged: Bucket[] = [];
  for (const bucket of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && last.le === bucket.le) last.count += bucket.count;
    else merged.push({ ...bucket });
  }
  return merged;
}

/**
 * Raises any count that is below an earlier one to that earlier count (Prometheus
 * `ensureMonotonic`): cumulative counts can dip when series are summed at slightly different
 * instants, and the bucket search needs them non-decreasing.
 */
function ensureMonotonic(buckets: Bucket[]): void {
  let max = -Infinity;
  for (const bucket of buckets) {
    if (bucket.count > max) max = bucket.count;
    else bucket.count = max;
  }
}

// le labels are text; "2" and "2.0" parse equal, but a bound computed elsewhere (0.1 + 0.2)
// may not, so thresholds match bounds within a relative tolerance.
const LE_RELATIVE_TOLERANCE = 1e-9;

/**
 * Good and total events of a latency SLI from a histogram: good = the cumulative count of the bucket whose `le` equals the threshold,
 * total = the +Inf count. Entries with the same bound are added, as Prometheus coalesces them.
 * @throws Error naming the available bounds when no bucket has the threshold as its bound, or
 *   when there is no +Inf bucket; Error when the threshold is not finite.
 */
export function sliFromHistogram(buckets: HistogramCounts, thresholdSeconds: number): { good: number; total: number } {
  // The threshold is finite (checked below), so +Inf never matches it, however loose the tolerance.
  const matches = (le: number, target: number): boolean =>
    Number.isFinite(le) &&
    Math.abs(le - target) <= LE_RELATIVE_TOLERANCE * Math.max(Math.abs(le), Math.abs(target));
  const bounds = [...new Set(buckets.map((b) => b.le))].sort((a, b) => a - b);
  const describe = (): string => (bounds.length === 0 ? 'none' : bounds.map(formatLe).join(', '));

  if (!Number.isFinite(thresholdSeconds)) {
    throw new Error(`Latency threshold must be a finite number of seconds, got ${thresholdSeconds}`);
  }
  const atThreshold = buckets.filter((b) => matches(b.le, thresholdSeconds));
  if (atThreshold.length === 0) {
    throw new Error(
      `No histogram bucket with le=${formatLe(thresholdSeconds)} for the latency threshold; ` +
        `available bounds: ${describe()}. The threshold must be one of the histogram's bucket bounds.`,
    );
  }
  const atInfinity = buckets.filter((b) => b.le === Infinity);
  if (atInfinity.length === 0) {
    throw new Error(`Histogram has no le="+Inf" bucket to count total events; available bounds: ${describe()}`);
  }
  const sum = (list: HistogramCounts): number => list.reduce((acc, b) => acc + b.count, 0);
  return { good: sum(atThreshold), total: sum(atInfinity) };
}

function formatLe(le: number): string {
  return le === Infinity ? '+Inf' : String(le);
}
