import type Database from 'better-sqlite3';
import type { Correction } from '../../domain/correction.js';
import type { CorrectionAudit, CorrectionHistoryEntry, CorrectionStore, StoredCorrection } from '../correction-store.js';
import { correctionFromRow, correctionHistory, parseCorrectionId, type CorrectionRow } from '../correction-rows.js';
import type { Synchronous } from './synchronous.js';


/** The corrections in SQLite: the `corrections` table, one row per correction with its addition and deletion. */
export class SqliteCorrectionStore implements Synchronous<CorrectionStore> {
  private revisionQuery: Database.Statement | undefined;

  constructor(private readonly db: Database.Database) {}

  add(correction: Omit<Correction, 'id'>, audit: CorrectionAudit): StoredCorrection {
    const result = this.db
      .prepare('INSERT INTO corrections (scope, timing, category, reason, author, created_ms) VALUES (?, ?, ?, ?, ?, ?)')
      .run(JSON.stringify(correction.scope), JSON.stringify(correction.timing), correction.category, correction.reason, audit.author, audit.atMs);
    return this.get(`c${Number(result.lastInsertRowid)}`)!;
  }

  list(): StoredCorrection[] {
    return (this.db.prepare('SELECT * FROM corrections WHERE deleted_ms IS NULL ORDER BY id').all() as CorrectionRow[]).map(correctionFromRow);
  }

  get(id: string): StoredCorrection | undefined {
    const rowId = parseCorrectionId(id);
    if (rowId === undefined) return undefined;
    const row = this.db.prepare('SELECT * FROM corrections WHERE id = ?').get(rowId) as CorrectionRow | undefined;
    return row === undefined ? undefined : correctionFromRow(row);
  }

  remove(id: string, audit: CorrectionAudit & { reason?: string }): boolean {
    const rowId = parseCorrectionId(id);
    if (rowId === undefined) return false;
    const result = this.db
      .prepare('UPDATE corrections SET deleted_ms = ?, deleted_by = ?, delete_reason = ? WHERE id = ? AND deleted_ms IS NULL')
      .run(audit.atMs, audit.author, audit.reason ?? null, rowId);
    return result.changes > 0;
  }

  revision(): string {
    this.revisionQuery ??= this.db.prepare('SELECT COUNT(*) AS n, COALESCE(MAX(id), 0) AS last, COUNT(deleted_ms) AS deleted FROM corrections');
    const row = this.revisionQuery.get() as { n: number; last: number; deleted: number };
    return `${row.n}:${row.last}:${row.deleted}`;
  }

  history(): CorrectionHistoryEntry[] {
    return correctionHistory((this.db.prepare('SELECT * FROM corrections ORDER BY id').all() as CorrectionRow[]).map(correctionFromRow));
  }
}
