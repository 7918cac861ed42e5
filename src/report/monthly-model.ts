import { BUCKET_MS } from '../domain/duration.js';
import { computeErrorBudget } from '../domain/budget.js';
import { histogramQuantile } from '../domain/quantile.js';
import { clampGood, computeSli } from '../domain/sli.js';
import type { HistogramCounts, SloDefinition, Tier } from '../domain/slo.js';
import { worstTier } from '../domain/tier.js';
import { evaluateWindow, type WindowResult } from '../domain/window-result.js';
import { BREACH_RESPONSES, type BreachStep } from './breach-response.js';
import { indexRange, NO_DATA_CODE, RECONCILED_CODE, type BucketColumns } from './bucket-columns.js';
import { DEFAULT_INCIDENT_RULES, findIncidents, sortIncidentsByBudget, type Incident, type IncidentRules } from './incidents.js';
import { localDays } from './local-days.js';
import { deriveRecommendations, type Recommendation } from './recommendations.js';

/** The span a report covers: a calendar month, or a --from/--to range; bucket-aligned. */
export interface ReportPeriod {
  kind: 'month' | 'range';
  /** "2026-10", or "2026-10-01--2026-10-15" for a range. */
  name: string;
  /** For people: "October 2026". */
  label: string;
  startMs: number;
  endMs: number;
  /** The period's natural end (a month's last midnight); later than `endMs` when the period is not over. */
  fullEndMs: number;
}

/** One earlier month of an SLO, summed from the ledger. */
export interface HistoryMonth {
  name: string;
  good: number;
  total: number;
  coverageRatio: number;
}

/** What the ledger holds for one SLO, read by the use case for the builder. */
export interface SloReportInput {
  slo: SloDefinition;
  /** Buckets with end in (period.startMs − 1h, period.endMs], ascending; missing buckets absent. */
  buckets: BucketColumns;
  /** Latency SLOs: the summed histogram of each local day of the period, in day order (the period's is their sum). */
  dailyHistograms?: ReadonlyArray<HistogramCounts | undefined>;
  /** Earlier months, the most recent first (for the change from last month and the 3-month margin). */
  history: readonly HistoryMonth[];
}

/** Thresholds of the data-derived parts of the report. */
export interface ReportRules {
  incidents: IncidentRules;
  /** Coverage below this is called out (default 0.99). */
  minCoverageRatio: number;
  /** A month that consumed at most this share of its budget was met with a very large margin (default 0.25). */
  largeMarginConsumedRatio: number;
}

export const DEFAULT_REPORT_RULES: ReportRules = {
  incidents: DEFAULT_INCIDENT_RULES,
  minCoverageRatio: 0.99,
  largeMarginConsumedRatio: 0.25,
};

/** Everything the builder needs; no I/O happens in it. */
export interface MonthlyReportInput {
  period: ReportPeriod;
  timeZone: string;
  generatedAtMs: number;
  /**
   * The SLOs' ledger data, in report order. Read once, one SLO at a time: pass a generator that
   * reads each SLO when asked, and only one SLO's buckets are held in memory at once.
   */
  slos: Iterable<SloReportInput>;
  rules?: Partial<ReportRules>;
}

/** What the report keeps of an SLO's input after its figures are built. */
export type SloContext = Pick<SloReportInput, 'slo' | 'history'>;

/** A span of time in the report, e.g. a period without data. */
export interface TimeSpan {
  startMs: number;
  endMs: number;
  durationMs: number;
}

/** One local day of one SLO. */
export interface DayReport {
  date: string;
  startMs: number;
  endMs: number;
  good: number;
  total: number;
  sliRatio: number | null;
  coverageRatio: number;
  /** Share of the period's allowed budget consumed by the end of the day, cumulative. */
  consumedRatio: number | null;
  /** Burn-down: 1 − consumed at the end of the day (negative once overspent). */
  remainingRatio: number | null;
  /** Latency SLOs: the day's p95, from its summed histogram. */
  p95Seconds?: number | null;
}

/** One earlier month beside this one. */
export interface PreviousMonth {
  name: string;
  sliRatio: number | null;
  consumedRatio: number | null;
  coverageRatio: number;
}

/** One SLO over the period: the month's window figures (as every window has them), and the report's own. */
export interface SloReport
  extends Pick<WindowResult, 'good' | 'total' | 'sliRatio' | 'reason' | 'errorBudget' | 'burnRate' | 'tier' | 'objectiveMet' | 'coverageRatio'> {
  name: string;
  service: string;
  description: string;
  kind: 'events' | 'latency';
  objectiveRatio: number;
  thresholdSeconds?: number;
  /** Periods without data (never fetched, or Prometheus had no samples). */
  missingPeriods: TimeSpan[];
  /** Scrape gaps whose events were booked evenly across them: counted, but not timed. */
  reconciledPeriods: TimeSpan[];
  /** Latency SLOs: p95 over the whole period. */
  p95Seconds?: number | null;
  previous: PreviousMonth | null;
  /** This period minus the previous month; `null` when either has no SLI. */
  sliChangeRatio: number | null;
  consumedChangeRatio: number | null;
  /** The bucket end at which the period's budget was spent, if it was. */
  budgetExhaustedAtMs: number | null;
  days: DayReport[];
  incidentCount: number;
}

/** An SLO that ended the period in warning or critical, with what the seed's response asks for. */
export interface Breach {
  slo: string;
  tier: Exclude<Tier, 'ok'>;
  sliRatio: number;
  /** The SLI below which this tier starts, e.g. 0.99. */
  thresholdRatio: number;
  response: string;
  steps: readonly BreachStep[];
}

