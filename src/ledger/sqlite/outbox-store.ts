import type Database from 'better-sqlite3';
import type { NewDelivery, OutboxChannel, OutboxEntry, OutboxStatus, OutboxStore } from '../outbox-store.js';
import type { Synchronous } from './synchronous.js';

interface Row {
  id: number;
  idempotency_key: string;
  channel: OutboxChannel;
  payload: string;
  status: OutboxStatus;
  attempts: number;
  next_attempt_ms: number;
  deadline_ms: number;
  last_error: string | null;
  created_ms: number;
  sent_ms: number | null;
}

/** The outbox in SQLite: the `outbox` table, one row per idempotency key. */
export class SqliteOutboxStore implements Synchronous<OutboxStore> {
  constructor(private readonly db: Database.Database) {}

  /**
   * Records a delivery unless one with the same key exists; returns the entry and whether it is new.
   * A key already sent, failed or dropped is not queued again (use `requeue` to force a resend).
   */
  enqueue(delivery: NewDelivery): { entry: OutboxEntry; created: boolean } {
    const result = this.db
      .prepare(
        `INSERT INTO outbox (idempotency_key, channel, payload, status, next_attempt_ms, deadline_ms, created_ms)
         VALUES (?, ?, ?, 'pending', ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING`,
      )
      .run(delivery.key, delivery.channel, JSON.stringify(delivery.payload), delivery.nowMs, delivery.deadlineMs, delivery.nowMs);
    return { entry: this.byKey(delivery.key)!, created: result.changes > 0 };
  }

  /** Puts an existing delivery back to pending with a new payload and deadline (e.g. `report --force`). */
  requeue(delivery: NewDelivery): OutboxEntry {
    this.db
      .prepare(
        `INSERT INTO outbox (idempotency_key, channel, payload, status, next_attempt_ms, deadline_ms, created_ms)
         VALUES (?, ?, ?, 'pending', ?, ?, ?)
         ON CONFLICT (idempotency_key) DO UPDATE SET channel = excluded.channel, payload = excluded.payload, status = 'pending',
           attempts = 0, next_attempt_ms = excluded.next_attempt_ms, deadline_ms = excluded.deadline_ms, last_error = NULL, sent_ms = NULL`,
      )
      .run(delivery.key, delivery.channel, JSON.stringify(delivery.payload), delivery.nowMs, delivery.deadlineMs, delivery.nowMs);
    return this.byKey(delivery.key)!;
  }

  /** Pending deliveries whose next attempt is due at `nowMs`, oldest first. */
  due(nowMs: number, limit = 100): OutboxEntry[] {
    const rows = this.db
      .prepare("SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_ms <= ? ORDER BY next_attempt_ms, id LIMIT ?")
      .all(nowMs, limit) as Row[];
    return rows.map(toEntry);
  }

  /** Every entry, newest first, optionally of one status. */
  list(status?: OutboxStatus): OutboxEntry[] {
    const rows = (
      status === undefined
        ? this.db.prepare('SELECT * FROM outbox ORDER BY id DESC').all()
        : this.db.prepare('SELECT * FROM outbox WHERE status = ? ORDER BY id DESC').all(status)
    ) as Row[];
    return rows.map(toEntry);
  }

  byId(id: number): OutboxEntry | undefined {
    const row = this.db.prepare('SELECT * FROM outbox WHERE id = ?').get(id) as Row | undefined;
    return row === undefined ? undefined : toEntry(row);
  }

  byKey(key: string): OutboxEntry | undefined {
    const row = this.db.prepare('SELECT * FROM outbox WHERE idempotency_key = ?').get(key) as Row | undefined;
    return row === undefined ? undefined : toEntry(row);
  }

  /** Pending deliveries (the backlog /metrics shows). */
  backlog(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending'").get() as { n: number }).n;
  }

  /**
   * Claims a due delivery for one attempt by moving its next attempt to `leaseUntilMs`: a second
   * process (the service and `outbox retry`) cannot claim it meanwhile, and a crash mid-send leaves
   * it to be retried after the lease. False when it was not due or not pending any more.
   */
  claim(id: number, nowMs: number, leaseUntilMs: number): boolean {
    return (
      this.db
        .prepare("UPDATE outbox SET next_attempt_ms = ? WHERE id = ? AND status = 'pending' AND next_attempt_ms <= ?")
        .run(leaseUntilMs, id, nowMs).changes > 0
    );
  }

  markSent(id: number, nowMs: number): void {
    this.db.prepare("UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_ms = ?, last_error = NULL WHERE id = ?").run(nowMs, id);
  }

  /** Records a failed attempt: retried at `nextAttemptMs`, or failed for good when that is null. */
  markAttemptFailed(id: number, error: string, nextAttemptMs: number | null): void {
    if (nextAttemptMs === null) {
      this.db.prepare("UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?").run(error, id);
    } else {
      this.db.prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_ms = ? WHERE id = ?').run(error, nextAttemptMs, id);
    }
  }

  /**
   * Makes deliveries due now, ignoring their backoff: one by id, or every pending one. A failed
   * entry retried by id becomes pending again with its deadline moved to `deadlineMs`.
   * Returns how many entries were made due.
   */
  retryNow(target: number | 'all', nowMs: number, deadlineMs: number): number {
    if (target === 'all') {
      return this.db.prepare("UPDATE outbox SET next_attempt_ms = ? WHERE status = 'pending'").run(nowMs).changes;
    }
    return this.db
      .prepare(
        `UPDATE outbox SET status = 'pending', next_attempt_ms = ?,
           deadline_ms = CASE WHEN status = 'failed' THEN ? ELSE deadline_ms END
         WHERE id = ? AND status IN ('pending', 'failed')`,
      )
      .run(nowMs, deadlineMs, target).changes;
  }

  /** Drops a pending or failed delivery so it is never attempted again; false when there was none to drop. */
  drop(id: number): boolean {
    return this.db.prepare("UPDATE outbox SET status = 'dropped' WHERE id = ? AND status IN ('pending', 'failed')").run(id).changes > 0;
  }
}

function toEntry(row: Row): OutboxEntry {
  return {
    id: row.id,
    key: row.idempotency_key,
    channel: row.channel,
    payload: JSON.parse(row.payload) as unknown,
    status: row.status,
    attempts: row.attempts,
    nextAttemptMs: row.next_attempt_ms,
    deadlineMs: row.deadline_ms,
    lastError: row.last_error,
    createdMs: row.created_ms,
    sentMs: row.sent_ms,
  };
}
