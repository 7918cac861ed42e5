import type { Correction, CorrectionCategory, CorrectionScope, CorrectionTiming } from '../../domain/correction.js';
import type { CorrectionAudit, CorrectionHistoryEntry, CorrectionStore, StoredCorrection } from '../correction-store.js';
import type { Queryable } from './connection.js';

interface Row {
  id: string;
  scope: string;
  timing: string;
  category: string;
  reason: string;
  author: string;
  created_ms: string;
  deleted_ms: string | null;
  deleted_by: string | null;
  delete_reason: string | null;
}

/** The corrections in PostgreSQL: the `corrections` table, one row per correction with its addition and deletion. */
export class PostgresCorrectionStore implements CorrectionStore {
  constructor(private readonly db: Queryable) {}

  async add(correction: Omit<Correction, 'id'>, audit: CorrectionAudit): Promise<StoredCorrection> {
    const { rows } = await this.db.query<Row>(
      'INSERT INTO corrections (scope, timing, category, reason, author, created_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *',
      [JSON.stringify(correction.scope), JSON.stringify(correction.timing), correction.category, correction.reason, audit.author, audit.atMs],
    );
    return fromRow(rows[0]!);
  }

  async list(): Promise<StoredCorrection[]> {
    return (await this.db.query<Row>('SELECT * FROM corrections WHERE deleted_ms IS NULL ORDER BY id')).rows.map(fromRow);
  }

  async get(id: string): Promise<StoredCorrection | undefined> {
    const rowId = parseId(id);
    if (rowId === undefined) return undefined;
    const { rows } = await this.db.query<Row>('SELECT * FROM corrections WHERE id = $1', [rowId]);
    return rows[0] === undefined ? undefined : fromRow(rows[0]);
  }

  async remove(id: string, audit: CorrectionAudit & { reason?: string }): Promise<boolean> {
    const rowId = parseId(id);
    if (rowId === undefined) return false;
    const result = await this.db.query(
      'UPDATE corrections SET deleted_ms = $1, deleted_by = $2, delete_reason = $3 WHERE id = $4 AND deleted_ms IS NULL',
      [audit.atMs, audit.author, audit.reason ?? null, rowId],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async revision(): Promise<string> {
    const { rows } = await this.db.query<{ n: number; last: string; deleted: number }>(
      'SELECT COUNT(*)::int AS n, COALESCE(MAX(id), 0) AS last, COUNT(deleted_ms)::int AS deleted FROM corrections',
    );
    const row = rows[0]!;
    return `${row.n}:${Number(row.last)}:${row.deleted}`;
  }

  async history(): Promise<CorrectionHistoryEntry[]> {
    const entries: CorrectionHistoryEntry[] = [];
    for (const row of (await this.db.query<Row>('SELECT * FROM corrections ORDER BY id')).rows) {
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
    createdMs: Number(row.created_ms),
    ...(row.deleted_ms === null
      ? {}
      : { deleted: { author: row.deleted_by ?? 'unknown', atMs: Number(row.deleted_ms), ...(row.delete_reason === null ? {} : { reason: row.delete_reason }) } }),
  };
}
