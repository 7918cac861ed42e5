import type { BucketColumns, BucketRun, BucketStatus, BucketSums, LedgerBucket } from '../domain/bucket.js';
import { groupKey, type GroupLabels, type SloDefinition } from '../domain/slo.js';
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
 * read that failed is not kept. The series look-ups (`findSeries`, `listGroups`) are remembered the
 * same way, per SLO definition: the first look-up of a revision still reaches `inner` (where the
 * corrections in force are read again). Everything else goes straight to `inner`.
 */
export class WindowSumsMemo implements BucketReader {
  private readonly sums = new Map<string, Promise<BucketSums>>();
  /** Series look-ups per SLO definition and group key: a series' id stays what it is while the ledger does. */
  private series = new WeakMap<SloDefinition, Map<string, Promise<number | undefined>>>();
  private groups = new WeakMap<SloDefinition, Promise<Array<{ seriesId: number; labels: GroupLabels }>>>();
  private revisionSeen: string | undefined;

  constructor(
    private readonly inner: BucketReader,
    private readonly revision: () => string,
  ) {}

  findSeries(slo: SloDefinition, group?: GroupLabels): Promise<number | undefined> {
    this.checkRevision();
    let bySlo = this.series.get(slo);
    if (bySlo === undefined) this.series.set(slo, (bySlo = new Map()));
    const key = group === undefined ? '' : groupKey(group);
    return remembered(bySlo, key, () => this.inner.findSeries(slo, group));
  }

  listGroups(slo: SloDefinition): Promise<Array<{ seriesId: number; labels: GroupLabels }>> {
    this.checkRevision();
    // A copy for each caller: the list is shared.
    return remembered(this.groups, slo, () => this.inner.listGroups(slo)).then((groups) => groups.slice());
  }

  sumWindow(seriesId: number, startMs: number, endMs: number, withHistogram: boolean): Promise<BucketSums> {
    if (this.sums.size >= MAX_MEMO_ENTRIES) this.sums.clear();
    return remembered(this.sums, `${seriesId}:${startMs}:${endMs}:${withHistogram ? 'h' : ''}`, () => this.inner.sumWindow(seriesId, startMs, endMs, withHistogram));
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
    this.series = new WeakMap();
    this.groups = new WeakMap();
  }
}

/** `map`'s promise for `key`, made by `read` when there is none; a read that fails is not kept. */
function remembered<K, T>(map: { get(key: K): Promise<T> | undefined; set(key: K, value: Promise<T>): unknown; delete(key: K): unknown }, key: K, read: () => Promise<T>): Promise<T> {
  const known = map.get(key);
  if (known !== undefined) return known;
  const value = read();
  map.set(key, value);
  value.catch(() => {
    if (map.get(key) === value) map.delete(key);
  });
  return value;
}
