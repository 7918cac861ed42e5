import type { Tier } from '../domain/slo.js';
import type { DailyChartSpec } from './charts.js';
import {
  formatBudget, formatBurn, formatCount, formatDurationMs, formatGroupLabels, formatLocalRange, formatLocalTime, formatPercent,
  formatPointChange, formatSeconds, formatSli,
} from './format.js';
import { groupsFact, toBreachViews, toGroupsView, type BreachView, type GroupsView } from './groups-view.js';
import type { CorrectionReport, PeriodReport, Restatement, SloReport } from './period-report.js';
import { changeSubject, describeCause, describeFigures } from './statement-text.js';

/** A label and its value, as shown in a facts list. */
export interface Fact {
  label: string;
  value: string;
}

/** One row of the incident table. */
export interface IncidentRow {
  slo: string;
  /** The group's labels for a group's incident; null for the SLO's own. */
  group: string | null;
  period: string;
  duration: string;
  bad: string;
  budget: string;
  peakBurn: string;
}

/** One SLO's section. */
export interface SloSectionView {
  name: string;
  anchor: string;
  description: string;
  tier: Tier;
  facts: Fact[];
  missing: string[];
  reconciled: string[];
  /** Periods that corrections took out of the budget (neither counted nor missing). */
  excluded: string[];
  charts: DailyChartSpec[];
  incidents: IncidentRow[];
  /** Grouped SLOs: the groups table; null for an ungrouped SLO. */
  groups: GroupsView | null;
  /** Grouped SLOs: the costliest incidents of its groups (at most {@link SECTION_GROUP_INCIDENTS}). */
  groupIncidents: IncidentRow[];
  groupIncidentsNote: string | null;
  days: Array<{ date: string; sli: string; good: string; total: string; remaining: string; coverage: string; p95: string | null }>;
}

/**
 * The report as people read it: every figure formatted once, here, so the HTML and the PDF show
 * the same text, and the charts as specs each renderer lays out at its own size.
 */
export interface ReportView {
  title: string;
  /** A restated report's banner: what it replaces, and one entry per changed figure with its causes; null otherwise. */
  restatement: { heading: string; changes: Array<{ subject: string; figures: string; causes: string[] }> } | null;
  period: string;
  timeZone: string;
  generatedAt: string;
  coverage: string;
  overallTier: Tier;
  overallText: string;
  partialNote: string | null;
  factorNote: string;
  summary: Array<{
    name: string; anchor: string; service: string; objective: string; sli: string; consumed: string; remaining: string;
    tier: Tier; change: string; coverage: string; p95: string;
    /** When corrections excluded buckets: the SLI and tier as fetched, e.g. "98.950 % critical"; else null. */
    raw: string | null;
  }>;
  /** The corrections that excluded buckets of the period; empty when none did. */
  corrections: CorrectionRow[];
  /** The costliest incidents of all SLOs (at most {@link SUMMARY_INCIDENTS}); each SLO section lists all of its own. */
  incidents: IncidentRow[];
  /** Says how many were left out of the summary, when some were. */
  incidentsNote: string | null;
  /** Every SLO in breach; a grouped SLO's groups in breach as one entry per tier (see {@link toBreachViews}). */
  breaches: BreachView[];
  recommendations: Array<{ text: string; figure: string }>;
  slos: SloSectionView[];
}

/** One correction of the Corrections section. */
export interface CorrectionRow {
  id: string;
  category: string;
  reason: string;
  /** "config file", or the author and when it was added. */
  by: string;
  periods: string;
  excluded: string;
  /** One line per SLO (or group) it changed: events excluded and the tier with and without it. */
  effects: string[];
  changedTier: boolean;
}

/** The summary lists this many incidents at most, the costliest: a page, not a log. */
export const SUMMARY_INCIDENTS = 20;
/** A grouped SLO's section lists this many of its groups' incidents at most, the costliest. */
export const SECTION_GROUP_INCIDENTS = 20;

