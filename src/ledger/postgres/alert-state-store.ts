import type { AlertKind, AlertRecord } from '../../domain/alert-state.js';
import { groupKey, type GroupLabels } from '../../domain/slo.js';
import type { Queryable } from './connection.js';
import type { AlertStateStore } from '../alert-state-store.js';

interface Row {
  slo: string;
  group_key: string;
  group_labels: string | null;
  kind: AlertKind;
  phase: AlertRecord['phase'];
  severity: AlertRecord['severity'];
  firing_since_ms: string | null;
  last_notified_ms: string | null;
  resolved_ms: string | null;
  evaluated_ms: string;
  observed: AlertRecord['observed'];
}

/** Alert state in PostgreSQL: the `alert_state` table, one row per SLO (or group of one) and alert kind. */
export class PostgresAlertStateStore implements AlertStateStore {
  constructor(private readonly db: Queryable) {}

  async all(): Promise<AlertRecord[]> {
    // COLLATE "C": SQLite's byte order, so both engines list alike.
    return (await this.db.query<Row>('SELECT * FROM alert_state ORDER BY slo COLLATE "C", group_key COLLATE "C", kind COLLATE "C"')).rows.map(toRecord);
  }

  async get(slo: string, kind: AlertKind, group?: GroupLabels): Promise<AlertRecord | undefined> {
    const { rows } = await this.db.query<Row>('SELECT * FROM alert_state WHERE slo = $1 AND group_key = $2 AND kind = $3', [slo, group === undefined ? '' : groupKey(group), kind]);
    return rows[0] === undefined ? undefined : toRecord(rows[0]);
  }

  async save(record: AlertRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO alert_state (slo, group_key, group_labels, kind, phase, severity, firing_since_ms, last_notified_ms, resolved_ms, evaluated_ms, observed)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (slo, group_key, kind) DO UPDATE SET phase = excluded.phase, severity = excluded.severity,
         firing_since_ms = excluded.firing_since_ms, last_notified_ms = excluded.last_notified_ms,
         resolved_ms = excluded.resolved_ms, evaluated_ms = excluded.evaluated_ms, observed = excluded.observed`,
      [
        record.slo, record.group === undefined ? '' : groupKey(record.group), record.group === undefined ? null : JSON.stringify(record.group),
        record.kind, record.phase, record.severity, record.firingSinceMs, record.lastNotifiedMs, record.resolvedMs, record.evaluatedMs, record.observed,
      ],
    );
  }
}

const optionalMs = (value: string | null) => (value === null ? null : Number(value));

function toRecord(row: Row): AlertRecord {
  return {
    slo: row.slo,
    ...(row.group_labels === null ? {} : { group: JSON.parse(row.group_labels) as GroupLabels }),
    kind: row.kind,
    phase: row.phase,
    severity: row.severity,
    firingSinceMs: optionalMs(row.firing_since_ms),
    lastNotifiedMs: optionalMs(row.last_notified_ms),
    resolvedMs: optionalMs(row.resolved_ms),
    evaluatedMs: Number(row.evaluated_ms),
    observed: row.observed,
  };
}
