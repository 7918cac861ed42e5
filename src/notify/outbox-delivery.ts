import type { Clock } from '../domain/clock.js';
import { DeliveryError } from '../errors.js';
import type { OutboxChannel, OutboxEntry, OutboxStore } from '../ledger/outbox-store.js';

/** Sends one channel's payloads (email, Slack); throws DeliveryError on failure. */
export interface DeliverySender {
  send(payload: unknown, context: { key: string; attempt: number }): Promise<void>;
}

/** The few logger methods delivery uses (pino's Logger fits). */
export interface DeliveryLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Exponential backoff with jitter: base × 2^(attempt−1), times 0.5…1.5, capped. */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 30_000, capMs: 60 * 60_000 };
/** How long an attempt may hold its claim before another process may try the delivery again. */
export const CLAIM_LEASE_MS = 5 * 60_000;

export interface DeliverOptions {
  outbox: OutboxStore;
  senders: Partial<Record<OutboxChannel, DeliverySender>>;
  clock: Clock;
  log?: DeliveryLog;
  backoff?: BackoffPolicy;
  /** Uniform [0, 1); injectable so tests are deterministic. */
  random?: () => number;
  /** Only these entries (e.g. `outbox retry ID`); default: every due one. */
  only?: number[];
  /** Once aborted (shutdown), no further entry is attempted; the one in progress finishes and is marked. */
  signal?: AbortSignal;
  /**
   * Run right before each send, after the claim: throwing ends the round there (the claimed
   * delivery is retried after its claim lease). A replica that no longer leads stops this way.
   */
  beforeSend?: () => void;
  /** TEST ONLY: called after a send succeeded and after it was marked (crash tests stop the process there). */
  onStep?: (step: DeliveryStep) => void;
}

/** A point in one delivery attempt, for {@link DeliverOptions.onStep}. */
export interface DeliveryStep {
  stage: 'sent' | 'marked-sent';
  key: string;
}

/** What one delivery round did. */
export interface DeliveryRound {
  sent: OutboxEntry[];
  retrying: OutboxEntry[];
  failed: OutboxEntry[];
}

/**
 * Attempts every due delivery of the outbox once: marks it sent on success; on failure schedules
 * the next attempt with backoff (or after the receiver's Retry-After), and marks it failed — loudly —
 * on a permanent error or when the next attempt would fall after its deadline. At-least-once: a
 * crash between a successful send and `markSent` repeats that one delivery after the claim lease.
 */
export async function deliverOutbox(options: DeliverOptions): Promise<DeliveryRound> {
  const { outbox, clock } = options;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const random = options.random ?? Math.random;
  const round: DeliveryRound = { sent: [], retrying: [], failed: [] };
  const due = options.only
    ? (await Promise.all(options.only.map((id) => outbox.byId(id)))).filter((e): e is OutboxEntry => e !== undefined)
    : await outbox.due(clock.nowMs());
  for (const entry of due) {
    if (options.signal?.aborted) break;
    const startMs = clock.nowMs();
    if (!(await outbox.claim(entry.id, startMs, startMs + CLAIM_LEASE_MS))) continue;
    options.beforeSend?.();
    const attempt = entry.attempts + 1;
    const fields = { component: 'outbox', delivery_id: entry.id, key: entry.key, channel: entry.channel, attempt };
    try {
      const sender = options.senders[entry.channel];
      if (sender === undefined) throw new DeliveryError(`no ${entry.channel} delivery is configured (add the ${entry.channel} section to the config)`);
      await sender.send(entry.payload, { key: entry.key, attempt });
      options.onStep?.({ stage: 'sent', key: entry.key });
      await outbox.markSent(entry.id, clock.nowMs());
      options.onStep?.({ stage: 'marked-sent', key: entry.key });
      options.log?.info({ ...fields, duration_ms: clock.nowMs() - startMs }, `delivered ${entry.key}`);
      round.sent.push((await outbox.byId(entry.id))!);
    } catch (error) {
      const failure = error instanceof DeliveryError ? error : new DeliveryError((error as Error)?.message ?? String(error), { cause: error });
      const nowMs = clock.nowMs();
      const waitMs = Math.max(failure.retryAfterMs ?? 0, backoffMs(attempt, backoff, random));
      const nextMs = failure.permanent || nowMs + waitMs > entry.deadlineMs ? null : nowMs + waitMs;
      await outbox.markAttemptFailed(entry.id, failure.message, nextMs);
      if (nextMs === null) {
        const why = failure.permanent ? 'a permanent error' : 'its deadline passed';
        options.log?.error({ ...fields, error: failure.message }, `DELIVERY FAILED for good (${why}): ${entry.key} will not be retried; see \`slo-ledger outbox list\``);
        round.failed.push((await outbox.byId(entry.id))!);
      } else {
        options.log?.warn({ ...fields, error: failure.message, next_attempt: new Date(nextMs).toISOString() }, `delivery of ${entry.key} failed; retrying later`);
        round.retrying.push((await outbox.byId(entry.id))!);
      }
    }
  }
  return round;
}

/** The wait before attempt `attempt + 1`: base × 2^(attempt−1) × (0.5 + random), at most `capMs`. */
export function backoffMs(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const exponential = policy.baseMs * 2 ** Math.max(0, attempt - 1);
  return Math.min(policy.capMs, exponential * (0.5 + random()));
}
