import type { BurnRateSeverity } from './burn-rate.js';
import type { GroupLabels } from './slo.js';

/** The two alerts every SLO has: its burn rate, and its metric going missing. */
export type AlertKind = 'burn-rate' | 'no-data';

/** Where an alert is in its life: never fired, firing now, or fired and over. */
export type AlertPhase = 'inactive' | 'firing' | 'resolved';

/** What one evaluation saw: the condition holds (with a severity), does not, or cannot be told. */
export type AlertObservation =
  | { state: 'firing'; severity: BurnRateSeverity }
  | { state: 'clear' }
  | { state: 'unknown' };

/** Why a notification goes out. */
export type AlertTransition = 'firing' | 'escalated' | 'deescalated' | 'reminder' | 'resolved';

/** The remembered state of one alert of one SLO, or of one group of a grouped SLO (kept in SQLite so it survives restarts). */
export interface AlertRecord {
  slo: string;
  /** Absent for the SLO's own alert. */
  group?: GroupLabels;
  kind: AlertKind;
  phase: AlertPhase;
  /** The severity while firing; the last one once resolved; null before the first firing. */
  severity: BurnRateSeverity | null;
  /** When the current (or last) firing started. */
  firingSinceMs: number | null;
  /** When the last notification (of any transition) was decided. */
  lastNotifiedMs: number | null;
  /** When it last resolved. */
  resolvedMs: number | null;
  /** The last evaluation instant, and what it saw. */
  evaluatedMs: number;
  observed: AlertObservation['state'];
}

/** The outcome of one step: the new record and the notification it calls for, if any. */
export interface AlertStep {
  record: AlertRecord;
  notify: { transition: AlertTransition; previousSeverity: BurnRateSeverity | null } | null;
}

const SEVERITY_RANK: Record<BurnRateSeverity, number> = { ticket: 1, page: 2 };

/**
 * Advances one alert by one evaluation (inactive → firing → resolved → firing …) and says whether
 * to notify: when it starts firing, when its severity changes, every `repeatIntervalMs` while it
 * keeps firing, and once when it resolves. An `unknown` observation (too little data to tell)
 * changes nothing and sends nothing, so missing data neither starts nor ends an alert. An
 * evaluation at or before the last one is ignored: a replayed or repeated tick never notifies twice.
 */
export function stepAlert(
  previous: AlertRecord | undefined,
  identity: { slo: string; kind: AlertKind; group?: GroupLabels },
  observation: AlertObservation,
  atMs: number,
  repeatIntervalMs: number,
): AlertStep {
  const base: AlertRecord = previous ?? {
    ...identity, phase: 'inactive', severity: null, firingSinceMs: null, lastNotifiedMs: null, resolvedMs: null,
    evaluatedMs: Number.NEGATIVE_INFINITY, observed: 'unknown',
  };
  if (atMs <= base.evaluatedMs) return { record: base, notify: null };
  const seen: AlertRecord = { ...base, evaluatedMs: atMs, observed: observation.state };

  if (observation.state === 'unknown') return { record: seen, notify: null };

  if (observation.state === 'clear') {
    if (base.phase !== 'firing') return { record: seen, notify: null };
    return {
      record: { ...seen, phase: 'resolved', resolvedMs: atMs, lastNotifiedMs: atMs },
      notify: { transition: 'resolved', previousSeverity: base.severity },
    };
  }

  const { severity } = observation;
  if (base.phase !== 'firing') {
    return {
      record: { ...seen, phase: 'firing', severity, firingSinceMs: atMs, lastNotifiedMs: atMs, resolvedMs: null },
      notify: { transition: 'firing', previousSeverity: null },
    };
  }
  if (base.severity !== severity) {
    const up = base.severity === null || SEVERITY_RANK[severity] > SEVERITY_RANK[base.severity];
    return {
      record: { ...seen, severity, lastNotifiedMs: atMs },
      notify: { transition: up ? 'escalated' : 'deescalated', previousSeverity: base.severity },
    };
  }
  if (base.lastNotifiedMs === null || atMs - base.lastNotifiedMs >= repeatIntervalMs) {
    return { record: { ...seen, lastNotifiedMs: atMs }, notify: { transition: 'reminder', previousSeverity: severity } };
  }
  return { record: seen, notify: null };
}

/**
 * The idempotency key of a notification: SLO, alert, transition, severity and the instant it was
 * decided at. The same decision always gets the same key, so the outbox never sends it twice.
 */
export function alertNotificationKey(slo: string, kind: AlertKind, transition: AlertTransition, severity: BurnRateSeverity | null, atMs: number): string {
  return `alert/${slo}/${kind}/${transition}/${severity ?? 'none'}/${new Date(atMs).toISOString()}`;
}
