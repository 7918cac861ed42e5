import type { BucketColumns, BucketRun } from '../domain/bucket.js';
import { BUCKET_MS } from '../domain/duration.js';
import { computeErrorBudget } from '../domain/budget.js';
import { localDays, type ReportPeriod } from '../domain/period.js';
import { histogramQuantile } from '../domain/quantile.js';
import { clampGood, computeSli } from '../domain/sli.js';
import type { GroupLabels, HistogramCounts } from '../domain/slo.js';
import { worstTier } from '../domain/tier.js';
import { evaluateWindow } from '../domain/window-result.js';
import { BREACH_RESPONSES } from './breach-response.js';
import { buildGroupReports } from './build-groups.js';
import { indexRange, NO_DATA_CODE, RECONCILED_CODE } from './bucket-columns.js';
import { findIncidents, sortIncidentsByBudget, type Incident } from './incidents.js';
import {
  DEFAULT_REPORT_RULES,
  type Breach,
  type DayReport,
  type HistoryMonth,
  type PeriodReport,
  type PeriodReportInput,
  type PreviousMonth,
  type ReportRules,
  type SloContext,
  type SloReport,
  type SloReportInput,
  type TimeSpan,
} from './period-report.js';
import { rawFigures } from './raw-figures.js';
import { deriveRecommendations } from './recommendations.js';

/**
 * Builds the report of a period (a calendar month or a --from/--to range) from what the ledger
 * holds: per SLO the period's SLI, budget and tier (the definitions in docs/architecture.md),
 * daily SLIs and the budget burn-down by local day, incidents, breaches (Rendiff monitoring guide,
 * "SLA Breach Response") and recommendations; for a grouped SLO, each group's figures, incidents
 * and breaches too. Pure but for reading its inputs, which may come from async generators.
 */
export async function buildPeriodReport(input: PeriodReportInput): Promise<PeriodReport> {
  const rules: ReportRules = { ...DEFAULT_REPORT_RULES, ...input.rules };
  const { period } = input;
  const days = localDays(period.startMs, period.endMs, input.timeZone);
  const incidents: Incident[] = [];
  const slos: SloReport[] = [];
  const contexts: SloContext[] = [];
  for await (const sloInput of input.slos) {
    const { report, incidents: found } = await buildSloReport(sloInput, period, days, rules);
    incidents.push(...found);
    slos.push(report);
    contexts.push({ slo: sloInput.slo, history: sloInput.history });
  }
  const tiers = slos.map((s) => s.tier);
  const services = [...new Set(slos.map((s) => s.service))];
  const withoutRecommendations: Omit<PeriodReport, 'recommendations'> = {
    schemaVersion: 1,
    title: `${services.length === 0 ? 'SLO' : services.join(', ')} — SLO report ${period.label}${input.restatement === undefined ? '' : ' (restated)'}`,
    ...(input.restatement === undefined ? {} : { restatement: input.restatement }),
    services,
    period,
    timeZone: input.timeZone,
    generatedAtMs: input.generatedAtMs,
    rules,
    overall: {
      tier: worstTier(tiers),
      slos: slos.length,
      ok: tiers.filter((t) => t === 'ok').length,
      warning: tiers.filter((t) => t === 'warning').length,
      critical: tiers.filter((t) => t === 'critical').length,
      coverageRatio: slos.length === 0 ? 0 : Math.min(...slos.map((s) => s.coverageRatio)),
    },
    slos,
    ...(input.corrections !== undefined && input.corrections.length > 0 ? { corrections: [...input.corrections] } : {}),
    incidents: sortIncidentsByBudget(incidents),
    breaches: findBreaches(slos, contexts),
  };
  // Recommendations read the finished figures; spread first so they stay the last key of the JSON.
  return { ...withoutRecommendations, recommendations: deriveRecommendations(withoutRecommendations, contexts, rules) };
}

