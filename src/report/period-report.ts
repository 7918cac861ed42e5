import type { BucketColumns, BucketRun } from '../domain/bucket.js';
import type { CorrectionCategory } from '../domain/correction.js';
import type { FigureChange } from '../domain/statement.js';
import type { ReportPeriod } from '../domain/period.js';
import type { GroupLabels, HistogramCounts, SloDefinition, Tier } from '../domain/slo.js';
import type { WindowResult, WindowSums } from '../domain/window-result.js';
import type { BreachStep } from './breach-response.js';
import { DEFAULT_INCIDENT_RULES, type Incident, type IncidentRules } from './incidents.js';

/** One earlier month of an SLO, summed from the ledger. */
export interface HistoryMonth {
  name: string;
  good: number;
  total: number;
  coverageRatio: number;
}

/** What the ledger holds for one group of a grouped SLO over the period. */
export interface GroupReportInput {
  labels: GroupLabels;
  /** The group's series summed over the period (good, total, coverage), as every window is summed. */
  sums: Pick<WindowSums, 'good' | 'total' | 'coverageRatio'>;
  /** The group's buckets with end in (period.startMs − 1h, period.endMs], for its incidents; dropped once they are found. */
  buckets: BucketColumns;
  /** When corrections excluded some of the group's buckets in the period: its sums as fetched. */
  raw?: { good: number; total: number };
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
  /**
   * Grouped SLOs: the groups that existed in the period, iterated once. Pass a generator that
   * reads each group when asked (an async one reads the ledger), and only one group's buckets are
   * held in memory at once.
   */
  groups?: Iterable<GroupReportInput> | AsyncIterable<GroupReportInput>;
  /** The runs of bucket ends in the period that corrections exclude for this SLO (its buckets there read as empty). */
  excluded?: readonly BucketRun[];
  /** When corrections excluded some of the SLO's buckets in the period: its sums as fetched. */
  raw?: { good: number; total: number };
}

/** Thresholds of the data-derived parts of the report. */
export interface ReportRules {
  incidents: IncidentRules;
  /** Coverage below this is called out (default 0.99). */
  minCoverageRatio: number;
  /** A month that consumed at most this share of its budget was met with a very large margin (default 0.25). */
  largeMarginConsumedRatio: number;
}

/** The rules a report uses where the caller sets none. */
export const DEFAULT_REPORT_RULES: ReportRules = {
  incidents: DEFAULT_INCIDENT_RULES,
  minCoverageRatio: 0.99,
  largeMarginConsumedRatio: 0.25,
};

/** Everything the builder needs; no I/O happens in it. */
export interface PeriodReportInput {
  period: ReportPeriod;
  timeZone: string;
  generatedAtMs: number;
  /**
   * The SLOs' ledger data, in report order. Read once, one SLO at a time: pass a generator that
   * reads each SLO when asked (an async one reads the ledger), and only one SLO's buckets are held
   * in memory at once.
   */
  slos: Iterable<SloReportInput> | AsyncIterable<SloReportInput>;
  rules?: Partial<ReportRules>;
  /** The corrections that excluded buckets of the period, with what each took out (the report's Corrections section). */
  corrections?: readonly CorrectionReport[];
  /** Set when the report restates a month already stated (mailed): what changed against that statement. */
  restatement?: Restatement;
}

