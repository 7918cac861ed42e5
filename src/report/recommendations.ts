import { computeErrorBudget } from '../domain/budget.js';
import { formatBudget, formatDurationMs, formatGroupLabels, formatLocalRange, formatLocalTime, formatPercent, formatSli } from './format.js';
import type { PeriodReport, Recommendation, ReportRules, SloContext, SloReport, TimeSpan } from './period-report.js';

/** The report before its recommendations exist: what they are derived from. */
type ReportFigures = Omit<PeriodReport, 'recommendations'>;

/**
 * Recommendations that follow from the report's figures, most urgent first: breaches, budgets
 * spent before the period ended (error-budget policy: freeze risky changes), groups of grouped
 * SLOs that overspent their own budget, the incident that cost most budget, SLOs with coverage
 * below the minimum or with reconciled scrape gaps, and objectives met with a very large margin
 * for three months running (a tighter objective would still be met: SRE Workbook, "Implementing SLOs").
 */
export function deriveRecommendations(report: Omit<PeriodReport, 'recommendations'>, contexts: readonly SloContext[], rules: ReportRules): Recommendation[] {
  return [
    ...breachRecommendations(report),
    ...exhaustedRecommendations(report),
    ...groupRecommendations(report),
    ...costliestIncidentRecommendation(report),
    ...groupBySpans(report.slos.filter((s) => s.coverageRatio < rules.minCoverageRatio), (s) => s.missingPeriods, (slos) => lowCoverage(slos, report)),
    ...groupBySpans(report.slos.filter((s) => s.reconciledPeriods.length > 0), (s) => s.reconciledPeriods, (slos) => reconciled(slos, report)),
    ...report.slos.flatMap((slo, i) => largeMarginRecommendation(slo, contexts[i], rules)),
  ];
}

/**
 * One line per breach tier (the Breaches section lists every SLO with its steps), led by the worst
 * SLI. Groups in breach have their own line ({@link groupRecommendations}).
 */
function breachRecommendations(report: ReportFigures): Recommendation[] {
  const out: Recommendation[] = [];
  for (const tier of ['critical', 'warning'] as const) {
    const breaches = report.breaches.filter((b) => b.tier === tier && b.group === undefined).sort((a, b) => a.sliRatio - b.sliRatio);
    const worst = breaches[0];
    if (worst === undefined) continue;
    const who =
      breaches.length === 1
        ? `${worst.slo} ended ${report.period.label} at ${formatSli(worst.sliRatio)}, below ${formatPercent(worst.thresholdRatio, 2)}`
        : `${breaches.length} SLOs ended ${report.period.label} ${tier}, the worst ${worst.slo} at ${formatSli(worst.sliRatio)} ` +
          `(below ${formatPercent(worst.thresholdRatio, 2)})`;
    out.push({
      kind: 'breach',
      slos: breaches.map((b) => b.slo),
      value: worst.sliRatio,
      unit: 'ratio',
      figure: formatSli(worst.sliRatio),
      text: `${who} (${tier}): run the ${worst.response.toLowerCase()} response and a postmortem${breaches.length > 1 ? ' for each' : ''}.`,
    });
  }
  return out;
}

/** Budgets spent before the period ended: one line per SLO, or one for all when more than five. */
function exhaustedRecommendations(report: ReportFigures): Recommendation[] {
  const exhausted = report.slos
    .filter((s) => s.budgetExhaustedAtMs !== null && s.budgetExhaustedAtMs < report.period.endMs)
    .sort((a, b) => a.budgetExhaustedAtMs! - b.budgetExhaustedAtMs!);
  const line = (slo: SloReport, slos: readonly SloReport[]): Recommendation => {
    const at = slo.budgetExhaustedAtMs!;
    const day = slo.days.findIndex((d) => at <= d.endMs) + 1;
    const when = formatLocalTime(at, report.timeZone);
    const subject =
      slos.length === 1
        ? `${slo.name} spent its whole error budget on ${when}`
        : `${slos.length} SLOs spent their whole error budget before the period ended, the first ${slo.name} on ${when}`;
    return {
      kind: 'budget-exhausted',
      slos: slos.map((s) => s.name),
      value: at,
      unit: 'instant',
      figure: when,
      text:
        `${subject} (day ${day} of ${slo.days.length}; ${formatBudget(slo.errorBudget.consumedRatio)} consumed by the end): ` +
        'freeze risky changes and put reliability work first.',
    };
  };
  if (exhausted.length > 5) return [line(exhausted[0]!, exhausted)];
  return exhausted.map((slo) => line(slo, [slo]));
}

