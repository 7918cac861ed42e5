import type Database from 'better-sqlite3';
import type { Correction, CorrectionCategory, CorrectionScope, CorrectionTiming } from '../../domain/correction.js';
import type { CorrectionAudit, CorrectionHistoryEntry, CorrectionStore, StoredCorrection } from '../correction-store.js';
import type { Synchronous } from './synchronous.js';

interface Row {
  id: number;
  scope: string;
  timing: string;
  category: string;
  reason: string;
  author: string;
  created_ms: number;
  deleted_ms: number | null;
  deleted_by: string | null;
  delete_reason: string | null;
}

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
    return (this.db.prepare('SELECT * FROM corrections WHERE deleted_ms IS NULL ORDER BY id').all() as Row[]).map(fromRow);
  }

  get(id: string): StoredCorrection | undefined {
    const rowId = parseId(id);
    if (rowId === undefined) return undefined;
    const row = this.db.prepare('SELECT * FROM corrections WHERE id = ?').get(rowId) as Row | undefined;
    return row === undefined ? undefined : fromRow(row);
  }

  remove(id: string, audit: CorrectionAudit & { reason?: string }): boolean {
    const rowId = parseId(id);
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
    const entries: CorrectionHistoryEntry[] = [];
    for (const row of this.db.prepare('SELECT * FROM corrections ORDER BY id').all() as Row[]) {
      const { author, createdMs, deleted, ...correction } = fromRow(row);
      entries.push({ id: correction.id, action: 'add', author, atMs: createdMs, correction });
      if (deleted !== undefined) {
        entries.push({ id: correction.id, action: 'delete', author: deleted.author, atMs: deleted.atMs, ...(deleted.reason === undefined ? {} : { reason: deleted.reason }), correction });
      }
    }
    // Stable: an addition and a deletion at the same instant keep that order.
    return entries.sort((a, b) => a.atMs - b.atMs);
  }
}

function parseId(id: string): number | undefined {
  const match = /^c(\d+)$/.exec(id);
  return match === null ? undefined : Number(match[1]);
}

function fromRow(row: Row): StoredCorrection {
  return {
    id: `c${row.id}`,
    scope: JSON.parse(row.scope) as CorrectionScope,
    timing: JSON.parse(row.timing) as CorrectionTiming,
    category: row.category as CorrectionCategory,
    reason: row.reason,
    author: row.author,
    createdMs: row.created_ms,
    ...(row.deleted_ms === null
      ? {}
      : { deleted: { author: row.deleted_by ?? 'unknown', atMs: row.deleted_ms, ...(row.delete_reason === null ? {} : { reason: row.delete_reason }) } }),
  };
}