/** Formats the report model for rendering. */
export function toReportView(report: PeriodReport): ReportView {
  const tz = report.timeZone;
  const incidentRow = (i: PeriodReport['incidents'][number]): IncidentRow => ({
    slo: i.slo,
    group: i.group === undefined ? null : formatGroupLabels(i.group),
    period: formatLocalRange(i.startMs, i.endMs, tz),
    duration: formatDurationMs(i.durationMs),
    bad: formatCount(i.bad),
    budget: formatBudget(i.budgetConsumedRatio),
    peakBurn: formatBurn(i.peakBurnRate1h),
  });
  const { overall } = report;
  return {
    title: report.title,
    restatement: report.restatement === undefined ? null : toRestatementView(report.restatement, tz),
    period: report.period.label,
    timeZone: tz,
    generatedAt: `${formatLocalTime(report.generatedAtMs, tz)} ${tz}`,
    coverage: formatPercent(overall.coverageRatio, 2),
    overallTier: overall.tier,
    overallText:
      overall.slos === 0
        ? 'No SLOs are configured.'
        : `${overall.ok} of ${overall.slos} SLOs ok, ${overall.warning} warning, ${overall.critical} critical.`,
    partialNote:
      report.period.endMs < report.period.fullEndMs
        ? `The period is not over: figures up to ${formatLocalTime(report.period.endMs, tz)} ${tz}.`
        : null,
    factorNote:
      `Incidents: periods where the burn rate over 1 h exceeded ${report.rules.incidents.factor}×, ` +
      `bursts closer than ${formatDurationMs(report.rules.incidents.mergeGapMs)} merged; sorted by the share of the ` +
      `period's error budget they consumed. Times in ${tz}.`,
    summary: report.slos.map((s) => ({
      name: s.name,
      anchor: anchorOf(s.name, report.slos.indexOf(s)),
      service: s.service,
      objective: formatPercent(s.objectiveRatio, 2),
      sli: formatSli(s.sliRatio),
      consumed: formatBudget(s.errorBudget.consumedRatio),
      remaining: formatBudget(s.errorBudget.remainingRatio),
      tier: s.tier,
      change: formatPointChange(s.sliChangeRatio, 3),
      coverage: formatPercent(s.coverageRatio, 2),
      p95: s.kind === 'latency' ? formatSeconds(s.p95Seconds) : '',
      raw: s.raw === undefined ? null : `${formatSli(s.raw.sliRatio)} ${s.raw.tier}`,
    })),
    corrections: (report.corrections ?? []).map((c) => toCorrectionRow(c, tz)),
    incidents: report.incidents.slice(0, SUMMARY_INCIDENTS).map(incidentRow),
    incidentsNote:
      report.incidents.length > SUMMARY_INCIDENTS
        ? `The ${SUMMARY_INCIDENTS} costliest of ${report.incidents.length} incidents; each SLO's section lists all of its own` +
          (report.incidents.some((i) => i.group !== undefined) ? ` and the ${SECTION_GROUP_INCIDENTS} costliest of its groups'; the JSON report has every one.` : '.')
        : null,
    breaches: toBreachViews(report.breaches),
    recommendations: report.recommendations.map((r) => ({ text: r.text, figure: r.figure })),
    slos: report.slos.map((s, index) => ({
      name: s.name,
      anchor: anchorOf(s.name, index),
      description: s.description,
      tier: s.tier,
      facts: sloFacts(s, report),
      missing: s.missingPeriods.map((p) => `${formatLocalRange(p.startMs, p.endMs, tz)} (${formatDurationMs(p.durationMs)})`),
      reconciled: s.reconciledPeriods.map((p) => `${formatLocalRange(p.startMs, p.endMs, tz)} (${formatDurationMs(p.durationMs)})`),
      excluded: (s.excludedPeriods ?? []).map((p) => `${formatLocalRange(p.startMs, p.endMs, tz)} (${formatDurationMs(p.durationMs)})`),
      charts: sloCharts(s, report),
      incidents: report.incidents.filter((i) => i.slo === s.name && i.group === undefined).map(incidentRow),
      groups: toGroupsView(s),
      ...groupIncidents(report.incidents.filter((i) => i.slo === s.name && i.group !== undefined).map(incidentRow)),
      days: s.days.map((d) => ({
        date: d.date,
        sli: formatSli(d.sliRatio),
        good: formatCount(d.good),
        total: formatCount(d.total),
        remaining: formatBudget(d.remainingRatio),
        coverage: formatPercent(d.coverageRatio, 1),
        p95: d.p95Seconds === undefined ? null : formatSeconds(d.p95Seconds),
      })),
    })),
  };
}

