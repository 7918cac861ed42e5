import { groupCountsWithin, type BucketRun, type FetchedChunk, type FetchedCounts, type LedgerBucket } from '../domain/bucket.js';
import type { Clock } from '../domain/clock.js';
import { BUCKET_MS, floorToBucket } from '../domain/duration.js';
import { monthBounds } from '../domain/period.js';
import { groupKey, type SloDefinition } from '../domain/slo.js';
import { monthOf, previousMonth } from '../domain/window.js';
import type { BucketStore } from '../ledger/bucket-store.js';
import type { MetricsSource } from './ports.js';

/** Days a first sync backfills at least: 30 days plus a margin for the 30d window's edge. */
export const FIRST_BACKFILL_MS = 35 * 24 * 3_600_000;
/** A bucket fetched within this time after it closed is fetched again: late samples may have been on their way. */
export const SETTLE_MS = 2 * 60_000;
/**
 * An empty answer for a bucket younger than this is not believed (a restarted Prometheus, a store
 * not yet synced): the bucket is fetched again at each sync until it is this old. `prometheus.settle_time`.
 */
export const DEFAULT_EMPTY_SETTLE_MS = 15 * 60_000;
/** Missing runs closer than this are fetched with one query (re-fetching a bucket is harmless). */
const MERGE_GAP_BUCKETS = 12;

export interface SyncOptions {
  buckets: BucketStore;
  source: MetricsSource;
  slos: readonly SloDefinition[];
  clock: Clock;
  timeZone: string;
  /** Bring the ledger up to this instant (floored to a bucket end). */
  atMs: number;
  /** Also make sure buckets from here on are present (e.g. the start of a requested window). */
  fromMs?: number;
  retentionMs: number;
  /** See {@link DEFAULT_EMPTY_SETTLE_MS} (the default). */
  emptySettleMs?: number;
  /** SLOs synced at the same time. */
  concurrency?: number;
  /** Delete buckets older than the retention at the end (default true; a replica's claimed batches prune once per tick instead). */
  prune?: boolean;
  onProgress?: (progress: SyncProgress) => void;
}

export interface SyncProgress {
  slo: string;
  doneBuckets: number;
  totalBuckets: number;
}

/** What one SLO's sync did; `error` set when Prometheus failed (its buckets stay missing, to be retried). */
export interface SloSyncResult {
  slo: string;
  fetchedBuckets: number;
  reconciledGaps: number;
  missingBuckets: number;
  error?: string;
  /**
   * Set when the sync succeeded but no bucket of the synced range holds data: the SLO's queries
   * match no series in Prometheus (a misspelt metric or label, a job that never ran). Not an error:
   * Prometheus answered; but the SLO's figures are unknown, not good.
   */
  noSeries?: { fromMs: number; toMs: number };
}

export interface SyncResult {
  atMs: number;
  fromMs: number;
  durationMs: number;
  prunedBuckets: number;
  slos: SloSyncResult[];
}

/** Why an SLO that synced has no figures: the same words in `sync`'s warning and in /readyz. */
export function describeNoSeries(span: { fromMs: number; toMs: number }): string {
  return `its queries match no series in Prometheus: no data from ${new Date(span.fromMs).toISOString()} to ${new Date(span.toMs).toISOString()}; check the metric and label names`;
}

/**
 * Brings the ledger up to `atMs`: fetches every bucket that is missing (first run: at least
 * 35 days, or from the start of the previous calendar month if earlier), reconciles closed
 * scrape gaps, and prunes buckets past retention. One SLO's failure never stops the others.
 */
export async function syncLedger(options: SyncOptions): Promise<SyncResult> {
  const started = options.clock.nowMs();
  const endMs = floorToBucket(options.atMs);
  const fromMs = syncStart(options, endMs);
  const results: SloSyncResult[] = [];
  const queue = [...options.slos];
  const workers = Array.from({ length: Math.max(1, options.concurrency ?? 2) }, async () => {
    for (let slo = queue.shift(); slo !== undefined; slo = queue.shift()) {
      results.push(await syncSlo(options, slo, fromMs, endMs));
    }
  });
  await Promise.all(workers);
  const prunedBuckets = options.prune === false ? 0 : await options.buckets.prune(floorToBucket(options.clock.nowMs() - options.retentionMs));
  results.sort((a, b) => options.slos.findIndex((s) => s.name === a.slo) - options.slos.findIndex((s) => s.name === b.slo));
  return { atMs: endMs, fromMs, durationMs: options.clock.nowMs() - started, prunedBuckets, slos: results };
}

