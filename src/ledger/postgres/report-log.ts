import type { ProducedReport, ReportLog } from '../report-log.js';
import type { Queryable } from './connection.js';

/** The report log in PostgreSQL: the `monthly_reports` table. */
export class PostgresReportLog implements ReportLog {
  constructor(private readonly db: Queryable) {}

  async get(month: string): Promise<ProducedReport | undefined> {
    const { rows } = await this.db.query<{ month: string; due_ms: string | null; produced_ms: string; outbox_key: string | null }>('SELECT * FROM monthly_reports WHERE month = $1', [month]);
    const row = rows[0];
    return row === undefined ? undefined : { month: row.month, dueMs: row.due_ms === null ? null : Number(row.due_ms), producedMs: Number(row.produced_ms), outboxKey: row.outbox_key };
  }

  async record(report: ProducedReport): Promise<void> {
    await this.db.query(
      `INSERT INTO monthly_reports (month, due_ms, produced_ms, outbox_key) VALUES ($1, $2, $3, $4)
       ON CONFLICT (month) DO UPDATE SET due_ms = COALESCE(excluded.due_ms, monthly_reports.due_ms), produced_ms = excluded.produced_ms,
         outbox_key = COALESCE(excluded.outbox_key, monthly_reports.outbox_key)`,
      [report.month, report.dueMs, report.producedMs, report.outboxKey],
    );
  }
}