function toRestatementView(r: Restatement, timeZone: string): NonNullable<ReportView['restatement']> {
  return {
    heading: `Restated: this report replaces the one sent ${formatLocalTime(r.stated.producedAtMs, timeZone)} ${timeZone} (statement version ${r.stated.version}, ` +
      `sha256 ${r.stated.contentHash.slice(0, 12)}…). ${r.changes.length === 1 ? 'One figure changed' : `${r.changes.length} figures changed`}:`,
    changes: r.changes.map((c) => ({
      subject: changeSubject(c),
      figures: describeFigures(c.stated, c.now),
      causes: c.causes.length === 0 ? ['no recorded cause'] : c.causes.map((cause) => describeCause(cause, timeZone)),
    })),
  };
}

function toCorrectionRow(c: CorrectionReport, timeZone: string): CorrectionRow {
  const periods = c.periods.map((p) => formatLocalRange(p.startMs, p.endMs, timeZone));
  return {
    id: c.id,
    category: c.category,
    reason: c.reason,
    by: c.author === null ? 'config file' : `${c.author}${c.addedAtMs === null ? '' : `, ${formatLocalTime(c.addedAtMs, timeZone)}`}`,
    periods: periods.length > 6 ? `${periods.slice(0, 6).join('; ')}; … and ${periods.length - 6} more` : periods.join('; '),
    excluded: formatDurationMs(c.excludedMs),
    effects: c.effects.map((e) => {
      const who = e.group === undefined ? e.slo : `${e.slo} · ${formatGroupLabels(e.group)}`;
      const tier = e.changedTier ? `tier ${e.tierWithout} → ${e.tier}` : `tier ${e.tier} (unchanged)`;
      return `${who}: ${formatCount(e.good)} good and ${formatCount(e.bad)} bad events excluded; ${tier}`;
    }),
    changedTier: c.effects.some((e) => e.changedTier),
  };
}

function groupIncidents(rows: IncidentRow[]): { groupIncidents: IncidentRow[]; groupIncidentsNote: string | null } {
  return {
    groupIncidents: rows.slice(0, SECTION_GROUP_INCIDENTS),
    groupIncidentsNote: rows.length > SECTION_GROUP_INCIDENTS ? `The ${SECTION_GROUP_INCIDENTS} costliest of ${rows.length} incidents of its groups; the JSON report lists them all.` : null,
  };
}

