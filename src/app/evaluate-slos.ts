import { histogramQuantile } from '../domain/quantile.js';
import { computeSli } from '../domain/sli.js';
import type { SloDefinition } from '../domain/slo.js';
import { matchesGroupFilter, type GroupFilter, type GroupStatus, type SloStatus, type StatusWindow } from '../domain/slo-status.js';
import { resolveWindow, type WindowSpec } from '../domain/window.js';
import { evaluateWindow } from '../domain/window-result.js';
import type { BucketReader } from '../ledger/bucket-store.js';
import { finishSteps, parallelSteps, SERIES_AT_ONCE, type Steps } from './steps.js';

/** What {@link evaluateSlos} adds to the SLOs' own figures. */
export interface EvaluateOptions {
  /** A grouped SLO's groups too, those matching the filter (an empty filter: all of them). */
  groups?: GroupFilter;
}

/**
 * Evaluates every SLO over every window from the ledger alone (no Prometheus): each window is
 * a sum over its buckets, the SLI a ratio of those sums, never an average of ratios. A grouped
 * SLO's own figures are those of its own series, the sum over all its groups.
 */
export function evaluateSlos(
  buckets: BucketReader,
  slos: readonly SloDefinition[],
  specs: readonly WindowSpec[],
  atMs: number,
  timeZone: string,
  options: EvaluateOptions = {},
): Promise<SloStatus[]> {
  return finishSteps(evaluateSloSteps(buckets, slos, specs, atMs, timeZone, options));
}

/**
 * {@link evaluateSlos} in steps: yielding after each window of each series (one `sumWindow`), so a
 * server can spread a large evaluation over event-loop turns. Up to {@link SERIES_AT_ONCE} SLOs
 * (and groups of a grouped SLO) are evaluated at once, each window by window; the statuses come in
 * the order of `slos` (and of the groups), the same as one at a time.
 */
export async function* evaluateSloSteps(
  buckets: BucketReader,
  slos: readonly SloDefinition[],
  specs: readonly WindowSpec[],
  atMs: number,
  timeZone: string,
  options: EvaluateOptions = {},
): Steps<SloStatus[]> {
  return yield* parallelSteps(slos, SERIES_AT_ONCE, async function* (slo): Steps<SloStatus> {
    const windows = yield* seriesSteps(buckets, slo, await buckets.findSeries(slo), specs, atMs, timeZone);
    if (options.groups === undefined || slo.groupBy === undefined) return { slo, windows };
    const filter = options.groups;
    const matching = (await buckets.listGroups(slo)).filter((x) => matchesGroupFilter(x.labels, filter));
    const groups = yield* parallelSteps(matching, SERIES_AT_ONCE, async function* (g): Steps<GroupStatus> {
      return { labels: g.labels, windows: yield* seriesSteps(buckets, slo, g.seriesId, specs, atMs, timeZone) };
    });
    return { slo, windows, groups };
  });
}

/** One series (an SLO's own, or a group's) over every window, a step per window. */
async function* seriesSteps(
  buckets: BucketReader,
  slo: SloDefinition,
  seriesId: number | undefined,
  specs: readonly WindowSpec[],
  atMs: number,
  timeZone: string,
): Steps<StatusWindow[]> {
  const windows: StatusWindow[] = [];
  for (const spec of specs) {
    windows.push(await evaluateSeriesWindow(buckets, slo, seriesId, spec, atMs, timeZone));
    yield;
  }
  return windows;
}

/** One series over one window. */
async function evaluateSeriesWindow(
  buckets: BucketReader,
  slo: SloDefinition,
  seriesId: number | undefined,
  spec: WindowSpec,
  atMs: number,
  timeZone: string,
): Promise<StatusWindow> {
  const latency = slo.sli.kind === 'latency';
  const window = resolveWindow(spec, atMs, timeZone);
  const sums =
    seriesId === undefined
      ? { good: 0, total: 0, coveredBuckets: 0, expectedBuckets: 1 }
      : await buckets.sumWindow(seriesId, window.startMs, window.endMs, latency);
  // A window that corrections excluded whole is missing nothing: no traffic counts, not unknown data.
  const coverageRatio = sums.expectedBuckets === 0 ? ((sums.excludedBuckets ?? 0) > 0 ? 1 : 0) : sums.coveredBuckets / sums.expectedBuckets;
  const result = evaluateWindow(slo, window, {
    good: sums.good,
    total: sums.total,
    coverageRatio,
    ...(sums.histogram ? { histogram: sums.histogram } : {}),
  });
  const corrected =
    sums.raw === undefined
      ? {}
      : {
          excludedRatio: (sums.excludedBuckets ?? 0) / Math.max(1, sums.expectedBuckets + (sums.excludedBuckets ?? 0)),
          raw: { good: sums.raw.good, total: sums.raw.total, sliRatio: computeSli(sums.raw.good, sums.raw.total).sliRatio },
        };
  if (!latency) return { ...result, ...corrected };
  return { ...result, p95Seconds: sums.histogram ? histogramQuantile(0.95, sums.histogram) : null, ...corrected };
}
