import type { Correction } from '../../domain/correction.js';
import { correctionFromRow, correctionHistory, parseCorrectionId, type CorrectionRow } from '../correction-rows.js';
import type { CorrectionAudit, CorrectionHistoryEntry, CorrectionStore, StoredCorrection } from '../correction-store.js';
import type { Queryable } from './connection.js';

/** The corrections in PostgreSQL: the `corrections` table, one row per correction with its addition and deletion. */
export class PostgresCorrectionStore implements CorrectionStore {
  constructor(private readonly db: Queryable) {}

  async add(correction: Omit<Correction, 'id'>, audit: CorrectionAudit): Promise<StoredCorrection> {
    const { rows } = await this.db.query<CorrectionRow>(
      'INSERT INTO corrections (scope, timing, category, reason, author, created_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *',
      [JSON.stringify(correction.scope), JSON.stringify(correction.timing), correction.category, correction.reason, audit.author, audit.atMs],
    );
    return correctionFromRow(rows[0]!);
  }

  async list(): Promise<StoredCorrection[]> {
    return (await this.db.query<CorrectionRow>('SELECT * FROM corrections WHERE deleted_ms IS NULL ORDER BY id')).rows.map(correctionFromRow);
  }

  async get(id: string): Promise<StoredCorrection | undefined> {
    const rowId = parseCorrectionId(id);
    if (rowId === undefined) return undefined;
    const { rows } = await this.db.query<CorrectionRow>('SELECT * FROM corrections WHERE id = $1', [rowId]);
    return rows[0] === undefined ? undefined : correctionFromRow(rows[0]);
  }

  async remove(id: string, audit: CorrectionAudit & { reason?: string }): Promise<boolean> {
    const rowId = parseCorrectionId(id);
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
    return correctionHistory((await this.db.query<CorrectionRow>('SELECT * FROM corrections ORDER BY id')).rows.map(correctionFromRow));
  }

}
