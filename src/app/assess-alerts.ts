import type { AlertingConfig } from '../config/alerting-config.js';
import { resolveAlertPolicy } from '../domain/alert-policy.js';
import type { AlertObservation } from '../domain/alert-state.js';
import { evaluateBurnRate, type BurnRateDecision, type BurnRatePolicy } from '../domain/burn-rate.js';
import { BUCKET_MS, floorToBucket, formatDuration } from '../domain/duration.js';
import { groupKey, type GroupLabels, type SloDefinition } from '../domain/slo.js';
import type { WindowSpec } from '../domain/window.js';
import type { WindowResult } from '../domain/window-result.js';
import type { BucketReader } from '../ledger/bucket-store.js';
import { evaluateSloSteps } from './evaluate-slos.js';
import { finishSteps, parallelSteps, SERIES_AT_ONCE, type Steps } from './steps.js';

/** How far back a missing metric is measured; a longer outage shows as "at least" this. */
const NO_DATA_LOOKBACK_MS = 7 * 24 * 3_600_000;

/** What the ledger says about one SLO's alerts (or one group's) at one instant, before any state is applied. */
export interface SloAlertAssessment {
  slo: SloDefinition;
  /** The bucket end the assessment is for. */
  atMs: number;
  policy: BurnRatePolicy;
  decision: BurnRateDecision;
  /** Every window the policy reads, shortest first, and the SLO's own window last. */
  windows: WindowResult[];
  /** Remaining budget over the SLO's own window. */
  budgetRemainingRatio: number | null;
  burnObservation: AlertObservation;
  /** How long the metric has been missing up to `atMs` (0 when the latest bucket has data); null when unknown. */
  noDataForMs: number | null;
  noDataObservation: AlertObservation;
  /** A grouped SLO's groups, each assessed as an SLO of its own; absent for an SLO without groups. */
  groups?: GroupAlertAssessment[];
}

/** One group's alerts: the same assessment, for the group's own series. */
export type GroupAlertAssessment = Omit<SloAlertAssessment, 'groups'> & { labels: GroupLabels };

/**
 * Reads every window the alerting policy needs from the ledger and decides, per SLO (and per group
 * of a grouped SLO), whether its burn-rate alert fires (multiwindow, multi-burn-rate; SRE Workbook,
 * "Alerting on SLOs") and whether its metric has been missing for longer than `noDataAfterMs`.
 * Reads only; changes no state. `groups: false` assesses the SLOs' own series alone (what the
 * status page and /metrics show); an SLO's own assessment does not depend on its groups'.
 */
export async function assessAlerts(
  buckets: BucketReader,
  slos: readonly SloDefinition[],
  alerting: AlertingConfig,
  atMs: number,
  timeZone: string,
  options: { groups?: boolean } = {},
): Promise<SloAlertAssessment[]> {
  const endMs = floorToBucket(atMs);
  // Up to SERIES_AT_ONCE SLOs (and groups) at once: their reads are under way side by side where the ledger answers off the main thread.
  return finishSteps(parallelSteps(slos, SERIES_AT_ONCE, async function* (slo): Steps<SloAlertAssessment> {
    const policy = resolveAlertPolicy(alerting.policy, slo.windowMs);
    const lengths = [...new Set(policy.flatMap((rule) => [rule.shortWindowMs, rule.longWindowMs]))].sort((a, b) => a - b);
    const specs: WindowSpec[] = [...lengths, slo.windowMs].map((durationMs) => ({ kind: 'rolling', name: formatDuration(durationMs), durationMs }));
    const withGroups = slo.groupBy !== undefined && options.groups !== false;
    const [status] = yield* evaluateSloSteps(buckets, [slo], specs, endMs, timeZone, withGroups ? { groups: {} } : {});
    const assess = (windows: WindowResult[], seriesId: number | undefined) => assessSeries({ policy, lengths, windows, alerting, endMs, slo }, buckets, seriesId);
    const own = await assess(status!.windows, await buckets.findSeries(slo));
    if (status!.groups === undefined) return own;
    const ids = new Map((await buckets.listGroups(slo)).map((g) => [groupKey(g.labels), g.seriesId]));
    const groups = yield* parallelSteps(status!.groups, SERIES_AT_ONCE, async function* (g): Steps<GroupAlertAssessment> {
      return { ...(await assess(g.windows, ids.get(groupKey(g.labels)))), labels: g.labels };
    });
    return { ...own, groups };
  }));
}

/** The alert assessment of one series (an SLO's own, or a group's) from its windows. */
async function assessSeries(
  context: { slo: SloDefinition; policy: BurnRatePolicy; lengths: number[]; windows: WindowResult[]; alerting: AlertingConfig; endMs: number },
  buckets: BucketReader,
  seriesId: number | undefined,
): Promise<SloAlertAssessment> {
  const { slo, policy, lengths, windows, alerting, endMs } = context;
  const byLength = new Map(lengths.map((ms, i) => [ms, windows[i]!]));
  const decision = evaluateBurnRate(
    policy,
    (windowMs) => {
      const w = byLength.get(windowMs)!;
      return { burnRate: w.burnRate, coverageRatio: w.coverageRatio };
    },
    { minCoverageRatio: alerting.minCoverageRatio },
  );
  const noDataForMs = await measureNoData(buckets, seriesId, endMs);
  return {
    slo,
    atMs: endMs,
    policy,
    decision,
    windows,
    budgetRemainingRatio: windows[windows.length - 1]!.errorBudget.remainingRatio,
    burnObservation:
      decision.state === 'firing' ? { state: 'firing', severity: decision.severity! } : decision.state === 'unknown' ? { state: 'unknown' } : { state: 'clear' },
    noDataForMs,
    // A dead metric needs a look, not a page: no-data alerts are of ticket severity.
    noDataObservation:
      noDataForMs === null ? { state: 'unknown' } : noDataForMs >= alerting.noDataAfterMs ? { state: 'firing', severity: 'ticket' } : { state: 'clear' },
  };
}

/**
 * The length of the run of `no-data` buckets (Prometheus answered, but had no samples) that ends
 * at `endMs`; 0 when that bucket has data. Null when the bucket was never fetched (the sync has
 * not reached it, or Prometheus was unreachable): that is a sync problem, not a missing metric.
 */
async function measureNoData(buckets: BucketReader, seriesId: number | undefined, endMs: number): Promise<number | null> {
  if (seriesId === undefined) return null;
  const status = await buckets.bucketStatus(seriesId, endMs);
  if (status === undefined) return null;
  if (status !== 'no-data') return 0;
  const runs = await buckets.noDataRuns(seriesId, endMs - NO_DATA_LOOKBACK_MS + BUCKET_MS, endMs);
  const last = runs[runs.length - 1]!;
  return last.lastEndMs - last.firstEndMs + BUCKET_MS;
}