async function buildSloReport(
  input: SloReportInput,
  period: ReportPeriod,
  days: ReturnType<typeof localDays>,
  rules: ReportRules,
): Promise<{ report: SloReport; incidents: Incident[] }> {
  const { slo } = input;
  const { buckets } = input;
  const inPeriod = indexRange(buckets, period.startMs, period.endMs);
  let good = 0;
  let total = 0;
  for (let i = inPeriod.first; i < inPeriod.end; i++) {
    good += buckets.good[i]!;
    total += buckets.total[i]!;
  }
  const excluded = excludedEnds(input.excluded ?? []);
  const coverage = describeCoverage(buckets, inPeriod, period.startMs, period.endMs, excluded);
  // The period's figures by the same definitions as every other window (the definitions in docs/architecture.md).
  const month = evaluateWindow(slo, { name: period.name, startMs: period.startMs, endMs: period.endMs }, { good, total, coverageRatio: coverage.coverageRatio });
  const { errorBudget } = month;
  const incidents = findIncidents(slo, input.buckets, { ...period, allowedBad: errorBudget.allowed }, rules.incidents);
  const previousInput = input.history[0];
  const previous = previousInput === undefined ? null : summarizeMonth(previousInput, slo.objectiveRatio);
  const report: SloReport = {
    name: slo.name,
    service: slo.service,
    description: slo.description,
    kind: slo.sli.kind,
    objectiveRatio: slo.objectiveRatio,
    good: month.good,
    total: month.total,
    sliRatio: month.sliRatio,
    errorBudget,
    burnRate: month.burnRate,
    tier: month.tier,
    objectiveMet: month.objectiveMet,
    coverageRatio: month.coverageRatio,
    missingPeriods: coverage.missing,
    reconciledPeriods: coverage.reconciled,
    ...(coverage.excluded.length > 0 ? { excludedPeriods: coverage.excluded } : {}),
    ...(input.raw === undefined ? {} : { raw: rawFigures(slo, period, input.raw) }),
    previous,
    sliChangeRatio: difference(month.sliRatio, previous?.sliRatio ?? null),
    consumedChangeRatio: difference(errorBudget.consumedRatio, previous?.consumedRatio ?? null),
    budgetExhaustedAtMs: exhaustionInstant(buckets, inPeriod, errorBudget.allowed),
    days: buildDays(input, inPeriod, days, errorBudget.allowed, excluded),
    incidentCount: incidents.length,
  };
  if (month.reason !== undefined) report.reason = month.reason;
  if (slo.sli.kind === 'latency') {
    report.thresholdSeconds = slo.sli.thresholdSeconds;
    const periodHistogram = sumHistograms(input.dailyHistograms ?? []);
    report.p95Seconds = periodHistogram === undefined ? null : histogramQuantile(0.95, periodHistogram);
  }
  if (slo.groupBy !== undefined) {
    // Only a grouped SLO has these keys, so an ungrouped SLO's JSON is unchanged.
    const built = await buildGroupReports(slo, input.groups ?? [], period, rules);
    report.groupBy = [...slo.groupBy];
    report.groups = built.groups;
    return { report, incidents: [...incidents, ...built.incidents] };
  }
  return { report, incidents };
}

/** The excluded bucket ends, as a set. */
function excludedEnds(runs: readonly BucketRun[]): ReadonlySet<number> {
  const ends = new Set<number>();
  for (const run of runs) for (let t = run.firstEndMs; t <= run.lastEndMs; t += BUCKET_MS) ends.add(t);
  return ends;
}

function buildDays(
  input: SloReportInput,
  range: { first: number; end: number },
  days: ReturnType<typeof localDays>,
  allowed: number,
  excluded: ReadonlySet<number>,
): DayReport[] {
  const { buckets } = input;
  let cumulativeGood = 0;
  let cumulativeTotal = 0;
  let next = range.first;
  return days.map((day, index) => {
    let good = 0;
    let total = 0;
    let covered = 0;
    for (; next < range.end && buckets.endMs[next]! <= day.endMs; next++) {
      if (buckets.endMs[next]! <= day.startMs) continue;
      good += buckets.good[next]!;
      total += buckets.total[next]!;
      if (buckets.status[next] !== NO_DATA_CODE && !excluded.has(buckets.endMs[next]!)) covered++;
    }
    cumulativeGood += good;
    cumulativeTotal += total;
    // Consumed so far against the whole period's allowance: the burn-down ends at the period's figure.
    const consumedRatio = allowed > 0 ? (cumulativeTotal - clampGood(cumulativeGood, cumulativeTotal)) / allowed : null;
    let expected = Math.round((day.endMs - day.startMs) / BUCKET_MS);
    if (excluded.size > 0) for (let t = day.startMs + BUCKET_MS; t <= day.endMs; t += BUCKET_MS) if (excluded.has(t)) expected--;
    const result: DayReport = {
      date: day.date,
      startMs: day.startMs,
      endMs: day.endMs,
      good: clampGood(good, total),
      total,
      sliRatio: computeSli(good, total).sliRatio,
      coverageRatio: expected === 0 ? 0 : covered / expected,
      consumedRatio,
      remainingRatio: consumedRatio === null ? null : 1 - consumedRatio,
    };
    if (input.slo.sli.kind === 'latency') {
      const histogram = input.dailyHistograms?.[index];
      result.p95Seconds = histogram === undefined ? null : histogramQuantile(0.95, histogram);
    }
    return result;
  });
}

