import { runsWithout, type BucketColumns, type BucketSums, type LedgerBucket } from '../domain/bucket.js';
import { correctionApplies, excludedRuns, type Correction } from '../domain/correction.js';
import { BUCKET_MS } from '../domain/duration.js';
import type { GroupLabels, HistogramCounts, SloDefinition } from '../domain/slo.js';
import type { BucketReader } from '../ledger/bucket-store.js';
import type { CorrectionStore } from '../ledger/correction-store.js';

/** The corrections in force now: a fixed list, or a function asked again whenever an SLO's series is looked up. */
export type CorrectionsInForce = readonly Correction[] | (() => Promise<readonly Correction[]>);

/**
 * The ledger's buckets as every figure reads them: the buckets that corrections exclude count
 * neither as good nor as bad. The stored counts stay as fetched (the sync reads and writes the raw
 * store); only reads through this view leave excluded buckets out. Given a function, the view asks
 * it again each time a series is looked up (the start of every evaluation), so a long-running
 * server sees corrections added or deleted since it started. Without corrections it is the raw
 * reader itself.
 */
export function correctedBuckets(raw: BucketReader, corrections: CorrectionsInForce, timeZone: string): BucketReader {
  if (typeof corrections !== 'function') {
    if (corrections.length === 0) return raw;
    return new CorrectedBucketReader(raw, () => Promise.resolve(corrections), timeZone);
  }
  return new CorrectedBucketReader(raw, corrections, timeZone);
}

/**
 * The corrections in force from the config and the ledger's store: the config's as loaded, the
 * store's read again only when its revision changed (one cheap query per look-up).
 */
export function liveCorrections(fromConfig: readonly Correction[], store: CorrectionStore): () => Promise<readonly Correction[]> {
  let revision: string | undefined;
  let current: readonly Correction[] = fromConfig;
  return async () => {
    const now = await store.revision();
    if (now !== revision) {
      const list = await store.list();
      revision = now;
      current = [...fromConfig, ...list];
    }
    return current;
  };
}

class CorrectedBucketReader implements BucketReader {
  /** Which SLO (and group) each series id belongs to, learnt as callers look series up. */
  private readonly owners = new Map<number, { slo: SloDefinition; group?: GroupLabels }>();
  private corrections: readonly Correction[] = [];

  constructor(
    private readonly raw: BucketReader,
    private readonly inForce: () => Promise<readonly Correction[]>,
    private readonly timeZone: string,
  ) {}

  async findSeries(slo: SloDefinition, group?: GroupLabels): Promise<number | undefined> {
    this.corrections = await this.inForce();
    const id = await this.raw.findSeries(slo, group);
    if (id !== undefined) this.owners.set(id, { slo, ...(group === undefined ? {} : { group }) });
    return id;
  }

  async listGroups(slo: SloDefinition): Promise<Array<{ seriesId: number; labels: GroupLabels }>> {
    this.corrections = await this.inForce();
    const groups = await this.raw.listGroups(slo);
    for (const g of groups) this.owners.set(g.seriesId, { slo, group: g.labels });
    return groups;
  }

  async sumWindow(seriesId: number, startMs: number, endMs: number, withHistogram: boolean): Promise<BucketSums> {
    // The corrections of the last look-up: the same throughout this read, whatever look-ups come meanwhile.
    const { corrections } = this;
    const sums = await this.raw.sumWindow(seriesId, startMs, endMs, withHistogram);
    const owner = this.owners.get(seriesId);
    if (owner === undefined || corrections.length === 0) return sums;
    let corrected: BucketSums = { ...sums, excludedBuckets: 0 };
    let touched = false;
    const ownRuns = runsOf(corrections, owner.slo, owner.group, startMs, endMs, this.timeZone);
    for (const run of ownRuns) {
      const out = await this.raw.sumWindow(seriesId, run.firstEndMs - BUCKET_MS, run.lastEndMs, withHistogram);
      const n = (run.lastEndMs - run.firstEndMs) / BUCKET_MS + 1;
      corrected = subtract(corrected, out, { coveredBuckets: out.coveredBuckets, expectedBuckets: n });
      touched = true;
    }
    // A group's correction takes that group's events out of its SLO's own series too (the sum over
    // the groups); the SLO's buckets still hold the other groups' data, so its coverage stays.
    const groupScoped = corrections.filter((c) => c.scope.group !== undefined && correctionApplies(c, owner.slo, c.scope.group));
    if (owner.group === undefined && owner.slo.groupBy !== undefined && groupScoped.length > 0) {
      for (const group of await this.raw.listGroups(owner.slo)) {
        const groupOnly = groupScoped.filter((c) => correctionApplies(c, owner.slo, group.labels));
        // What the SLO's own corrections exclude already is not taken out twice.
        for (const run of runsWithout(excludedRuns(groupOnly, startMs, endMs, this.timeZone), ownRuns)) {
          const out = await this.raw.sumWindow(group.seriesId, run.firstEndMs - BUCKET_MS, run.lastEndMs, withHistogram);
          corrected = subtract(corrected, out, { coveredBuckets: 0, expectedBuckets: 0 });
          touched = true;
        }
      }
    }
    return touched ? { ...corrected, raw: { good: sums.good, total: sums.total } } : sums;
  }

  sumWindows(seriesId: number, windows: ReadonlyArray<{ startMs: number; endMs: number }>, withHistogram: boolean): Promise<BucketSums[]> {
    // Windows of a series no correction touches are read at once; the others one by one, as above.
    if (this.owners.get(seriesId) === undefined || this.corrections.length === 0) return this.raw.sumWindows(seriesId, windows, withHistogram);
    return Promise.all(windows.map((w) => this.sumWindow(seriesId, w.startMs, w.endMs, withHistogram)));
  }