function anchorOf(name: string, index: number): string {
  return `slo-${index + 1}-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
}

function sloFacts(s: SloReport, report: PeriodReport): Fact[] {
  const facts: Fact[] = [
    { label: 'SLI', value: formatSli(s.sliRatio) + (s.reason === 'no-traffic' ? ' (no traffic)' : '') },
    { label: 'Objective', value: formatPercent(s.objectiveRatio, 2) + (s.thresholdSeconds === undefined ? '' : ` of requests ≤ ${s.thresholdSeconds} s`) },
    { label: 'Tier', value: s.tier },
    { label: 'Budget consumed', value: formatBudget(s.errorBudget.consumedRatio) },
    { label: 'Budget remaining', value: formatBudget(s.errorBudget.remainingRatio) },
    { label: 'Good / total events', value: `${formatCount(s.good)} / ${formatCount(s.total)}` },
    { label: 'Bad events (allowed)', value: `${formatCount(s.errorBudget.bad)} (${formatCount(s.errorBudget.allowed)})` },
    { label: 'Coverage', value: formatPercent(s.coverageRatio, 2) },
  ];
  if (s.raw !== undefined) {
    const excluded = (s.excludedPeriods ?? []).reduce((sum, p) => sum + p.durationMs, 0);
    facts.push({
      label: 'Before corrections',
      value: `SLI ${formatSli(s.raw.sliRatio)}, tier ${s.raw.tier}, budget ${formatBudget(s.raw.consumedRatio)}, ${formatCount(s.raw.good)} / ${formatCount(s.raw.total)} events` +
        (excluded > 0 ? `; ${formatDurationMs(excluded)} excluded` : ''),
    });
  }
  if (s.kind === 'latency') facts.push({ label: 'p95 latency', value: formatSeconds(s.p95Seconds) });
  const groups = groupsFact(s);
  if (groups !== null) facts.push(groups);
  facts.push({
    label: `Previous (${s.previous?.name ?? '—'})`,
    value:
      s.previous === null
        ? '—'
        : `SLI ${formatSli(s.previous.sliRatio)}, budget ${formatBudget(s.previous.consumedRatio)}, coverage ${formatPercent(s.previous.coverageRatio, 1)}`,
  });
  facts.push({ label: 'Change of SLI', value: formatPointChange(s.sliChangeRatio, 3) });
  facts.push({
    label: 'Budget exhausted',
    value: s.budgetExhaustedAtMs === null ? 'no' : `${formatLocalTime(s.budgetExhaustedAtMs, report.timeZone)}`,
  });
  return facts;
}

function sloCharts(s: SloReport, report: PeriodReport): DailyChartSpec[] {
  const labels = s.days.map((d) => String(Number(d.date.slice(8, 10))));
  const { period } = report;
  const elapsed = period.fullEndMs > period.startMs ? (period.endMs - period.startMs) / (period.fullEndMs - period.startMs) : 1;
  const percentTick = (v: number, step: number): string => formatPercent(v, Math.min(3, Math.max(0, Math.ceil(-Math.log10(step * 100) - 1e-9))));
  const charts: DailyChartSpec[] = [
    {
      title: 'Error budget remaining at the end of each day',
      kind: 'line',
      labels,
      values: s.days.map((d) => d.remainingRatio),
      startValue: 1,
      references: [{ value: 0, label: 'budget spent' }],
      guide: { from: 1, to: 1 - elapsed },
      yMin: Math.min(0, ...s.days.map((d) => d.remainingRatio ?? 0)),
      yMax: 1,
      formatY: percentTick,
    },
    {
      title: 'Daily SLI',
      kind: 'bars',
      labels,
      values: s.days.map((d) => d.sliRatio),
      references: [{ value: s.objectiveRatio, label: `objective ${formatPercent(s.objectiveRatio, 2)}` }],
      badBelow: s.objectiveRatio,
      formatY: percentTick,
    },
  ];
  if (s.kind === 'latency') {
    charts.push({
      title: 'Daily p95 latency',
      kind: 'bars',
      labels,
      values: s.days.map((d) => d.p95Seconds ?? null),
      references: s.thresholdSeconds === undefined ? [] : [{ value: s.thresholdSeconds, label: `threshold ${s.thresholdSeconds} s` }],
      ...(s.thresholdSeconds === undefined ? {} : { badAbove: s.thresholdSeconds }),
      yMin: 0,
      yMax: Math.max(s.thresholdSeconds ?? 0, ...s.days.map((d) => d.p95Seconds ?? 0)) * 1.15 || 1,
      formatY: (v, step) => `${v.toFixed(step >= 1 ? 0 : step >= 0.1 ? 1 : 2)} s`,
    });
  }
  return charts;
}