/** A restated month: the statement it replaces, and every figure that changed since, with why. */
export interface Restatement {
  /** The version this report is recorded as. */
  version: number;
  stated: { version: number; producedAtMs: number; contentHash: string };
  changes: FigureChange[];
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

/**
 * The figures as fetched, before corrections: shown beside the corrected ones wherever a
 * correction excluded buckets of the period.
 */
export interface RawFigures {
  good: number;
  total: number;
  sliRatio: number | null;
  consumedRatio: number | null;
  tier: Tier;
}

/** What one correction took out of one SLO (or one group of a grouped SLO) in the period. */
export interface CorrectionEffect {
  slo: string;
  /** Set when the correction covers one group of a grouped SLO. */
  group?: GroupLabels;
  /** Events of the excluded buckets, as fetched: they count neither as good nor as bad. */
  good: number;
  bad: number;
  /** The tier with every correction, and with every correction but this one. */
  tier: Tier;
  tierWithout: Tier;
  changedTier: boolean;
}

/** One correction that excluded buckets of the period: what, why, who, and what it took out. */
export interface CorrectionReport {
  id: string;
  /** Where it was made: the config file, or at run time (the CLI or the HTTP API) with an author. */
  source: 'config' | 'ledger';
  category: CorrectionCategory;
  reason: string;
  /** Who added it (run-time corrections); null for the config's, which are reviewed with the config. */
  author: string | null;
  addedAtMs: number | null;
  /** The excluded time in the period: the correction's bounds widened outward to whole 5-minute buckets. */
  periods: TimeSpan[];
  excludedMs: number;
  effects: CorrectionEffect[];
}

/** One group of a grouped SLO over the period, by the same definitions as the SLO's own figures. */
export interface GroupReport
  extends Pick<WindowResult, 'good' | 'total' | 'sliRatio' | 'reason' | 'errorBudget' | 'burnRate' | 'tier' | 'objectiveMet' | 'coverageRatio'> {
  labels: GroupLabels;
  /** Incidents of this group (its budget shares are of the group's own budget). */
  incidentCount: number;
  /** Only when corrections excluded some of the group's buckets: its figures as fetched. */
  raw?: RawFigures;
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
  /** Only when corrections excluded buckets of the period: the excluded time (not counted as missing either). */
  excludedPeriods?: TimeSpan[];
  /** Only when corrections excluded buckets of the period: the figures as fetched, before corrections. */
  raw?: RawFigures;
  /** Latency SLOs: p95 over the whole period. */
  p95Seconds?: number | null;
  previous: PreviousMonth | null;
  /** This period minus the previous month; `null` when either has no SLI. */
  sliChangeRatio: number | null;
  consumedChangeRatio: number | null;
  /** The bucket end at which the period's budget was spent, if it was. */
  budgetExhaustedAtMs: number | null;
  days: DayReport[];
  /** The SLO's own incidents (a grouped SLO's groups count theirs in {@link GroupReport}). */
  incidentCount: number;
  /** Grouped SLOs only: the labels it groups by. */
  groupBy?: string[];
  /** Grouped SLOs only: every group with traffic or data in the period, the most budget consumed first. */
  groups?: GroupReport[];
}

/**
 * An SLO (or one group of a grouped SLO) that ended the period in warning or critical, with what
 * its tier's response asks for (Rendiff monitoring guide, "SLA Breach Response").
 */
export interface Breach {
  slo: string;
  /** Set when the breach is one group's of a grouped SLO. */
  group?: GroupLabels;
  tier: Exclude<Tier, 'ok'>;
  sliRatio: number;
  /** The SLI below which this tier starts, e.g. 0.99. */
  thresholdRatio: number;
  response: string;
  steps: readonly BreachStep[];
}

/** What a recommendation is about. */
export type RecommendationKind =
  | 'breach'
  | 'budget-exhausted'
  | 'group-budget'
  | 'costliest-incident'
  | 'low-coverage'
  | 'reconciled-data'
  | 'large-margin';

/** One recommendation, with the figure that motivates it. */
export interface Recommendation {
  kind: RecommendationKind;
  /** The SLOs it concerns (several when they share the same finding, e.g. one scrape gap). */
  slos: string[];
  /** The group whose figure `value` is, for a recommendation about a grouped SLO's groups. */
  group?: GroupLabels;
  text: string;
  /** The number behind it, in `unit`. */
  value: number;
  unit: 'ratio' | 'ms' | 'instant';
  /** `value` as the text shows it. */
  figure: string;
}

/**
 * The report model of a calendar month or a --from/--to range: every figure the HTML, the PDF
 * and the JSON show. The builder writes its keys in this order, and the JSON keeps it.
 */
export interface PeriodReport {
  schemaVersion: 1;
  title: string;
  /** Only in a restated report: what changed against the statement it replaces. */
  restatement?: Restatement;
  services: string[];
  period: ReportPeriod;
  timeZone: string;
  generatedAtMs: number;
  rules: ReportRules;
  overall: { tier: Tier; slos: number; ok: number; warning: number; critical: number; coverageRatio: number };
  slos: SloReport[];
  /** Only when corrections excluded buckets of the period: each correction, with what it took out. */
  corrections?: CorrectionReport[];
  incidents: Incident[];
  breaches: Breach[];
  recommendations: Recommendation[];
}