/** The report model: every figure the HTML, the PDF and the JSON show. */
export interface MonthlyReport {
  schemaVersion: 1;
  title: string;
  services: string[];
  period: ReportPeriod;
  timeZone: string;
  generatedAtMs: number;
  rules: ReportRules;
  overall: { tier: Tier; slos: number; ok: number; warning: number; critical: number; coverageRatio: number };
  slos: SloReport[];
  incidents: Incident[];
  breaches: Breach[];
  recommendations: Recommendation[];
}

/**
 * Builds the report of a period from what the ledger holds: per SLO the period's SLI, budget and
 * tier (DESIGN.md, "Definitions the numbers must follow"), daily SLIs and the budget burn-down by
 * local day, incidents, breaches (seed, "SLA Breach Response") and recommendations. Pure.
 */
export function buildMonthlyReport(input: MonthlyReportInput): MonthlyReport {
  const rules: ReportRules = { ...DEFAULT_REPORT_RULES, ...input.rules };
  const { period } = input;
  const days = localDays(period.startMs, period.endMs, input.timeZone);
  const incidents: Incident[] = [];
  const slos: SloReport[] = [];
  const contexts: SloContext[] = [];
  for (const sloInput of input.slos) {
    const { report, incidents: found } = buildSloReport(sloInput, period, days, rules);
    incidents.push(...found);
    slos.push(report);
    contexts.push({ slo: sloInput.slo, history: sloInput.history });
  }
  const tiers = slos.map((s) => s.tier);
  const services = [...new Set(slos.map((s) => s.service))];
  const report: MonthlyReport = {
    schemaVersion: 1,
    title: `${services.length === 0 ? 'SLO' : services.join(', ')} — SLO report ${period.label}`,
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
    incidents: sortIncidentsByBudget(incidents),
    breaches: findBreaches(slos, contexts),
    recommendations: [],
  };
  report.recommendations = deriveRecommendations(report, contexts, rules);
  return report;
}

function buildSloReport(
  input: SloReportInput,
  period: ReportPeriod,
  days: ReturnType<typeof localDays>,
  rules: ReportRules,
): { report: SloReport; incidents: Incident[] } {
  const { slo } = input;
  const { buckets } = input;
  const inPeriod = indexRange(buckets, period.startMs, period.endMs);
  let good = 0;
  let total = 0;
  for (let i = inPeriod.first; i < inPeriod.end; i++) {
    good += buckets.good[i]!;
    total += buckets.total[i]!;
  }
  const coverage = describeCoverage(buckets, inPeriod, period.startMs, period.endMs);
  // The month's figures by the same definitions as every other window (DESIGN.md).
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
    previous,
    sliChangeRatio: difference(month.sliRatio, previous?.sliRatio ?? null),
    consumedChangeRatio: difference(errorBudget.consumedRatio, previous?.consumedRatio ?? null),
    budgetExhaustedAtMs: exhaustionInstant(buckets, inPeriod, errorBudget.allowed),
    days: buildDays(input, inPeriod, days, errorBudget.allowed),
    incidentCount: incidents.length,
  };
  if (month.reason !== undefined) report.reason = month.reason;
  if (slo.sli.kind === 'latency') {
    report.thresholdSeconds = slo.sli.thresholdSeconds;
    const periodHistogram = sumHistograms(input.dailyHistograms ?? []);
    report.p95Seconds = periodHistogram === undefined ? null : histogramQuantile(0.95, periodHistogram);
  }
  return { report, incidents };
}

function buildDays(input: SloReportInput, range: { first: number; end: number }, days: ReturnType<typeof localDays>, allowed: number): DayReport[] {
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
      if (buckets.status[next] !== NO_DATA_CODE) covered++;
    }
    cumulativeGood += good;
    cumulativeTotal += total;
    // Consumed so far against the whole period's allowance: the burn-down ends at the period's figure.
    const consumedRatio = allowed > 0 ? (cumulativeTotal - clampGood(cumulativeGood, cumulativeTotal)) / allowed : null;
    const expected = Math.round((day.endMs - day.startMs) / BUCKET_MS);
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

/** Coverage of (startMs, endMs] and its gaps: buckets never fetched or without samples, and reconciled ones. */
function describeCoverage(
  buckets: BucketColumns,
  range: { first: number; end: number },
  startMs: number,
  endMs: number,
): { coverageRatio: number; missing: TimeSpan[]; reconciled: TimeSpan[] } {
  const expected = Math.round((endMs - startMs) / BUCKET_MS);
  const missing: TimeSpan[] = [];
  const reconciled: TimeSpan[] = [];
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
    const status = next < range.end && buckets.endMs[next] === t ? buckets.status[next] : undefined;
    if (status === undefined || status === NO_DATA_CODE) extend(missing, t);
    else covered++;
    if (status === RECONCILED_CODE) extend(reconciled, t);
  }
  return { coverageRatio: expected === 0 ? 0 : covered / expected, missing, reconciled };
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

function findBreaches(slos: readonly SloReport[], inputs: readonly SloContext[]): Breach[] {
  const breaches: Breach[] = [];
  slos.forEach((s, i) => {
    if (s.tier === 'ok' || s.sliRatio === null) return;
    const tiers = inputs[i]?.slo.tiers;
    const thresholdRatio = tiers === undefined ? s.objectiveRatio : s.tier === 'critical' ? tiers.criticalRatio : tiers.warningRatio;
    const response = BREACH_RESPONSES[s.tier];
    breaches.push({ slo: s.name, tier: s.tier, sliRatio: s.sliRatio, thresholdRatio, response: response.title, steps: response.steps });
  });
  return breaches.sort((a, b) => (a.tier === b.tier ? a.sliRatio - b.sliRatio : a.tier === 'critical' ? -1 : 1));
}
