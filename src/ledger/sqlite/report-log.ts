import type Database from 'better-sqlite3';
import type { ProducedReport, ReportLog } from '../report-log.js';
import type { Synchronous } from './synchronous.js';

interface Row {
  month: string;
  due_ms: number | null;
  produced_ms: number;
  outbox_key: string | null;
}

/** The report log in SQLite: the `monthly_reports` table. */
export class SqliteReportLog implements Synchronous<ReportLog> {
  constructor(private readonly db: Database.Database) {}

  get(month: string): ProducedReport | undefined {
    const row = this.db.prepare('SELECT * FROM monthly_reports WHERE month = ?').get(month) as Row | undefined;
    return row === undefined ? undefined : { month: row.month, dueMs: row.due_ms, producedMs: row.produced_ms, outboxKey: row.outbox_key };
  }

  /** Records (or, for a forced rebuild, updates) a produced month. */
  record(report: ProducedReport): void {
    this.db
      .prepare(
        `INSERT INTO monthly_reports (month, due_ms, produced_ms, outbox_key) VALUES (?, ?, ?, ?)
         ON CONFLICT (month) DO UPDATE SET due_ms = COALESCE(excluded.due_ms, due_ms), produced_ms = excluded.produced_ms,
           outbox_key = COALESCE(excluded.outbox_key, outbox_key)`,
      )
      .run(report.month, report.dueMs, report.producedMs, report.outboxKey);
  }
}
