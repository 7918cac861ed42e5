import type { MonthlyReport, ReportRules, SloContext } from './monthly-model.js';
import { computeErrorBudget } from '../domain/budget.js';
import { formatBudget, formatDurationMs, formatLocalRange, formatLocalTime, formatPercent, formatSli } from './format.js';

/** What a recommendation is about. */
export type RecommendationKind =
  | 'breach'
  | 'budget-exhausted'
  | 'costliest-incident'
  | 'low-coverage'
  | 'reconciled-data'
  | 'large-margin';

/** One recommendation, with the figure that motivates it. */
export interface Recommendation {
  kind: RecommendationKind;
  slo: string;
  text: string;
  /** The number behind it, in `unit`. */
  value: number;
  unit: 'ratio' | 'ms' | 'instant';
  /** `value` as the text shows it. */
  figure: string;
}

/**
 * Recommendations that follow from the report's figures, most urgent first: breaches, budgets
 * spent before the period ended (error-budget policy: freeze risky changes), the incident that
 * cost most budget, SLOs with coverage below the minimum or with reconciled scrape gaps, and
 * objectives met with a very large margin for three months running (a tighter objective would
 * still be met, SRE Workbook, "Implementing SLOs").
 */
export function deriveRecommendations(report: MonthlyReport, inputs: readonly SloContext[], rules: ReportRules): Recommendation[] {
  const tz = report.timeZone;
  const out: Recommendation[] = [];
  for (const breach of report.breaches) {
    out.push({
      kind: 'breach',
      slo: breach.slo,
      value: breach.sliRatio,
      unit: 'ratio',
      figure: formatSli(breach.sliRatio),
      text:
        `${breach.slo} ended ${report.period.label} at ${formatSli(breach.sliRatio)}, below ${formatPercent(breach.thresholdRatio, 2)} ` +
        `(${breach.tier}): run the ${breach.response.toLowerCase()} response and a postmortem.`,
    });
  }
  for (const slo of report.slos) {
    if (slo.budgetExhaustedAtMs === null || slo.budgetExhaustedAtMs >= report.period.endMs) continue;
    const exhaustedAtMs = slo.budgetExhaustedAtMs;
    const day = slo.days.findIndex((d) => exhaustedAtMs <= d.endMs) + 1;
    out.push({
      kind: 'budget-exhausted',
      slo: slo.name,
      value: slo.budgetExhaustedAtMs,
      unit: 'instant',
      figure: formatLocalTime(slo.budgetExhaustedAtMs, tz),
      text:
        `${slo.name} spent its whole error budget on ${formatLocalTime(slo.budgetExhaustedAtMs, tz)} (day ${day} of ${slo.days.length}; ` +
        `${formatBudget(slo.errorBudget.consumedRatio)} consumed by the end): freeze risky changes and put reliability work first.`,
    });
  }
  const costliest = report.incidents[0];
  if (costliest !== undefined && costliest.budgetConsumedRatio !== null) {
    out.push({
      kind: 'costliest-incident',
      slo: costliest.slo,
      value: costliest.budgetConsumedRatio,
      unit: 'ratio',
      figure: formatBudget(costliest.budgetConsumedRatio),
      text:
        `The costliest incident, ${costliest.slo} ${formatLocalRange(costliest.startMs, costliest.endMs, tz)} ` +
        `(${formatDurationMs(costliest.durationMs)}), consumed ${formatBudget(costliest.budgetConsumedRatio)} of the period's ` +
        `error budget: review its postmortem and follow up its action items.`,
    });
  }
  for (const slo of report.slos) {
    if (slo.coverageRatio < rules.minCoverageRatio) {
      const missingMs = slo.missingPeriods.reduce((sum, p) => sum + p.durationMs, 0);
      out.push({
        kind: 'low-coverage',
        slo: slo.name,
        value: slo.coverageRatio,
        unit: 'ratio',
        figure: formatPercent(slo.coverageRatio, 1),
        text:
          `${slo.name} has data for only ${formatPercent(slo.coverageRatio, 1)} of the period (${formatDurationMs(missingMs)} missing` +
          `${slo.missingPeriods[0] ? `, the first ${formatLocalRange(slo.missingPeriods[0].startMs, slo.missingPeriods[0].endMs, tz)}` : ''}): ` +
          `check scraping and Prometheus retention; its figures rest on less data.`,
      });
    }
    const reconciledMs = slo.reconciledPeriods.reduce((sum, p) => sum + p.durationMs, 0);
    if (reconciledMs > 0) {
      out.push({
        kind: 'reconciled-data',
        slo: slo.name,
        value: reconciledMs,
        unit: 'ms',
        figure: formatDurationMs(reconciledMs),
        text:
          `${slo.name}: ${formatDurationMs(reconciledMs)} of scrape gaps (the longest ` +
          `${describeLongest(slo.reconciledPeriods, tz)}) were reconciled — their events are counted but spread evenly, ` +
          `so incidents inside them cannot be timed: fix the scrape gaps.`,
      });
    }
  }
  report.slos.forEach((slo, i) => {
    const margin = largeMargin(slo.errorBudget.consumedRatio, slo.coverageRatio, inputs[i], rules);
    if (margin === null) return;
    out.push({
      kind: 'large-margin',
      slo: slo.name,
      value: margin,
      unit: 'ratio',
      figure: formatBudget(margin),
      text:
        `${slo.name} met its ${formatPercent(slo.objectiveRatio, 2)} objective with a large margin for three months ` +
        `(at most ${formatBudget(margin)} of the budget consumed in any of them): consider a tighter objective or ` +
        `spending the budget on faster releases.`,
    });
  });
  return out;
}

function describeLongest(spans: MonthlyReport['slos'][number]['reconciledPeriods'], tz: string): string {
  const longest = spans.reduce((a, b) => (b.durationMs > a.durationMs ? b : a));
  return formatLocalRange(longest.startMs, longest.endMs, tz);
}

/** The largest budget share consumed over this month and the two before, when all stayed within the margin; else null. */
function largeMargin(consumed: number | null, coverage: number, input: SloContext | undefined, rules: ReportRules): number | null {
  if (input === undefined || consumed === null || coverage < 0.9 || input.history.length < 2) return null;
  let max = consumed;
  for (const month of input.history.slice(0, 2)) {
    const c = computeErrorBudget(input.slo.objectiveRatio, month.good, month.total).consumedRatio;
    if (c === null || month.coverageRatio < 0.9) return null;
    max = Math.max(max, c);
  }
  return max <= rules.largeMarginConsumedRatio ? max : null;
}
