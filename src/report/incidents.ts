import type { BucketColumns } from '../domain/bucket.js';
import { BUCKET_MS } from '../domain/duration.js';
import { clampGood } from '../domain/sli.js';
import { groupKey, type GroupLabels } from '../domain/slo.js';

/** How incidents are found: the 1h burn-rate factor, and how close two bursts must be to count as one. */
export interface IncidentRules {
  /** An incident is a period where the burn rate over 1h exceeded this factor (default 6). */
  factor: number;
  /** Bursts closer than this are one incident (default 30 min). */
  mergeGapMs: number;
}

export const DEFAULT_INCIDENT_RULES: IncidentRules = { factor: 6, mergeGapMs: 30 * 60_000 };

/** One incident of one SLO. */
export interface Incident {
  slo: string;
  /** Set when the incident is one group's of a grouped SLO; its budget share is then of the group's budget. */
  group?: GroupLabels;
  startMs: number;
  endMs: number;
  durationMs: number;
  /** Bad and total events in [start, end]. */
  bad: number;
  total: number;
  /** bad / the period's allowed bad events; `null` when the period allowed none (no traffic). */
  budgetConsumedRatio: number | null;
  /** The highest burn rate over 1h measured at a bucket end inside the incident. */
  peakBurnRate1h: number;
}

const HOUR_BUCKETS = (60 * 60_000) / BUCKET_MS;
// As in evaluateBurnRate: a burn rate within float rounding of the factor does not exceed it.
const FACTOR_RELATIVE_TOLERANCE = 1e-9;

/**
 * Finds the incidents of one SLO in (startMs, endMs]: periods in which the burn rate over 1h
 * exceeded `rules.factor` (SRE Workbook, "Alerting on SLOs": 6× over 1h… spends 5 % of a 30-day
 * budget in 6h). A trailing 1h window stays high for an hour after a burst ends, so an incident's
 * extent is the runs of buckets whose own (5m) burn rate exceeds the factor — the workbook's
 * short window — merged when closer than `rules.mergeGapMs`; such a run is an incident when the 1h burn
 * rate exceeded the factor at one of its bucket ends. A run's edges take in neighbouring buckets
 * that burn above half the factor (partly covered by the burst). `buckets` should reach 1h before `startMs`
 * so the first hour's 1h burn rate is whole; missing buckets count as no events. For one group of a
 * grouped SLO, pass the group's buckets, its own allowance as `allowedBad`, and its labels as `group`.
 */
export function findIncidents(
  slo: { name: string; objectiveRatio: number },
  buckets: BucketColumns,
  period: { startMs: number; endMs: number; allowedBad: number },
  rules: IncidentRules = DEFAULT_INCIDENT_RULES,
  group?: GroupLabels,
): Incident[] {
  const firstEndMs = period.startMs - (HOUR_BUCKETS - 1) * BUCKET_MS;
  const n = Math.max(0, Math.round((period.endMs - firstEndMs) / BUCKET_MS) + 1);
  const good = new Float64Array(n);
  const total = new Float64Array(n);
  for (let k = 0; k < buckets.length; k++) {
    const i = Math.round((buckets.endMs[k]! - firstEndMs) / BUCKET_MS);
    if (i >= 0 && i < n) {
      good[i] = buckets.good[k]!;
      total[i] = buckets.total[k]!;
    }
  }
  const budgetRatio = 1 - slo.objectiveRatio;
  const burnOf = (g: number, t: number): number | null => (t > 0 ? (t - clampGood(g, t)) / t / budgetRatio : null);
  const exceeds = (burn: number | null): boolean => burn !== null && burn > rules.factor * (1 + FACTOR_RELATIVE_TOLERANCE);

  // Rolling 1h sums: burn1h[i] is the burn rate over the 12 buckets ending at bucket i.
  const burn1h: Array<number | null> = new Array<number | null>(n).fill(null);
  let sumGood = 0;
  let sumTotal = 0;
  for (let i = 0; i < n; i++) {
    sumGood += good[i]!;
    sumTotal += total[i]!;
    if (i >= HOUR_BUCKETS) {
      sumGood -= good[i - HOUR_BUCKETS]!;
      sumTotal -= total[i - HOUR_BUCKETS]!;
    }
    burn1h[i] = burnOf(sumGood, Math.max(0, sumTotal));
  }

  const firstInPeriod = HOUR_BUCKETS; // bucket ending at startMs + 5 min
  const bucketBurn = (i: number): number | null => burnOf(good[i]!, total[i]!);
  const runs: Array<{ first: number; last: number }> = [];
  const mergeGapBuckets = rules.mergeGapMs / BUCKET_MS;
  for (let i = firstInPeriod; i < n; i++) {
    if (!exceeds(bucketBurn(i))) continue;
    // A burst rarely starts or ends on a bucket edge: its edge buckets are only partly in it and
    // burn less than the factor, so a run takes in neighbours burning above half the factor.
    let first = i;
    while (first - 1 >= firstInPeriod && (bucketBurn(first - 1) ?? 0) > rules.factor / 2) first--;
    let last = i;
    while (last + 1 < n && ((bucketBurn(last + 1) ?? 0) > rules.factor / 2)) last++;
    const previous = runs[runs.length - 1];
    // Buckets between the runs: first − previous.last − 1; closer than the merge gap → one incident.
    if (previous !== undefined && first - previous.last - 1 < mergeGapBuckets) previous.last = Math.max(previous.last, last);
    else runs.push({ first, last });
    i = last;
  }

  const incidents: Incident[] = [];
  for (const run of runs) {
    let peak = -Infinity;
    let g = 0;
    let t = 0;
    for (let i = run.first; i <= run.last; i++) {
      const burn = burn1h[i];
      if (burn !== null && burn !== undefined && burn > peak) peak = burn;
      g += good[i]!;
      t += total[i]!;
    }
    if (!exceeds(peak)) continue;
    const startMs = firstEndMs + (run.first - 1) * BUCKET_MS;
    const endMs = firstEndMs + run.last * BUCKET_MS;
    const bad = t - clampGood(g, t);
    incidents.push({
      slo: slo.name,
      // Only a group's incident has the key, so an ungrouped SLO's JSON is unchanged.
      ...(group === undefined ? {} : { group }),
      startMs,
      endMs,
      durationMs: endMs - startMs,
      bad,
      total: t,
      budgetConsumedRatio: period.allowedBad > 0 ? bad / period.allowedBad : null,
      peakBurnRate1h: peak,
    });
  }
  return incidents;
}

/** Incidents ordered by the share of budget they consumed, most first; ties by start time, SLO and group. */
export function sortIncidentsByBudget(incidents: readonly Incident[]): Incident[] {
  const keyOf = (i: Incident): string => (i.group === undefined ? '' : groupKey(i.group));
  return [...incidents].sort(
    (a, b) =>
      (b.budgetConsumedRatio ?? -1) - (a.budgetConsumedRatio ?? -1) || a.startMs - b.startMs || a.slo.localeCompare(b.slo) || keyOf(a).localeCompare(keyOf(b)),
  );
}
