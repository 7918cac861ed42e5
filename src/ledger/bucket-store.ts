import type { BucketColumns, BucketRun, BucketStatus, BucketSums, LedgerBucket, SpanCounts } from '../domain/bucket.js';
import type { GroupLabels, SloDefinition } from '../domain/slo.js';

/**
 * What reports, alerts and the HTTP API read of the ledger's buckets. A series is one SLO's
 * current SLI definition; a window holds the buckets whose end lies in (startMs, endMs].
 */
export interface BucketReader {
  /**
   * The current series of an SLO (or of one of its groups) without creating one (for offline
   * reads); undefined if never synced.
   */
  findSeries(slo: SloDefinition, group?: GroupLabels): Promise<number | undefined>;
  /** A grouped SLO's groups under its current definition and `group_by`, by group key; empty for an SLO without groups. */
  listGroups(slo: SloDefinition): Promise<Array<{ seriesId: number; labels: GroupLabels }>>;
  /** Σgood, Σtotal, covered buckets and (when asked) the summed histogram over buckets with end in (startMs, endMs]. */
  sumWindow(seriesId: number, startMs: number, endMs: number, withHistogram: boolean): Promise<BucketSums>;
  /** {@link sumWindow} over several windows of one series, in their order: one read where the engine can make it one. */
  sumWindows(seriesId: number, windows: ReadonlyArray<{ startMs: number; endMs: number }>, withHistogram: boolean): Promise<BucketSums[]>;
  /** Buckets with their counts in [firstEndMs, lastEndMs] that exist in the ledger, ascending. */
  readBuckets(seriesId: number, firstEndMs: number, lastEndMs: number): Promise<LedgerBucket[]>;
  /** The same buckets as typed columns: what a report walks bucket by bucket. */
  readBucketColumns(seriesId: number, firstEndMs: number, lastEndMs: number): Promise<BucketColumns>;
  /** The status of one bucket, or undefined when it was never fetched. */
  bucketStatus(seriesId: number, endMs: number): Promise<BucketStatus | undefined>;
  /** Runs of consecutive no-data buckets in [firstEndMs, lastEndMs]. */
  noDataRuns(seriesId: number, firstEndMs: number, lastEndMs: number): Promise<BucketRun[]>;
}

/** The ledger's buckets as the sync writes them: idempotent, settled spans, reconciled gaps, retention. */
/** What {@link BucketStore.changesSince} found. */
export interface LedgerChanges {
  reconciliations: Array<{ firstEndMs: number; lastEndMs: number; good: number; total: number; reconciledAtMs: number }>;
  refetched: { buckets: number; good: number; total: number };
}

export interface BucketStore extends BucketReader {
  /**
   * The series id of an SLO's current SLI definition (or of one group of it). A changed
   * definition gets new series, and the old ones are retired: their buckets are kept aside and
   * never mixed with the new ones.
   */
  ensureSeries(slo: SloDefinition, nowMs: number, group?: GroupLabels): Promise<number>;
  /**
   * Bucket ends in [firstEndMs, lastEndMs] that still need fetching: no row, a row with data fetched
   * less than `settleMs` after the bucket closed (late samples may still have been on their way),
   * or a no-data row fetched less than `emptySettleMs` (default `settleMs`) after it closed.
   */
  unsettledBucketEnds(seriesId: number, firstEndMs: number, lastEndMs: number, settleMs: number, emptySettleMs?: number): Promise<number[]>;
  /** The end of the newest bucket in [firstEndMs, lastEndMs] that holds data (ok or reconciled); undefined when none does. */
  lastDataEndMs(seriesId: number, firstEndMs: number, lastEndMs: number): Promise<number | undefined>;
  /** Records that every bucket with end in [firstEndMs, throughMs] is fetched and settled. */
  markSettled(seriesId: number, firstEndMs: number, throughMs: number): Promise<void>;
  /**
   * Writes fetched buckets in one transaction; a re-fetch replaces the row (never adds to it).
   * A reconciled bucket is not downgraded to no-data by a later fetch of the same gap.
   */
  writeBuckets(seriesId: number, buckets: readonly LedgerBucket[], fetchedAtMs: number): Promise<void>;
  /** Books the events seen across a closed gap onto the gap's buckets, evenly, and records the reconciliation. */
  bookReconciliation(seriesId: number, run: BucketRun, span: SpanCounts, booked: SpanCounts, nowMs: number): Promise<void>;
  /**
   * What changed in a series' buckets with end in (startMs, endMs] after `sinceMs`: the scrape
   * gaps reconciled since, and the other buckets (re-)fetched since (late data), with their counts now.
   */
  changesSince(seriesId: number, sinceMs: number, startMs: number, endMs: number): Promise<LedgerChanges>;
  /** Records the outcome of one SLO's sync. */
  recordSync(slo: string, attemptMs: number, error?: string): Promise<void>;
  /** Deletes buckets that ended before `beforeMs`; returns how many. */
  prune(beforeMs: number): Promise<number>;
}
