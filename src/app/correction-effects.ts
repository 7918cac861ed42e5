import type { BucketRun } from '../domain/bucket.js';
import { correctionApplies, excludedRuns, type Correction } from '../domain/correction.js';
import { BUCKET_MS } from '../domain/duration.js';
import type { ReportPeriod } from '../domain/period.js';
import { clampGood } from '../domain/sli.js';
import type { GroupLabels, SloDefinition } from '../domain/slo.js';
import { evaluateWindow } from '../domain/window-result.js';
import type { BucketReader } from '../ledger/bucket-store.js';
import type { CorrectionEffect, CorrectionReport, TimeSpan } from '../report/period-report.js';
import { correctedBuckets } from './corrected-buckets.js';
import type { ListedCorrection } from './correction-request.js';

/** What the Corrections section is computed from: the raw ledger, the corrections in force, the SLOs. */
export interface CorrectionEffectsInput {
  raw: BucketReader;
  corrections: readonly ListedCorrection[];
  slos: readonly SloDefinition[];
  period: ReportPeriod;
  timeZone: string;
}

/**
 * The report's Corrections section: every correction in force that excludes buckets of the period,
 * with the time it excludes (bounds widened to whole buckets) and, for each SLO it covers (or each
 * group, for a correction of one group), the events of its buckets as fetched and the tier with and
 * without it. Events are counted per correction: where two corrections overlap, each lists the
 * events of its own buckets.
 */
export async function correctionEffects(input: CorrectionEffectsInput): Promise<CorrectionReport[]> {
  const { period, timeZone } = input;
  const all = input.corrections.map((l) => l.correction);
  const withAll = correctedBuckets(input.raw, all, timeZone);
  const reports: CorrectionReport[] = [];
  for (const [index, listed] of input.corrections.entries()) {
    const { correction } = listed;
    const runs = excludedRuns([correction], period.startMs, period.endMs, timeZone);
    if (runs.length === 0) continue;
    const withoutThis = correctedBuckets(input.raw, all.filter((_, i) => i !== index), timeZone);
    const effects: CorrectionEffect[] = [];
    for (const slo of input.slos) {
      for (const target of await targetsOf(correction, slo, input.raw)) {
        const events = await eventsIn(input.raw, target.eventSeries, runs);
        const tier = await tierOf(withAll, slo, target.group, period);
        const tierWithout = await tierOf(withoutThis, slo, target.group, period);
        if (tier === undefined || tierWithout === undefined) continue;
        effects.push({ slo: slo.name, ...(target.group === undefined ? {} : { group: target.group }), ...events, tier, tierWithout, changedTier: tier !== tierWithout });
      }
    }
    const periods = runs.map((run): TimeSpan => ({ startMs: run.firstEndMs - BUCKET_MS, endMs: run.lastEndMs, durationMs: run.lastEndMs - run.firstEndMs + BUCKET_MS }));
    reports.push({
      id: correction.id,
      source: listed.source,
      category: correction.category,
      reason: correction.reason,
      author: listed.source === 'ledger' ? listed.correction.author : null,
      addedAtMs: listed.source === 'ledger' ? listed.correction.createdMs : null,
      periods,
      excludedMs: periods.reduce((sum, p) => sum + p.durationMs, 0),
      effects,
    });
  }
  return reports;
}

/**
 * Whose figures a correction changes within one SLO: the SLO itself (its own series), and, for a
 * correction of one group, each group it matches, whose events it takes out of the SLO too.
 */
async function targetsOf(correction: Correction, slo: SloDefinition, raw: BucketReader): Promise<Array<{ group?: GroupLabels; eventSeries: number[] }>> {
  if (correction.scope.group === undefined) {
    if (!correctionApplies(correction, slo)) return [];
    const own = await raw.findSeries(slo);
    return own === undefined ? [] : [{ eventSeries: [own] }];
  }
  if (slo.groupBy === undefined || !correctionApplies(correction, slo, correction.scope.group)) return [];
  const groups = (await raw.listGroups(slo)).filter((g) => correctionApplies(correction, slo, g.labels));
  if (groups.length === 0) return [];
  return [{ eventSeries: groups.map((g) => g.seriesId) }, ...groups.map((g) => ({ group: g.labels, eventSeries: [g.seriesId] }))];
}

/** Good and bad events of the runs' buckets, as fetched, over the given series. */
export async function eventsIn(raw: BucketReader, series: readonly number[], runs: readonly BucketRun[]): Promise<{ good: number; bad: number }> {
  let good = 0;
  let bad = 0;
  for (const id of series) {
    for (const run of runs) {
      const sums = await raw.sumWindow(id, run.firstEndMs - BUCKET_MS, run.lastEndMs, false);
      const g = clampGood(sums.good, sums.total);
      good += g;
      bad += sums.total - g;
    }
  }
  return { good, bad };
}

/** The period's tier of an SLO (or one of its groups) as `reader` sums it. */
async function tierOf(reader: BucketReader, slo: SloDefinition, group: GroupLabels | undefined, period: ReportPeriod) {
  const seriesId = await reader.findSeries(slo, group);
  if (seriesId === undefined) return undefined;
  const sums = await reader.sumWindow(seriesId, period.startMs, period.endMs, false);
  const coverageRatio = sums.expectedBuckets === 0 ? 0 : sums.coveredBuckets / sums.expectedBuckets;
  return evaluateWindow(slo, { name: period.name, startMs: period.startMs, endMs: period.endMs }, { good: sums.good, total: sums.total, coverageRatio }).tier;
}