/** Groups shown at most in a group recommendation's text besides the worst. */
const NAMED_GROUPS = 3;

/**
 * One line per grouped SLO with groups that consumed more than their own budget, the SLO with the
 * worst group first: a whole that meets its objective can hide a tenant or endpoint that does not.
 */
function groupRecommendations(report: ReportFigures): Recommendation[] {
  const lines: Array<{ consumed: number; recommendation: Recommendation }> = [];
  for (const slo of report.slos) {
    // Groups come worst first: the overspent ones lead the list.
    const overspent = (slo.groups ?? []).filter((g) => (g.errorBudget.consumedRatio ?? 0) > 1);
    const worst = overspent[0];
    if (worst === undefined) continue;
    const consumed = worst.errorBudget.consumedRatio!;
    const others = overspent.slice(1);
    const pronoun = others.length === 0 ? 'it' : 'them';
    const named = others.slice(0, NAMED_GROUPS).map((g) => `${formatGroupLabels(g.labels)} ${formatBudget(g.errorBudget.consumedRatio)}`);
    const more =
      others.length === 0
        ? ''
        : `; ${others.length} more of its ${slo.groups!.length} groups overspent too (${named.join(', ')}${others.length > NAMED_GROUPS ? ', …' : ''})`;
    lines.push({
      consumed,
      recommendation: {
        kind: 'group-budget',
        slos: [slo.name],
        group: worst.labels,
        value: consumed,
        unit: 'ratio',
        figure: formatBudget(consumed),
        text:
          `${formatGroupLabels(worst.labels)} of ${slo.name} consumed ${formatBudget(consumed)} of its error budget ` +
          `(SLI ${formatSli(worst.sliRatio)}); the SLO as a whole ${formatBudget(slo.errorBudget.consumedRatio)}${more}: ` +
          `find out what sets ${pronoun} apart (a dependency, a region, a client), since the SLO's own figure hides ${pronoun}.`,
      },
    });
  }
  return lines.sort((a, b) => b.consumed - a.consumed).map((l) => l.recommendation);
}

function costliestIncidentRecommendation(report: ReportFigures): Recommendation[] {
  const costliest = report.incidents[0];
  if (costliest === undefined || costliest.budgetConsumedRatio === null) return [];
  // A group's incident is measured against the group's own budget, and the text says so.
  const group = costliest.group === undefined ? '' : ` (${formatGroupLabels(costliest.group)})`;
  const budget = costliest.group === undefined ? "the period's error budget" : "that group's error budget for the period";
  return [{
    kind: 'costliest-incident',
    slos: [costliest.slo],
    ...(costliest.group === undefined ? {} : { group: costliest.group }),
    value: costliest.budgetConsumedRatio,
    unit: 'ratio',
    figure: formatBudget(costliest.budgetConsumedRatio),
    text:
      `The costliest incident, ${costliest.slo}${group} ${formatLocalRange(costliest.startMs, costliest.endMs, report.timeZone)} ` +
      `(${formatDurationMs(costliest.durationMs)}), consumed ${formatBudget(costliest.budgetConsumedRatio)} of ${budget}: ` +
      `review its postmortem and follow up its action items.`,
  }];
}

