import type { NewDelivery, OutboxChannel, OutboxEntry, OutboxStatus, OutboxStore } from '../outbox-store.js';
import type { Queryable } from './connection.js';

interface Row {
  id: string;
  idempotency_key: string;
  channel: OutboxChannel;
  payload: string;
  status: OutboxStatus;
  attempts: number;
  next_attempt_ms: string;
  deadline_ms: string;
  last_error: string | null;
  created_ms: string;
  sent_ms: string | null;
}

/** The outbox in PostgreSQL: the `outbox` table, one row per idempotency key (as in SQLite). */
export class PostgresOutboxStore implements OutboxStore {
  constructor(private readonly db: Queryable) {}

  async enqueue(delivery: NewDelivery): Promise<{ entry: OutboxEntry; created: boolean }> {
    const result = await this.db.query(
      `INSERT INTO outbox (idempotency_key, channel, payload, status, next_attempt_ms, deadline_ms, created_ms)
       VALUES ($1, $2, $3, 'pending', $4, $5, $4) ON CONFLICT (idempotency_key) DO NOTHING`,
      [delivery.key, delivery.channel, JSON.stringify(delivery.payload), delivery.nowMs, delivery.deadlineMs],
    );
    return { entry: (await this.byKey(delivery.key))!, created: (result.rowCount ?? 0) > 0 };
  }

  async requeue(delivery: NewDelivery): Promise<OutboxEntry> {
    await this.db.query(
      `INSERT INTO outbox (idempotency_key, channel, payload, status, next_attempt_ms, deadline_ms, created_ms)
       VALUES ($1, $2, $3, 'pending', $4, $5, $4)
       ON CONFLICT (idempotency_key) DO UPDATE SET channel = excluded.channel, payload = excluded.payload, status = 'pending',
         attempts = 0, next_attempt_ms = excluded.next_attempt_ms, deadline_ms = excluded.deadline_ms, last_error = NULL, sent_ms = NULL`,
      [delivery.key, delivery.channel, JSON.stringify(delivery.payload), delivery.nowMs, delivery.deadlineMs],
    );
    return (await this.byKey(delivery.key))!;
  }

  async due(nowMs: number, limit = 100): Promise<OutboxEntry[]> {
    const { rows } = await this.db.query<Row>("SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_ms <= $1 ORDER BY next_attempt_ms, id LIMIT $2", [nowMs, limit]);
    return rows.map(toEntry);
  }

  async list(status?: OutboxStatus): Promise<OutboxEntry[]> {
    const { rows } =
      status === undefined
        ? await this.db.query<Row>('SELECT * FROM outbox ORDER BY id DESC')
        : await this.db.query<Row>('SELECT * FROM outbox WHERE status = $1 ORDER BY id DESC', [status]);
    return rows.map(toEntry);
  }

  async byId(id: number): Promise<OutboxEntry | undefined> {
    const { rows } = await this.db.query<Row>('SELECT * FROM outbox WHERE id = $1', [id]);
    return rows[0] === undefined ? undefined : toEntry(rows[0]);
  }

  async byKey(key: string): Promise<OutboxEntry | undefined> {
    const { rows } = await this.db.query<Row>('SELECT * FROM outbox WHERE idempotency_key = $1', [key]);
    return rows[0] === undefined ? undefined : toEntry(rows[0]);
  }

  async backlog(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM outbox WHERE status = 'pending'");
    return rows[0]!.n;
  }

  async claim(id: number, nowMs: number, leaseUntilMs: number): Promise<boolean> {
    const result = await this.db.query("UPDATE outbox SET next_attempt_ms = $1 WHERE id = $2 AND status = 'pending' AND next_attempt_ms <= $3", [leaseUntilMs, id, nowMs]);
    return (result.rowCount ?? 0) > 0;
  }

  async markSent(id: number, nowMs: number): Promise<void> {
    await this.db.query("UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_ms = $1, last_error = NULL WHERE id = $2", [nowMs, id]);
  }

  async markAttemptFailed(id: number, error: string, nextAttemptMs: number | null): Promise<void> {
    if (nextAttemptMs === null) await this.db.query("UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = $1 WHERE id = $2", [error, id]);
    else await this.db.query('UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt_ms = $2 WHERE id = $3', [error, nextAttemptMs, id]);
  }

  async retryNow(target: number | 'all', nowMs: number, deadlineMs: number): Promise<number> {
    if (target === 'all') return (await this.db.query("UPDATE outbox SET next_attempt_ms = $1 WHERE status = 'pending'", [nowMs])).rowCount ?? 0;
    const result = await this.db.query(
      `UPDATE outbox SET status = 'pending', next_attempt_ms = $1,
         deadline_ms = CASE WHEN status = 'failed' THEN $2 ELSE deadline_ms END
       WHERE id = $3 AND status IN ('pending', 'failed')`,
      [nowMs, deadlineMs, target],
    );
    return result.rowCount ?? 0;
  }

  async drop(id: number): Promise<boolean> {
    return ((await this.db.query("UPDATE outbox SET status = 'dropped' WHERE id = $1 AND status IN ('pending', 'failed')", [id])).rowCount ?? 0) > 0;
  }
}

function toEntry(row: Row): OutboxEntry {
  return {
    id: Number(row.id),
    key: row.idempotency_key,
    channel: row.channel,
    payload: JSON.parse(row.payload) as unknown,
    status: row.status,
    attempts: row.attempts,
    nextAttemptMs: Number(row.next_attempt_ms),
    deadlineMs: Number(row.deadline_ms),
    lastError: row.last_error,
    createdMs: Number(row.created_ms),
    sentMs: row.sent_ms === null ? null : Number(row.sent_ms),
  };
}
