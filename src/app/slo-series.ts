import { BUCKET_MS, floorToBucket } from '../domain/duration.js';
import type { GroupLabels, SloDefinition } from '../domain/slo.js';
import { evaluateWindow } from '../domain/window-result.js';
import { BUCKET_STATUSES } from '../domain/bucket.js';
import type { BucketReader } from '../ledger/bucket-store.js';
import { finishSteps, type Steps } from './steps.js';

/** One point of an SLO's history: the figures of a rolling window ending at `atMs`. */
export interface SeriesPoint {
  atMs: number;
  good: number;
  total: number;
  sliRatio: number | null;
  remainingRatio: number | null;
  burnRate: number | null;
  coverageRatio: number;
}

/** Most points one series request may ask for. */
export const MAX_SERIES_POINTS = 2_000;

/**
 * The SLI and remaining error budget of a rolling window of `windowMs`, evaluated at each bucket
 * end from, from+step, …, to, by the same definitions as every window. The buckets are read once and the
 * window sums kept as running prefix sums, so a point costs O(1) instead of one 30-day SUM; the
 * sums then agree with a SQL SUM to float rounding (~1e-12 relative), not bit for bit. With `group`,
 * the series is that group's of a grouped SLO (its labels as `BucketReader.listGroups` gives them).
 */
export function computeSloSeries(
  ledger: BucketReader,
  slo: SloDefinition,
  windowMs: number,
  fromMs: number,
  toMs: number,
  stepMs: number,
  group?: GroupLabels,
): Promise<SeriesPoint[]> {
  return finishSteps(sloSeriesSteps(ledger, slo, windowMs, fromMs, toMs, stepMs, group));
}

/** {@link computeSloSeries} in steps: the buckets are read a chunk at a time, a step per chunk. */
export async function* sloSeriesSteps(
  ledger: BucketReader,
  slo: SloDefinition,
  windowMs: number,
  fromMs: number,
  toMs: number,
  stepMs: number,
  group?: GroupLabels,
): Steps<SeriesPoint[]> {
  const firstEndMs = floorToBucket(fromMs);
  const ends: number[] = [];
  for (let t = firstEndMs; t <= toMs; t += stepMs) ends.push(t);
  if (ends.length === 0) return [];
  const prefix = yield* prefixSumSteps(ledger, await ledger.findSeries(slo, group), firstEndMs - windowMs, ends[ends.length - 1]!);
  const expected = windowMs / BUCKET_MS;
  return ends.map((atMs) => {
    const sums = prefix.between(atMs - windowMs, atMs);
    const window = { name: '', startMs: atMs - windowMs, endMs: atMs };
    const w = evaluateWindow(slo, window, { good: sums.good, total: Math.max(0, sums.total), coverageRatio: sums.covered / expected });
    return {
      atMs,
      good: w.good,
      total: w.total,
      sliRatio: w.sliRatio,
      remainingRatio: w.errorBudget.remainingRatio,
      burnRate: w.burnRate,
      coverageRatio: w.coverageRatio,
    };
  });
}

/** One point of a budget burn-down: the share of the window's error budget left at `atMs`. */
export interface BurnDownPoint {
  atMs: number;
  remainingRatio: number;
}

/**
 * The error budget of the SLO's window ending at `atMs`, burnt down over that window: at each
 * instant t, 1 − bad(start, t] / allowed, where allowed = (1 − objective) × total of the whole
 * window. It starts at 1 and ends at the window's remaining budget;
 * empty when the window had no traffic (no budget to burn).
 */
export function computeBudgetBurnDown(ledger: BucketReader, slo: SloDefinition, atMs: number, points = 120): Promise<BurnDownPoint[]> {
  return finishSteps(budgetBurnDownSteps(ledger, slo, atMs, points));
}

/** {@link computeBudgetBurnDown} in steps, a step per chunk of buckets read. */
export async function* budgetBurnDownSteps(ledger: BucketReader, slo: SloDefinition, atMs: number, points = 120): Steps<BurnDownPoint[]> {
  const endMs = floorToBucket(atMs);
  const startMs = endMs - slo.windowMs;
  const prefix = yield* prefixSumSteps(ledger, await ledger.findSeries(slo), startMs, endMs);
  const whole = prefix.between(startMs, endMs);
  const allowed = (1 - slo.objectiveRatio) * whole.total;
  if (!(allowed > 0)) return [];
  const stepMs = Math.max(BUCKET_MS, floorToBucket(slo.windowMs / points));
  const out: BurnDownPoint[] = [{ atMs: startMs, remainingRatio: 1 }];
  for (let t = startMs + stepMs; ; t += stepMs) {
    const at = Math.min(t, endMs);
    const sums = prefix.between(startMs, at);
    out.push({ atMs: at, remainingRatio: 1 - Math.max(0, sums.total - Math.min(sums.good, sums.total)) / allowed });
    if (at === endMs) break;
  }
  return out;
}

/** The index of `no-data` in a bucket column's statuses. */
const NO_DATA = BUCKET_STATUSES.indexOf('no-data');

interface WindowSums {
  good: number;
  total: number;
  covered: number;
}

/** Buckets read by one query of {@link prefixSumSteps}: a week, so no single read holds the process for long. */
const READ_CHUNK_BUCKETS = 2016;

/**
 * Cumulative sums over one series' buckets with end in (startMs, endMs], answering any sub-window
 * in O(1). The buckets are read a week at a time (a step each); the sums are the same as from one read.
 */
async function* prefixSumSteps(ledger: BucketReader, seriesId: number | undefined, startMs: number, endMs: number) {
  const n = Math.max(0, (endMs - startMs) / BUCKET_MS);
  // Each bucket's figures at its index (end − start) / 5 minutes; a bucket the ledger lacks adds nothing.
  const good = new Float64Array(n + 1);
  const total = new Float64Array(n + 1);
  const covered = new Float64Array(n + 1);
  for (let first = startMs + BUCKET_MS; seriesId !== undefined && first <= endMs; first += READ_CHUNK_BUCKETS * BUCKET_MS) {
    // Columns, not bucket objects: they cross from a read thread as they are, and leave no garbage.
    const chunk = await ledger.readBucketColumns(seriesId, first, Math.min(endMs, first + (READ_CHUNK_BUCKETS - 1) * BUCKET_MS));
    for (let k = 0; k < chunk.length; k++) {
      const i = (chunk.endMs[k]! - startMs) / BUCKET_MS;
      good[i] = chunk.good[k]!;
      total[i] = chunk.total[k]!;
      covered[i] = chunk.status[k] === NO_DATA ? 0 : 1;
    }
    yield;
  }
  for (let i = 1; i <= n; i++) {
    good[i] = good[i - 1]! + good[i]!;
    total[i] = total[i - 1]! + total[i]!;
    covered[i] = covered[i - 1]! + covered[i]!;
  }
  const index = (ms: number) => Math.min(n, Math.max(0, (ms - startMs) / BUCKET_MS));
  return {
    /** Sums over buckets with end in (fromMs, toMs]. */
    between(fromMs: number, toMs: number): WindowSums {
      const a = index(fromMs);
      const b = index(toMs);
      return { good: good[b]! - good[a]!, total: total[b]! - total[a]!, covered: covered[b]! - covered[a]! };
    },
  };
}