/**
 * Coverage of (startMs, endMs] and its gaps: buckets never fetched or without samples, reconciled
 * ones, and those corrections exclude. Excluded buckets are neither covered nor missing: coverage
 * is the share of the other buckets that hold data, as every window counts it.
 */
function describeCoverage(
  buckets: BucketColumns,
  range: { first: number; end: number },
  startMs: number,
  endMs: number,
  excludedEnds: ReadonlySet<number>,
): { coverageRatio: number; missing: TimeSpan[]; reconciled: TimeSpan[]; excluded: TimeSpan[] } {
  let expected = Math.round((endMs - startMs) / BUCKET_MS);
  const missing: TimeSpan[] = [];
  const reconciled: TimeSpan[] = [];
  const excluded: TimeSpan[] = [];
  let covered = 0;
  const extend = (spans: TimeSpan[], bucketEndMs: number): void => {
    const last = spans[spans.length - 1];
    if (last !== undefined && last.endMs === bucketEndMs - BUCKET_MS) {
      last.endMs = bucketEndMs;
      last.durationMs += BUCKET_MS;
    } else {
      spans.push({ startMs: bucketEndMs - BUCKET_MS, endMs: bucketEndMs, durationMs: BUCKET_MS });
    }
  };
  // `buckets` are ascending and inside the period: walk the expected bucket ends beside them.
  let next = range.first;
  for (let t = startMs + BUCKET_MS; t <= endMs; t += BUCKET_MS) {
    while (next < range.end && buckets.endMs[next]! < t) next++;
    if (excludedEnds.has(t)) {
      extend(excluded, t);
      expected--;
      continue;
    }
    const status = next < range.end && buckets.endMs[next] === t ? buckets.status[next] : undefined;
    if (status === undefined || status === NO_DATA_CODE) extend(missing, t);
    else covered++;
    if (status === RECONCILED_CODE) extend(reconciled, t);
  }
  return { coverageRatio: expected === 0 ? 0 : covered / expected, missing, reconciled, excluded };
}

/** The first bucket end at which the bad events so far exceeded the period's allowance. */
function exhaustionInstant(buckets: BucketColumns, range: { first: number; end: number }, allowed: number): number | null {
  if (!(allowed > 0)) return null;
  let good = 0;
  let total = 0;
  for (let i = range.first; i < range.end; i++) {
    good += buckets.good[i]!;
    total += buckets.total[i]!;
    if (total - clampGood(good, total) > allowed) return buckets.endMs[i]!;
  }
  return null;
}

/** Adds histograms bound by bound (the period's histogram from its days'); undefined when none has counts. */
function sumHistograms(histograms: ReadonlyArray<HistogramCounts | undefined>): HistogramCounts | undefined {
  const byBound = new Map<number, number>();
  for (const histogram of histograms) for (const { le, count } of histogram ?? []) byBound.set(le, (byBound.get(le) ?? 0) + count);
  if (byBound.size === 0) return undefined;
  return [...byBound].sort((a, b) => a[0] - b[0]).map(([le, count]) => ({ le, count }));
}

function summarizeMonth(month: HistoryMonth, objectiveRatio: number): PreviousMonth {
  return {
    name: month.name,
    sliRatio: computeSli(month.good, month.total).sliRatio,
    consumedRatio: computeErrorBudget(objectiveRatio, month.good, month.total).consumedRatio,
    coverageRatio: month.coverageRatio,
  };
}

function difference(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a - b;
}

/** The SLOs, and the groups of grouped SLOs, that ended the period below their tiers (or objective); worst tier, then lowest SLI first. */
function findBreaches(slos: readonly SloReport[], inputs: readonly SloContext[]): Breach[] {
  const breaches: Breach[] = [];
  slos.forEach((s, i) => {
    const tiers = inputs[i]?.slo.tiers;
    const add = (figures: Pick<SloReport, 'tier' | 'sliRatio'>, group?: GroupLabels): void => {
      if (figures.tier === 'ok' || figures.sliRatio === null) return;
      const { tier, sliRatio } = figures;
      // A group is held to its SLO's tiers, or to its objective when the SLO has none.
      const thresholdRatio = tiers === undefined ? s.objectiveRatio : tier === 'critical' ? tiers.criticalRatio : tiers.warningRatio;
      const response = BREACH_RESPONSES[tier];
      breaches.push({ slo: s.name, ...(group === undefined ? {} : { group }), tier, sliRatio, thresholdRatio, response: response.title, steps: response.steps });
    };
    add(s);
    for (const g of s.groups ?? []) add(g, g.labels);
  });
  return breaches.sort((a, b) => (a.tier === b.tier ? a.sliRatio - b.sliRatio : a.tier === 'critical' ? -1 : 1));
}
