import type Database from 'better-sqlite3';
import type { AlertKind, AlertRecord } from '../../domain/alert-state.js';
import { groupKey, type GroupLabels } from '../../domain/slo.js';
import type { AlertStateStore } from '../alert-state-store.js';
import type { Synchronous } from './synchronous.js';

interface Row {
  slo: string;
  group_key: string;
  group_labels: string | null;
  kind: AlertKind;
  phase: AlertRecord['phase'];
  severity: AlertRecord['severity'];
  firing_since_ms: number | null;
  last_notified_ms: number | null;
  resolved_ms: number | null;
  evaluated_ms: number;
  observed: AlertRecord['observed'];
}

/** Alert state in SQLite: the `alert_state` table, one row per SLO (or group of one) and alert kind. */
export class SqliteAlertStateStore implements Synchronous<AlertStateStore> {
  // Prepared once: a tick gets and saves two states per SLO or group, thousands for a large config.
  private readonly getOne: Database.Statement;
  private readonly upsert: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.getOne = db.prepare('SELECT * FROM alert_state WHERE slo = ? AND group_key = ? AND kind = ?');
    this.upsert = db.prepare(
      `INSERT INTO alert_state (slo, group_key, group_labels, kind, phase, severity, firing_since_ms, last_notified_ms, resolved_ms, evaluated_ms, observed)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (slo, group_key, kind) DO UPDATE SET phase = excluded.phase, severity = excluded.severity,
         firing_since_ms = excluded.firing_since_ms, last_notified_ms = excluded.last_notified_ms,
         resolved_ms = excluded.resolved_ms, evaluated_ms = excluded.evaluated_ms, observed = excluded.observed`,
    );
  }

  all(): AlertRecord[] {
    return (this.db.prepare('SELECT * FROM alert_state ORDER BY slo, group_key, kind').all() as Row[]).map(toRecord);
  }

  get(slo: string, kind: AlertKind, group?: GroupLabels): AlertRecord | undefined {
    const key = group === undefined ? '' : groupKey(group);
    const row = this.getOne.get(slo, key, kind) as Row | undefined;
    return row === undefined ? undefined : toRecord(row);
  }

  save(record: AlertRecord): void {
    this.upsert
      .run(
        record.slo, record.group === undefined ? '' : groupKey(record.group), record.group === undefined ? null : JSON.stringify(record.group),
        record.kind, record.phase, record.severity, record.firingSinceMs, record.lastNotifiedMs, record.resolvedMs, record.evaluatedMs, record.observed,
      );
  }
}

function toRecord(row: Row): AlertRecord {
  return {
    slo: row.slo,
    ...(row.group_labels === null ? {} : { group: JSON.parse(row.group_labels) as GroupLabels }),
    kind: row.kind,
    phase: row.phase,
    severity: row.severity,
    firingSinceMs: row.firing_since_ms,
    lastNotifiedMs: row.last_notified_ms,
    resolvedMs: row.resolved_ms,
    evaluatedMs: row.evaluated_ms,
    observed: row.observed,
  };
}
