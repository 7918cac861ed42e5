import type { CorrectionCategory } from './correction.js';
import type { GroupLabels, Tier } from './slo.js';

/** The figures of one SLO (or one group of a grouped SLO) over a stated month. */
export interface StatedFigures {
  good: number;
  total: number;
  sliRatio: number | null;
  consumedRatio: number | null;
  coverageRatio: number;
  tier: Tier;
}

/** One SLO of a statement: its figures, and a grouped SLO's groups. */
export interface StatedSlo extends StatedFigures {
  slo: string;
  groups?: Array<StatedFigures & { labels: GroupLabels }>;
}

/** A correction as it stood when a statement was made, to tell later which ones were added, deleted or changed. */
export interface StatedCorrection {
  id: string;
  source: 'config' | 'ledger';
  category: CorrectionCategory;
  reason: string;
  /** The correction's scope and timing as JSON: a config correction edited since has another. */
  fingerprint: string;
}

/** A report file as it was produced, by its hash. */
export interface StatedFile {
  name: string;
  sha256: string;
  bytes: number;
}

/**
 * A month's figures as produced and sent: immutable once recorded. The first version is the
 * original; a restatement adds the next version, and every version stays.
 */
export interface Statement {
  /** YYYY-MM. */
  month: string;
  version: number;
  kind: 'original' | 'restated';
  producedMs: number;
  /** sha256 of the stated figures (their canonical JSON). */
  contentHash: string;
  slos: StatedSlo[];
  corrections: StatedCorrection[];
  files: StatedFile[];
  /** The Message-ID of the mail that carried it; null when no mail was sent (no email configured). */
  messageId: string | null;
}

/** Why a figure changed since the statement. */
export type ChangeCause =
  | {
      kind: 'correction-added' | 'correction-deleted' | 'correction-changed';
      id: string;
      source: 'config' | 'ledger';
      category: string;
      reason: string;
      /** Who added (or deleted) it, and when; absent for the config's. */
      by?: { author: string; changedAtMs: number };
      /** The time it excludes (or excluded) in the month, and the events of those buckets as fetched. */
      excludedMs: number;
      good: number;
      bad: number;
    }
  | { kind: 'reconciliation'; startMs: number; endMs: number; good: number; total: number; reconciledAtMs: number }
  | { kind: 'late-data'; buckets: number; good: number; total: number }
  | { kind: 'definition'; text: string };

/** One SLO (or group) whose figures differ from the statement, with the causes found. */
export interface FigureChange {
  slo: string;
  group?: GroupLabels;
  stated: StatedFigures | null;
  now: StatedFigures | null;
  causes: ChangeCause[];
}
