import { BUCKET_MS } from './duration.js';
import type { GroupLabels, HistogramCounts } from './slo.js';

/** ok: Prometheus counted it; no-data: Prometheus answered but had no samples; reconciled: a closed gap's events booked evenly. */
export type BucketStatus = 'ok' | 'no-data' | 'reconciled';

/** Counts of one span (a 5-minute bucket, or a longer span when reconciling) as the metrics source saw them. */
export interface FetchedCounts {
  /** `no-data`: the source answered, but had no samples for the total (a scrape gap, or no metric yet). */
  status: 'ok' | 'no-data';
  good: number;
  total: number;
  /** Latency SLIs: cumulative count per upper bound (seconds; Infinity for +Inf). */
  histogram?: Array<{ le: number; count: number }>;
}

/** The counts of the 5-minute bucket that ends at `endMs`. */
export interface FetchedBucket extends FetchedCounts {
  endMs: number;
}

/** One chunk of an SLO's buckets as fetched: the SLO's own, and for a grouped SLO each group's (same bucket ends). */
export interface FetchedChunk {
  buckets: FetchedBucket[];
  groups: Array<{ labels: GroupLabels; buckets: FetchedBucket[] }>;
}

/** An SLO's counts over one span, and for a grouped SLO each group's. */
export interface FetchedSpan {
  counts: FetchedCounts;
  groups: Array<{ labels: GroupLabels; counts: FetchedCounts }>;
}

/**
 * A group's counts beside its SLO's over the same span: where the SLO has data and the group none
 * (absent from the answer), the group had no traffic — a customer gone quiet, not a scrape gap;
 * where the SLO has no data, neither has the group.
 */
export function groupCountsWithin<T extends FetchedCounts>(group: T | undefined, whole: T): T {
  if (whole.status === 'no-data') return { ...whole, status: 'no-data', good: 0, total: 0 };
  if (group === undefined || group.status === 'no-data') return { ...whole, status: 'ok', good: 0, total: 0, histogram: undefined };
  return group;
}

/** One bucket as the ledger stores it. */
export interface LedgerBucket {
  endMs: number;
  status: BucketStatus;
  good: number;
  total: number;
  histogram?: HistogramCounts;
}

/**
 * Sums over the buckets of a window. `coveredBuckets` counts buckets that carry data; buckets a
 * correction excludes count neither in the sums nor as expected (`excludedBuckets` says how many).
 */
export interface BucketSums {
  good: number;
  total: number;
  coveredBuckets: number;
  expectedBuckets: number;
  histogram?: HistogramCounts;
  /** Set when corrections excluded buckets of the window. */
  excludedBuckets?: number;
  /** Set when corrections changed the sums: what the buckets hold as fetched. */
  raw?: { good: number; total: number };
}

/** The parts of `runs` that no run of `cut` covers (both sorted, bucket ends). */
export function runsWithout(runs: readonly BucketRun[], cut: readonly BucketRun[]): BucketRun[] {
  const out: BucketRun[] = [];
  for (const run of runs) {
    let first = run.firstEndMs;
    for (const c of cut) {
      if (c.lastEndMs < first || c.firstEndMs > run.lastEndMs) continue;
      if (c.firstEndMs > first) out.push({ firstEndMs: first, lastEndMs: c.firstEndMs - BUCKET_MS });
      first = Math.max(first, c.lastEndMs + BUCKET_MS);
    }
    if (first <= run.lastEndMs) out.push({ firstEndMs: first, lastEndMs: run.lastEndMs });
  }
  return out;
}

/** A run of consecutive buckets, by the end of its first and of its last bucket. */
export interface BucketRun {
  firstEndMs: number;
  lastEndMs: number;
}

/** Event counts of a span, optionally with the summed histogram of a latency SLI. */
export interface SpanCounts {
  good: number;
  total: number;
  histogram?: HistogramCounts;
}

/** Bucket statuses in the order {@link BucketColumns} codes them. */
export const BUCKET_STATUSES: readonly BucketStatus[] = ['ok', 'no-data', 'reconciled'];

/** Buckets as parallel columns, index i being one bucket, ascending by end. */
export interface BucketColumns {
  length: number;
  endMs: Float64Array;
  /** Index into {@link BUCKET_STATUSES}. */
  status: Uint8Array;
  good: Float64Array;
  total: Float64Array;
}