function lowCoverage(slos: readonly SloReport[], report: ReportFigures): Recommendation {
  const first = slos[0]!;
  const missingMs = totalMs(first.missingPeriods);
  const longest = longestSpan(first.missingPeriods);
  return {
    kind: 'low-coverage',
    slos: slos.map((s) => s.name),
    value: first.coverageRatio,
    unit: 'ratio',
    figure: formatPercent(first.coverageRatio, 1),
    text:
      `${names(slos)} ${slos.length > 1 ? 'have' : 'has'} data for only ${formatPercent(first.coverageRatio, 1)} of the period ` +
      `(${formatDurationMs(missingMs)} missing${longest ? `, the longest gap ${formatLocalRange(longest.startMs, longest.endMs, report.timeZone)}` : ''}): ` +
      `check scraping and Prometheus retention; these figures rest on less data.`,
  };
}

function reconciled(slos: readonly SloReport[], report: ReportFigures): Recommendation {
  const spans = slos[0]!.reconciledPeriods;
  const ms = totalMs(spans);
  const longest = longestSpan(spans)!;
  return {
    kind: 'reconciled-data',
    slos: slos.map((s) => s.name),
    value: ms,
    unit: 'ms',
    figure: formatDurationMs(ms),
    text:
      `${names(slos)}: ${formatDurationMs(ms)} of scrape gaps (the longest ${formatLocalRange(longest.startMs, longest.endMs, report.timeZone)}) ` +
      `were reconciled — their events are counted but spread evenly over the gap, so incidents inside it cannot be timed: ` +
      `make scraping reliable.`,
  };
}

function largeMarginRecommendation(slo: SloReport, context: SloContext | undefined, rules: ReportRules): Recommendation[] {
  const margin = largestConsumedOfThreeMonths(slo, context);
  if (margin === null || margin > rules.largeMarginConsumedRatio) return [];
  return [{
    kind: 'large-margin',
    slos: [slo.name],
    value: margin,
    unit: 'ratio',
    figure: formatBudget(margin),
    text:
      `${slo.name} met its ${formatPercent(slo.objectiveRatio, 2)} objective with a large margin for three months ` +
      `(at most ${formatBudget(margin)} of the budget consumed in any of them): consider a tighter objective, or ` +
      `spending the budget on faster releases.`,
  }];
}

/** The most budget consumed in this period and the two before, when all three have ≥ 90 % coverage; else null. */
function largestConsumedOfThreeMonths(slo: SloReport, context: SloContext | undefined): number | null {
  const consumed = slo.errorBudget.consumedRatio;
  if (context === undefined || consumed === null || slo.coverageRatio < 0.9 || context.history.length < 2) return null;
  let max = consumed;
  for (const month of context.history.slice(0, 2)) {
    const c = computeErrorBudget(context.slo.objectiveRatio, month.good, month.total).consumedRatio;
    if (c === null || month.coverageRatio < 0.9) return null;
    max = Math.max(max, c);
  }
  return max;
}

/** One recommendation per distinct set of spans: SLOs scraped together share their gaps, and one line says it. */
function groupBySpans(slos: readonly SloReport[], spansOf: (s: SloReport) => readonly TimeSpan[], make: (group: SloReport[]) => Recommendation): Recommendation[] {
  const groups = new Map<string, SloReport[]>();
  for (const slo of slos) {
    const key = spansOf(slo).map((s) => `${s.startMs}-${s.endMs}`).join(',');
    groups.set(key, [...(groups.get(key) ?? []), slo]);
  }
  return [...groups.values()].map(make);
}

function names(slos: readonly SloReport[]): string {
  return slos.length <= 4 ? slos.map((s) => s.name).join(', ') : `${slos.slice(0, 3).map((s) => s.name).join(', ')} and ${slos.length - 3} more SLOs`;
}

function totalMs(spans: readonly TimeSpan[]): number {
  return spans.reduce((sum, s) => sum + s.durationMs, 0);
}

function longestSpan(spans: readonly TimeSpan[]): TimeSpan | undefined {
  return spans.reduce<TimeSpan | undefined>((a, b) => (a === undefined || b.durationMs > a.durationMs ? b : a), undefined);
}
