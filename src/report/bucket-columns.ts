import { BUCKET_STATUSES, type BucketColumns, type BucketStatus } from '../domain/bucket.js';

/** One bucket's counts, as a row. */
export interface BucketCounts {
  endMs: number;
  status: BucketStatus;
  good: number;
  total: number;
}

/** Rows (ascending by end) as the columns the report builder reads; for tests and callers with rows. */
export function toBucketColumns(rows: readonly BucketCounts[]): BucketColumns {
  const columns: BucketColumns = {
    length: rows.length,
    endMs: Float64Array.from(rows, (r) => r.endMs),
    status: Uint8Array.from(rows, (r) => BUCKET_STATUSES.indexOf(r.status)),
    good: Float64Array.from(rows, (r) => r.good),
    total: Float64Array.from(rows, (r) => r.total),
  };
  return columns;
}

/** The status code of an ok bucket, and of a bucket without data, in {@link BucketColumns}. */
export const NO_DATA_CODE = BUCKET_STATUSES.indexOf('no-data');
export const RECONCILED_CODE = BUCKET_STATUSES.indexOf('reconciled');

/** The index range [first, end) of the buckets with end in (startMs, endMs]; columns are ascending. */
export function indexRange(columns: BucketColumns, startMs: number, endMs: number): { first: number; end: number } {
  return { first: lowerBound(columns.endMs, columns.length, startMs), end: lowerBound(columns.endMs, columns.length, endMs) };
}

/** The first index whose value is greater than `value`. */
function lowerBound(values: Float64Array, length: number, value: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
