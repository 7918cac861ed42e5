import { runsWithout, type BucketColumns, type BucketSums, type LedgerBucket } from '../domain/bucket.js';
import { correctionApplies, excludedRuns, type Correction } from '../domain/correction.js';
import { BUCKET_MS } from '../domain/duration.js';
import type { GroupLabels, HistogramCounts, SloDefinition } from '../domain/slo.js';
import type { BucketReader } from '../ledger/bucket-store.js';
import type { CorrectionStore } from '../ledger/correction-store.js';

/** The corrections in force now: a fixed list, or a function asked again whenever an SLO's series is looked up. */
export type CorrectionsInForce = readonly Correction[] | (() => readonly Correction[]);

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
    return new CorrectedBucketReader(raw, () => corrections, timeZone);
  }
  return new CorrectedBucketReader(raw, corrections, timeZone);
}

/**
 * The corrections in force from the config and the ledger's store: the config's as loaded, the
 * store's read again only when its revision changed (one cheap query per look-up).
 */
export function liveCorrections(fromConfig: readonly Correction[], store: CorrectionStore): () => readonly Correction[] {
  let revision: string | undefined;
  let current: readonly Correction[] = fromConfig;
  return () => {
    const now = store.revision();
    if (now !== revision) {
      revision = now;
      current = [...fromConfig, ...store.list()];
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
    private readonly inForce: () => readonly Correction[],
    private readonly timeZone: string,
  ) {
    this.corrections = inForce();
  }

  findSeries(slo: SloDefinition, group?: GroupLabels): number | undefined {
    this.corrections = this.inForce();
    const id = this.raw.findSeries(slo, group);
    if (id !== undefined) this.owners.set(id, { slo, ...(group === undefined ? {} : { group }) });
    return id;
  }

  listGroups(slo: SloDefinition): Array<{ seriesId: number; labels: GroupLabels }> {
    this.corrections = this.inForce();
    const groups = this.raw.listGroups(slo);
    for (const g of groups) this.owners.set(g.seriesId, { slo, group: g.labels });
    return groups;
  }

  sumWindow(seriesId: number, startMs: number, endMs: number, withHistogram: boolean): BucketSums {
    const sums = this.raw.sumWindow(seriesId, startMs, endMs, withHistogram);
    const owner = this.owners.get(seriesId);
    if (owner === undefined || this.corrections.length === 0) return sums;
    let corrected: BucketSums = { ...sums, excludedBuckets: 0 };
    let touched = false;
    const ownRuns = this.runsOf(owner.slo, owner.group, startMs, endMs);
    for (const run of ownRuns) {
      const out = this.raw.sumWindow(seriesId, run.firstEndMs - BUCKET_MS, run.lastEndMs, withHistogram);
      const n = (run.lastEndMs - run.firstEndMs) / BUCKET_MS + 1;
      corrected = subtract(corrected, out, { coveredBuckets: out.coveredBuckets, expectedBuckets: n });
      touched = true;
    }
    // A group's correction takes that group's events out of its SLO's own series too (the sum over
    // the groups); the SLO's buckets still hold the other groups' data, so its coverage stays.
    const groupScoped = this.corrections.filter((c) => c.scope.group !== undefined && correctionApplies(c, owner.slo, c.scope.group));
    if (owner.group === undefined && owner.slo.groupBy !== undefined && groupScoped.length > 0) {
      for (const group of this.raw.listGroups(owner.slo)) {
        const groupOnly = groupScoped.filter((c) => correctionApplies(c, owner.slo, group.labels));
        // What the SLO's own corrections exclude already is not taken out twice.
        for (const run of runsWithout(excludedRuns(groupOnly, startMs, endMs, this.timeZone), ownRuns)) {
          const out = this.raw.sumWindow(group.seriesId, run.firstEndMs - BUCKET_MS, run.lastEndMs, withHistogram);
          corrected = subtract(corrected, out, { coveredBuckets: 0, expectedBuckets: 0 });
          touched = true;
        }
      }
    }
    return touched ? { ...corrected, raw: { good: sums.good, total: sums.total } } : sums;
  }

  readBuckets(seriesId: number, firstEndMs: number, lastEndMs: number): LedgerBucket[] {
    const buckets = this.raw.readBuckets(seriesId, firstEndMs, lastEndMs);
    const excluded = this.excludedEnds(seriesId, firstEndMs, lastEndMs);
    const deducted = this.groupDeductions(seriesId, firstEndMs, lastEndMs, excluded);
    if (excluded.size === 0 && deducted.size === 0) return buckets;
    return buckets.map((b) => {
      if (excluded.has(b.endMs)) return { ...b, good: 0, total: 0 };
      const out = deducted.get(b.endMs);
      return out === undefined ? b : { ...b, good: b.good - out.good, total: b.total - out.total };
    });
  }

  readBucketColumns(seriesId: number, firstEndMs: number, lastEndMs: number): BucketColumns {
    const columns = this.raw.readBucketColumns(seriesId, firstEndMs, lastEndMs);
    const excluded = this.excludedEnds(seriesId, firstEndMs, lastEndMs);
    const deducted = this.groupDeductions(seriesId, firstEndMs, lastEndMs, excluded);
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
  private groupDeductions(seriesId: number, firstEndMs: number, lastEndMs: number, ownExcluded: ReadonlySet<number>): Map<number, { good: number; total: number }> {
    const deducted = new Map<number, { good: number; total: number }>();
    const owner = this.owners.get(seriesId);
    if (owner === undefined || owner.group !== undefined || owner.slo.groupBy === undefined) return deducted;
    const groupScoped = this.corrections.filter((c) => c.scope.group !== undefined && correctionApplies(c, owner.slo, c.scope.group));
    if (groupScoped.length === 0) return deducted;
    for (const group of this.raw.listGroups(owner.slo)) {
      const runs = excludedRuns(groupScoped.filter((c) => correctionApplies(c, owner.slo, group.labels)), firstEndMs - BUCKET_MS, lastEndMs, this.timeZone);
      for (const run of runs) {
        for (const b of this.raw.readBuckets(group.seriesId, run.firstEndMs, run.lastEndMs)) {
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

  /** The excluded runs of one series (an SLO's own, or a group's) within (startMs, endMs]. */
  private runsOf(slo: SloDefinition, group: GroupLabels | undefined, startMs: number, endMs: number) {
    return excludedRuns(this.corrections.filter((c) => correctionApplies(c, slo, group)), startMs, endMs, this.timeZone);
  }

  private excludedEnds(seriesId: number, firstEndMs: number, lastEndMs: number): Set<number> {
    const owner = this.owners.get(seriesId);
    const ends = new Set<number>();
    if (owner === undefined) return ends;
    for (const run of this.runsOf(owner.slo, owner.group, firstEndMs - BUCKET_MS, lastEndMs)) {
      for (let t = run.firstEndMs; t <= run.lastEndMs; t += BUCKET_MS) ends.add(t);
    }
    return ends;
  }
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
