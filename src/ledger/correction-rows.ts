import type { CorrectionCategory, CorrectionScope, CorrectionTiming } from '../domain/correction.js';
import type { CorrectionHistoryEntry, StoredCorrection } from './correction-store.js';

/** A row of the `corrections` table as either engine returns it (PostgreSQL gives bigints as text). */
export interface CorrectionRow {
  id: number | string;
  scope: string;
  timing: string;
  category: string;
  reason: string;
  author: string;
  created_ms: number | string;
  deleted_ms: number | string | null;
  deleted_by: string | null;
  delete_reason: string | null;
}

/** The row number of a correction id ("c12" → 12); undefined for anything else. */
export function parseCorrectionId(id: string): number | undefined {
  const match = /^c(\d+)$/.exec(id);
  return match === null ? undefined : Number(match[1]);
}

export function correctionFromRow(row: CorrectionRow): StoredCorrection {
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

/** The audit trail of every correction, oldest first: each addition, and each deletion after it. */
export function correctionHistory(corrections: readonly StoredCorrection[]): CorrectionHistoryEntry[] {
  const entries: CorrectionHistoryEntry[] = [];
  for (const stored of corrections) {
    const { author, createdMs, deleted, ...correction } = stored;
    entries.push({ id: correction.id, action: 'add', author, atMs: createdMs, correction });
    if (deleted !== undefined) {
      entries.push({ id: correction.id, action: 'delete', author: deleted.author, atMs: deleted.atMs, ...(deleted.reason === undefined ? {} : { reason: deleted.reason }), correction });
    }
  }
  // Stable: an addition and a deletion at the same instant keep that order.
  return entries.sort((a, b) => a.atMs - b.atMs);
}
