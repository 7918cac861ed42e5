/** Where a delivery goes; each channel has one sender. */
export type OutboxChannel = 'email' | 'slack' | 'webhook' | 'alertmanager';

/** pending: to be attempted; sent: done; failed: gave up at its deadline or on a permanent error; dropped: by hand. */
export type OutboxStatus = 'pending' | 'sent' | 'failed' | 'dropped';

/** One delivery as the outbox keeps it. `payload` is whatever its channel's sender takes (JSON). */
export interface OutboxEntry {
  id: number;
  key: string;
  channel: OutboxChannel;
  payload: unknown;
  status: OutboxStatus;
  attempts: number;
  nextAttemptMs: number;
  deadlineMs: number;
  lastError: string | null;
  createdMs: number;
  sentMs: number | null;
}

/** A delivery to record: `key` makes it idempotent (e.g. `report/2026-10/email`). */
export interface NewDelivery {
  key: string;
  channel: OutboxChannel;
  payload: unknown;
  /** First attempt at or after this instant. */
  nowMs: number;
  /** After this instant a failing delivery is given up. */
  deadlineMs: number;
}

/**
 * The delivery outbox: deliveries are written here before they are attempted, so a crash can at
 * worst repeat one (sent but not yet marked), never lose one.
 */
export interface OutboxStore {
  /**
   * Records a delivery unless one with the same key exists; returns the entry and whether it is new.
   * A key already sent, failed or dropped is not queued again (use `requeue` to force a resend).
   */
  enqueue(delivery: NewDelivery): Promise<{ entry: OutboxEntry; created: boolean }>;
  /** Puts an existing delivery back to pending with a new payload and deadline (e.g. `report --force`). */
  requeue(delivery: NewDelivery): Promise<OutboxEntry>;
  /** Pending deliveries whose next attempt is due at `nowMs`, oldest first. */
  due(nowMs: number, limit?: number): Promise<OutboxEntry[]>;
  /** Every entry, newest first, optionally of one status. */
  list(status?: OutboxStatus): Promise<OutboxEntry[]>;
  byId(id: number): Promise<OutboxEntry | undefined>;
  byKey(key: string): Promise<OutboxEntry | undefined>;
  /** Pending deliveries (the backlog /metrics shows). */
  backlog(): Promise<number>;
  /**
   * Claims a due delivery for one attempt by moving its next attempt to `leaseUntilMs`: another
   * process cannot claim it meanwhile, and a crash mid-send leaves it to be retried after the lease.
   * False when it was not due or not pending any more.
   */
  claim(id: number, nowMs: number, leaseUntilMs: number): Promise<boolean>;
  markSent(id: number, nowMs: number): Promise<void>;
  /** Records a failed attempt: retried at `nextAttemptMs`, or failed for good when that is null. */
  markAttemptFailed(id: number, error: string, nextAttemptMs: number | null): Promise<void>;
  /**
   * Makes deliveries due now, ignoring their backoff: one by id, or every pending one. A failed
   * entry retried by id becomes pending again with its deadline moved to `deadlineMs`.
   * Returns how many entries were made due.
   */
  retryNow(target: number | 'all', nowMs: number, deadlineMs: number): Promise<number>;
  /** Drops a pending or failed delivery so it is never attempted again; false when there was none to drop. */
  drop(id: number): Promise<boolean>;
}
