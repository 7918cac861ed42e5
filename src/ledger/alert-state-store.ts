import type { AlertKind, AlertRecord } from '../domain/alert-state.js';

/** Burn-rate and no-data alert state, one record per SLO and alert kind, so a restart never re-sends a notification. */
export interface AlertStateStore {
  /** Every stored record, by SLO then kind. */
  all(): AlertRecord[];
  get(slo: string, kind: AlertKind): AlertRecord | undefined;
  save(record: AlertRecord): void;
}
