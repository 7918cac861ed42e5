import { describeNoSeries } from '../app/sync-ledger.js';
import type { SyncRunRecord } from './ports.js';

/** What /readyz answers: ready, or not with the reasons. */
export interface Readiness {
  ready: boolean;
  reasons: string[];
}

/** The facts readiness is decided from. */
export interface ReadinessFacts {
  /** Undefined when the database answered; else its error. */
  databaseError?: string;
  lastRun?: SyncRunRecord;
  lastSuccessMs?: number;
  nowMs: number;
  maxSyncAgeMs: number;
}

/**
 * Ready when the database answers, a sync has succeeded within `maxSyncAgeMs`, and the last sync
 * reached Prometheus for every SLO and found data for each. Each failed condition is one reason,
 * so an operator sees all.
 */
export function assessReadiness(facts: ReadinessFacts): Readiness {
  const reasons: string[] = [];
  if (facts.databaseError !== undefined) reasons.push(`database: ${facts.databaseError}`);
  if (facts.lastSuccessMs === undefined) {
    reasons.push(facts.lastRun === undefined ? 'sync: the first sync has not finished yet' : 'sync: no sync has succeeded yet');
  } else if (facts.nowMs - facts.lastSuccessMs > facts.maxSyncAgeMs) {
    reasons.push(`sync: the last successful sync was ${Math.round((facts.nowMs - facts.lastSuccessMs) / 1000)} s ago (limit ${Math.round(facts.maxSyncAgeMs / 1000)} s)`);
  }
  const run = facts.lastRun;
  if (run !== undefined && !run.ok) {
    if (run.error !== undefined) reasons.push(`prometheus: the last sync failed: ${run.error}`);
    for (const f of run.failures) reasons.push(`prometheus: ${f.slo}: ${f.error}`);
  }
  for (const s of run?.noSeries ?? []) reasons.push(`prometheus: ${s.slo}: ${describeNoSeries(s)}`);
  return { ready: reasons.length === 0, reasons };
}
