import type { BucketColumns, BucketRun, BucketStatus, BucketSums, LedgerBucket } from '../domain/bucket.js';
import type { GroupLabels, SloDefinition } from '../domain/slo.js';
import type { BucketReader } from '../ledger/bucket-store.js';

/** Window sums one memo keeps at most; past that it starts afresh (a bound for requests at many instants). */
const MAX_MEMO_ENTRIES = 50_000;

/**
 * A reader that remembers the window sums it has read while the ledger stays as it was: `revision`
 * names the ledger's state (it changes whenever anything is written to it, corrections included),
 * and the memo is emptied as soon as it changes, checked at every series look-up (the start of every
 * series' evaluation). /metrics, the burn-rate alert states, the API and the status page ask for many
 * of the same windows at the same instant (the 30-day sum above all); each is read once, also when
 * two ask at once (the read in progress is shared). A sum given from the memo is the object the
 * inner reader returned, so every figure is exactly the one a direct read at that revision gives; a
 * read that failed is not kept. Everything but `sumWindow` goes straight to `inner`.
 */
export class WindowSumsMemo implements BucketReader {
  private readonly sums = new Map<string, Promise<BucketSums>>();
  private revisionSeen: string | undefined;

  constructor(
    private readonly inner: BucketReader,
    private readonly revision: () => string,
  ) {}

  findSeries(slo: SloDefinition, group?: GroupLabels): Promise<number | undefined> {
    this.checkRevision();
    return this.inner.findSeries(slo, group);
  }

  listGroups(slo: SloDefinition): Promise<Array<{ seriesId: number; labels: GroupLabels }>> {
    this.checkRevision();
    return this.inner.listGroups(slo);
  }

  sumWindow(seriesId: number, startMs: number, endMs: number, withHistogram: boolean): Promise<BucketSums> {
    const key = `${seriesId}:${startMs}:${endMs}:${withHistogram ? 'h' : ''}`;
    const known = this.sums.get(key);
    if (known !== undefined) return known;
    const sums = this.inner.sumWindow(seriesId, startMs, endMs, withHistogram);
    if (this.sums.size >= MAX_MEMO_ENTRIES) this.sums.clear();
    this.sums.set(key, sums);
    sums.catch(() => {
      if (this.sums.get(key) === sums) this.sums.delete(key);
    });
    return sums;
  }

  sumWindows(seriesId: number, windows: ReadonlyArray<{ startMs: number; endMs: number }>, withHistogram: boolean): Promise<BucketSums[]> {
    return Promise.all(windows.map((w) => this.sumWindow(seriesId, w.startMs, w.endMs, withHistogram)));
  }

  readBuckets(seriesId: number, firstEndMs: number, lastEndMs: number): Promise<LedgerBucket[]> {
    return this.inner.readBuckets(seriesId, firstEndMs, lastEndMs);
  }

  readBucketColumns(seriesId: number, firstEndMs: number, lastEndMs: number): Promise<BucketColumns> {
    return this.inner.readBucketColumns(seriesId, firstEndMs, lastEndMs);
  }

  bucketStatus(seriesId: number, endMs: number): Promise<BucketStatus | undefined> {
    return this.inner.bucketStatus(seriesId, endMs);
  }

  noDataRuns(seriesId: number, firstEndMs: number, lastEndMs: number): Promise<BucketRun[]> {
    return this.inner.noDataRuns(seriesId, firstEndMs, lastEndMs);
  }

  private checkRevision(): void {
    const now = this.revision();
    if (now === this.revisionSeen) return;
    this.revisionSeen = now;
    this.sums.clear();
  }
}
