import type { Correction } from '../domain/correction.js';

/** Who made a change to the stored corrections, and when. */
export interface CorrectionAudit {
  author: string;
  atMs: number;
}

/** A correction added at run time, with its audit trail: who added it and, once deleted, who deleted it. */
export interface StoredCorrection extends Correction {
  author: string;
  createdMs: number;
  /** Set once deleted: the correction stays recorded, but no longer applies. */
  deleted?: { author: string; atMs: number; reason?: string };
}

/** One entry of the audit trail: an addition or a deletion, with the correction it concerned. */
export interface CorrectionHistoryEntry {
  id: string;
  action: 'add' | 'delete';
  author: string;
  atMs: number;
  /** Given with a deletion. */
  reason?: string;
  correction: Correction;
}

/**
 * Corrections added at run time (beside the config's). A deletion is recorded, never erased: the
 * correction stops applying, and the history keeps both its addition and its deletion.
 */
export interface CorrectionStore {
  /** Records a new correction; its id ("c1", "c2", …) comes from the store. */
  add(correction: Omit<Correction, 'id'>, audit: CorrectionAudit): Promise<StoredCorrection>;
  /** The active corrections (not deleted), oldest first. */
  list(): Promise<StoredCorrection[]>;
  /** A stored correction by id, deleted or not; undefined when there is none. */
  get(id: string): Promise<StoredCorrection | undefined>;
  /** Marks an active correction deleted; false when there is no active correction `id`. */
  remove(id: string, audit: CorrectionAudit & { reason?: string }): Promise<boolean>;
  /** Changes whenever a correction is added or deleted (by this process or another): a cheap check before reading again. */
  revision(): Promise<string>;
  /** Every addition and deletion, in the order they happened. */
  history(): Promise<CorrectionHistoryEntry[]>;
}
