import type { BucketRun, LedgerBucket, SpanCounts } from '../domain/bucket.js';
import { BUCKET_MS } from '../domain/duration.js';

/**
 * A closed gap's buckets with the events booked to it spread evenly over them (when in the gap
 * they happened is unknowable): what every ledger engine writes for a reconciliation.
 */
export function reconciledBuckets(run: BucketRun, booked: SpanCounts): LedgerBucket[] {
  const n = (run.lastEndMs - run.firstEndMs) / BUCKET_MS + 1;
  const buckets: LedgerBucket[] = [];
  for (let t = run.firstEndMs; t <= run.lastEndMs; t += BUCKET_MS) {
    buckets.push({
      endMs: t,
      status: 'reconciled',
      good: booked.good / n,
      total: booked.total / n,
      ...(booked.histogram ? { histogram: booked.histogram.map((h) => ({ le: h.le, count: h.count / n })) } : {}),
    });
  }
  return buckets;
}