/** First bucket end to keep complete: 35 days back, the previous month's start if earlier, or `fromMs`. */
function syncStart(options: SyncOptions, endMs: number): number {
  const previous = monthBounds(previousMonth(monthOf(endMs, options.timeZone)), options.timeZone);
  const candidates = [endMs - FIRST_BACKFILL_MS, previous.startMs];
  if (options.fromMs !== undefined) candidates.push(floorToBucket(options.fromMs));
  const retentionFloor = floorToBucket(options.clock.nowMs() - options.retentionMs);
  // The first bucket end after a window start is start + 5 min.
  return Math.max(retentionFloor, Math.min(...candidates)) + BUCKET_MS;
}

async function syncSlo(options: SyncOptions, slo: SloDefinition, firstEndMs: number, lastEndMs: number): Promise<SloSyncResult> {
  const { buckets, source } = options;
  const seriesId = await buckets.ensureSeries(slo, options.clock.nowMs());
  const groups = new Map((await buckets.listGroups(slo)).map((g) => [groupKey(g.labels), g.seriesId]));
  const result: SloSyncResult = { slo: slo.name, fetchedBuckets: 0, reconciledGaps: 0, missingBuckets: 0 };
  // The SLO's own series and every known group's are fetched together (one query returns them all).
  const unsettled = async (settleMs: number, emptyMs: number) => {
    const ends = await Promise.all([seriesId, ...groups.values()].map((id) => buckets.unsettledBucketEnds(id, firstEndMs, lastEndMs, settleMs, emptyMs)));
    return [...new Set(ends.flat())].sort((x, y) => x - y);
  };
  // One query's worth of buckets at a time, written as it arrives: a long backfill never holds more.
  const emptySettleMs = options.emptySettleMs ?? DEFAULT_EMPTY_SETTLE_MS;
  const runs = mergeRuns(await unsettled(SETTLE_MS, emptySettleMs));
  const fetchStartMs = options.clock.nowMs();
  try {
    for (const run of runs) {
      for await (const chunk of source.fetchBuckets(slo, run.firstEndMs, run.lastEndMs)) {
        await writeChunk(options, slo, { seriesId, groups, firstEndMs }, chunk);
        result.fetchedBuckets += chunk.buckets.length;
        options.onProgress?.({ slo: slo.name, doneBuckets: result.fetchedBuckets, totalBuckets: countBuckets(runs) });
      }
    }
    // Every bucket of the range now has a row, a new group's too; those that had closed SETTLE_MS
    // before the fetch are final, but for a no-data bucket younger than the empty-answer settle time.
    const dataSettledThrough = Math.min(lastEndMs, floorToBucket(fetchStartMs - SETTLE_MS));
    const emptySettledThrough = floorToBucket(fetchStartMs - emptySettleMs);
    for (const id of [seriesId, ...groups.values()]) {
      const firstUnbelieved = (await buckets.noDataRuns(id, Math.max(firstEndMs, emptySettledThrough + BUCKET_MS), dataSettledThrough))[0]?.firstEndMs;
      await buckets.markSettled(id, firstEndMs, firstUnbelieved === undefined ? dataSettledThrough : firstUnbelieved - BUCKET_MS);
    }
    result.reconciledGaps = await reconcileGaps(options, slo, seriesId, firstEndMs, Math.min(lastEndMs, emptySettledThrough));
    if ((await buckets.lastDataEndMs(seriesId, firstEndMs, lastEndMs)) === undefined) result.noSeries = { fromMs: firstEndMs - BUCKET_MS, toMs: lastEndMs };
    await buckets.recordSync(slo.name, options.clock.nowMs());
  } catch (error) {
    result.error = (error as Error).message;
    await buckets.recordSync(slo.name, options.clock.nowMs(), result.error);
  }
  // A sync without error wrote a row for every bucket of the range.
  result.missingBuckets = result.error === undefined ? 0 : (await unsettled(0, 0)).length;
  return result;
}

/**
 * Writes one fetched chunk: the SLO's buckets, each group's, and for a known group the answer did
 * not mention, what its absence means (no traffic where the SLO has data). A group seen for the
 * first time gets a series whose history over the sync's range is filled from the SLO's own
 * buckets already written: every earlier answer lacked it, so it had no traffic where the SLO had
 * data, and no data where the SLO had none.
 */
