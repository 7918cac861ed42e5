import type { AlertKind, AlertRecord } from '../domain/alert-state.js';
import type { GroupLabels } from '../domain/slo.js';

/**
 * Burn-rate and no-data alert state, one record per SLO (and per group of a grouped SLO) and alert
 * kind, so a restart never re-sends a notification.
 */
export interface AlertStateStore {
  /** Every stored record, by SLO, then group (the SLO's own first), then kind. */
  all(): Promise<AlertRecord[]>;
  /** The record of an SLO's own alert, or of one group's. */
  get(slo: string, kind: AlertKind, group?: GroupLabels): Promise<AlertRecord | undefined>;
  save(record: AlertRecord): Promise<void>;
}