  async readBuckets(seriesId: number, firstEndMs: number, lastEndMs: number): Promise<LedgerBucket[]> {
    const { corrections } = this;
    const buckets = await this.raw.readBuckets(seriesId, firstEndMs, lastEndMs);
    const excluded = this.excludedEnds(corrections, seriesId, firstEndMs, lastEndMs);
    const deducted = await this.groupDeductions(corrections, seriesId, firstEndMs, lastEndMs, excluded);
    if (excluded.size === 0 && deducted.size === 0) return buckets;
    return buckets.map((b) => {
      if (excluded.has(b.endMs)) return { ...b, good: 0, total: 0 };
      const out = deducted.get(b.endMs);
      return out === undefined ? b : { ...b, good: b.good - out.good, total: b.total - out.total };
    });
  }

  async readBucketColumns(seriesId: number, firstEndMs: number, lastEndMs: number): Promise<BucketColumns> {
    const { corrections } = this;
    const columns = await this.raw.readBucketColumns(seriesId, firstEndMs, lastEndMs);
    const excluded = this.excludedEnds(corrections, seriesId, firstEndMs, lastEndMs);
    const deducted = await this.groupDeductions(corrections, seriesId, firstEndMs, lastEndMs, excluded);
    for (let i = 0; i < columns.length; i++) {
      const endMs = columns.endMs[i]!;
      if (excluded.has(endMs)) {
        columns.good[i] = 0;
        columns.total[i] = 0;
        continue;
      }
      const out = deducted.get(endMs);
      if (out !== undefined) {
        columns.good[i] = columns.good[i]! - out.good;
        columns.total[i] = columns.total[i]! - out.total;
      }
    }
    return columns;
  }

  /**
   * For a grouped SLO's own series: per bucket end, the events of the groups that group corrections
   * exclude (outside the SLO's own excluded buckets), to take out of the SLO's buckets as its sums are.
   */
  private async groupDeductions(
    corrections: readonly Correction[],
    seriesId: number,
    firstEndMs: number,
    lastEndMs: number,
    ownExcluded: ReadonlySet<number>,
  ): Promise<Map<number, { good: number; total: number }>> {
    const deducted = new Map<number, { good: number; total: number }>();
    const owner = this.owners.get(seriesId);
    if (owner === undefined || owner.group !== undefined || owner.slo.groupBy === undefined) return deducted;
    const groupScoped = corrections.filter((c) => c.scope.group !== undefined && correctionApplies(c, owner.slo, c.scope.group));
    if (groupScoped.length === 0) return deducted;
    for (const group of await this.raw.listGroups(owner.slo)) {
      const runs = excludedRuns(groupScoped.filter((c) => correctionApplies(c, owner.slo, group.labels)), firstEndMs - BUCKET_MS, lastEndMs, this.timeZone);
      for (const run of runs) {
        for (const b of await this.raw.readBuckets(group.seriesId, run.firstEndMs, run.lastEndMs)) {
          if (ownExcluded.has(b.endMs)) continue;
          const sum = deducted.get(b.endMs) ?? { good: 0, total: 0 };
          sum.good += b.good;
          sum.total += b.total;
          deducted.set(b.endMs, sum);
        }
      }
    }
    return deducted;
  }

  bucketStatus(seriesId: number, endMs: number) {
    return this.raw.bucketStatus(seriesId, endMs);
  }

  noDataRuns(seriesId: number, firstEndMs: number, lastEndMs: number) {
    return this.raw.noDataRuns(seriesId, firstEndMs, lastEndMs);
  }

  private excludedEnds(corrections: readonly Correction[], seriesId: number, firstEndMs: number, lastEndMs: number): Set<number> {
    const owner = this.owners.get(seriesId);
    const ends = new Set<number>();
    if (owner === undefined) return ends;
    for (const run of runsOf(corrections, owner.slo, owner.group, firstEndMs - BUCKET_MS, lastEndMs, this.timeZone)) {
      for (let t = run.firstEndMs; t <= run.lastEndMs; t += BUCKET_MS) ends.add(t);
    }
    return ends;
  }
}

/** The excluded runs of one series (an SLO's own, or a group's) within (startMs, endMs]. */
function runsOf(corrections: readonly Correction[], slo: SloDefinition, group: GroupLabels | undefined, startMs: number, endMs: number, timeZone: string) {
  return excludedRuns(corrections.filter((c) => correctionApplies(c, slo, group)), startMs, endMs, timeZone);
}

/** `sums` less the sums of an excluded span, histogram bound by bound. */
function subtract(sums: BucketSums, out: BucketSums, buckets: { coveredBuckets: number; expectedBuckets: number }): BucketSums {
  return {
    good: sums.good - out.good,
    total: sums.total - out.total,
    coveredBuckets: sums.coveredBuckets - buckets.coveredBuckets,
    expectedBuckets: sums.expectedBuckets - buckets.expectedBuckets,
    excludedBuckets: (sums.excludedBuckets ?? 0) + buckets.expectedBuckets,
    ...(sums.histogram ? { histogram: subtractHistogram(sums.histogram, out.histogram ?? []) } : {}),
  };
}

function subtractHistogram(a: HistogramCounts, b: HistogramCounts): HistogramCounts {
  return a.map(({ le, count }) => ({ le, count: Math.max(0, count - (b.find((h) => h.le === le)?.count ?? 0)) }));
}