async function writeChunk(
  options: SyncOptions,
  slo: SloDefinition,
  series: { seriesId: number; groups: Map<string, number>; firstEndMs: number },
  chunk: FetchedChunk,
): Promise<void> {
  const { buckets } = options;
  const { groups } = series;
  const nowMs = options.clock.nowMs();
  await buckets.writeBuckets(series.seriesId, chunk.buckets, nowMs);
  const seen = new Set<string>();
  const chunkFirstEndMs = chunk.buckets[0]?.endMs ?? series.firstEndMs;
  // Read once per chunk, however many groups are new in it: a first backfill can find a thousand.
  let quietHistory: LedgerBucket[] | undefined;
  for (const group of chunk.groups) {
    const key = groupKey(group.labels);
    seen.add(key);
    let id = groups.get(key);
    if (id === undefined) {
      groups.set(key, (id = await buckets.ensureSeries(slo, nowMs, group.labels)));
      quietHistory ??= (await buckets.readBuckets(series.seriesId, series.firstEndMs, chunkFirstEndMs - BUCKET_MS))
        .map((b) => ({ endMs: b.endMs, ...groupCountsWithin(undefined, { status: b.status === 'no-data' ? 'no-data' : 'ok', good: b.good, total: b.total }) }));
      await buckets.writeBuckets(id, quietHistory, nowMs);
    }
    await buckets.writeBuckets(id, group.buckets, nowMs);
  }
  for (const [key, id] of groups) {
    if (!seen.has(key)) await buckets.writeBuckets(id, chunk.buckets.map((b) => groupCountsWithin(undefined, b)), nowMs);
  }
}

function mergeRuns(ends: number[]): BucketRun[] {
  const runs: BucketRun[] = [];
  for (const t of ends) {
    const last = runs[runs.length - 1];
    if (last && t - last.lastEndMs <= MERGE_GAP_BUCKETS * BUCKET_MS) last.lastEndMs = t;
    else runs.push({ firstEndMs: t, lastEndMs: t });
  }
  return runs;
}

function countBuckets(runs: BucketRun[]): number {
  return runs.reduce((n, r) => n + (r.lastEndMs - r.firstEndMs) / BUCKET_MS + 1, 0);
}

/**
 * A scrape gap leaves buckets without samples, and its events show up only in the first sample
 * after it, which no 5-minute `increase` sees. Once a gap has closed (a settled `ok` bucket on
 * both sides) this asks Prometheus for the increase across the gap and its two neighbours, and books
 * what the neighbours did not already hold to the gap's buckets.
 */
async function reconcileGaps(options: SyncOptions, slo: SloDefinition, seriesId: number, firstEndMs: number, lastEndMs: number): Promise<number> {
  const { buckets, source } = options;
  let reconciled = 0;
  for (const run of await buckets.noDataRuns(seriesId, firstEndMs, lastEndMs)) {
    const beforeEnd = run.firstEndMs - BUCKET_MS;
    const afterEnd = run.lastEndMs + BUCKET_MS;
    if ((await buckets.bucketStatus(seriesId, beforeEnd)) !== 'ok' || (await buckets.bucketStatus(seriesId, afterEnd)) !== 'ok') continue;
    // The bucket after the gap may still be fetched again (late samples); what it holds is subtracted
    // from the span, so book the gap only once that bucket has settled.
    if (afterEnd + SETTLE_MS > options.clock.nowMs()) continue;
    const spanStart = beforeEnd - BUCKET_MS;
    const span = await source.fetchSpan(slo, afterEnd, afterEnd - spanStart);
    if (span.counts.status !== 'ok') continue;
    await bookGap(options, seriesId, run, span.counts);
    // A grouped SLO's gap is every group's gap: each gets its own share; a group absent across it had no traffic.
    const seen = new Map(span.groups.map((g) => [groupKey(g.labels), g.counts]));
    for (const group of await buckets.listGroups(slo)) {
      await bookGap(options, group.seriesId, run, groupCountsWithin(seen.get(groupKey(group.labels)), span.counts));
    }
    reconciled++;
  }
  return reconciled;
}

/** Books what a series' span counts hold beyond the gap's two neighbours to the gap's buckets. */
async function bookGap(options: SyncOptions, seriesId: number, run: BucketRun, span: FetchedCounts): Promise<void> {
  const { buckets } = options;
  const beforeEnd = run.firstEndMs - BUCKET_MS;
  const afterEnd = run.lastEndMs + BUCKET_MS;
  const neighbours = (await buckets.readBuckets(seriesId, beforeEnd, afterEnd)).filter((b) => b.status === 'ok');
  const heldGood = neighbours.reduce((a, b) => a + b.good, 0);
  const heldTotal = neighbours.reduce((a, b) => a + b.total, 0);
  const total = Math.max(0, span.total - heldTotal);
  const good = Math.min(total, Math.max(0, span.good - heldGood));
  const histogram = span.histogram ? await bookedHistogram(buckets, seriesId, beforeEnd, afterEnd, span.histogram) : undefined;
  await buckets.bookReconciliation(seriesId, run, span, { good, total, ...(histogram ? { histogram } : {}) }, options.clock.nowMs());
}

async function bookedHistogram(buckets: BucketStore, seriesId: number, beforeEnd: number, afterEnd: number, span: NonNullable<FetchedCounts['histogram']>) {
  const held = (await buckets.sumWindow(seriesId, beforeEnd - BUCKET_MS, afterEnd, true)).histogram ?? [];
  return span.map(({ le, count }) => ({ le, count: Math.max(0, count - (held.find((h) => h.le === le)?.count ?? 0)) }));
}
