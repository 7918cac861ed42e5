/** One month's report as produced: when it fell due, when it was built, and the delivery queued for it. */
export interface ProducedReport {
  /** YYYY-MM. */
  month: string;
  dueMs: number | null;
  producedMs: number;
  outboxKey: string | null;
}

/** The record of produced monthly reports, so the schedule produces each month once. */
export interface ReportLog {
  get(month: string): Promise<ProducedReport | undefined>;
  /** Records (or, for a forced rebuild, updates) a produced month. */
  record(report: ProducedReport): Promise<void>;
}
