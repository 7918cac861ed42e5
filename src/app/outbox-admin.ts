import type { Logger } from '../logging.js';
import type { OutboxEntry, OutboxStore } from '../ledger/outbox-store.js';
import { deliverOutbox, type DeliveryRound } from '../notify/outbox-delivery.js';
import type { Adapters, DeliverySenders } from './ports.js';

/** A retried delivery that had failed for good gets this long again, unless the email section says otherwise. */
const DEFAULT_RETRY_DEADLINE_MS = 3 * 86_400_000;

/** What `outbox retry` found: an attempt made, no such delivery, or one that is sent or dropped. */
export type RetryOutcome =
  | { kind: 'attempted'; round: DeliveryRound }
  | { kind: 'unknown'; id: number }
  | { kind: 'not-retryable'; entry: OutboxEntry };

/**
 * `outbox retry`: makes one delivery (or every pending one) due now, ignoring its backoff, and
 * attempts it at once. A failed delivery becomes pending again with a fresh deadline.
 */
export async function retryDeliveries(adapters: Adapters, senders: DeliverySenders, target: number | 'all', log: Logger): Promise<RetryOutcome> {
  const { outbox } = adapters.ledger;
  const nowMs = adapters.clock.nowMs();
  const deadlineMs = nowMs + (adapters.config.email?.deadlineMs ?? DEFAULT_RETRY_DEADLINE_MS);
  if (target !== 'all') {
    const entry = await outbox.byId(target);
    if (entry === undefined) return { kind: 'unknown', id: target };
    if (entry.status !== 'pending' && entry.status !== 'failed') return { kind: 'not-retryable', entry };
  }
  await outbox.retryNow(target, nowMs, deadlineMs);
  const only = target === 'all' ? (await outbox.list('pending')).map((e) => e.id) : [target];
  return { kind: 'attempted', round: await deliverOutbox({ outbox, senders, clock: adapters.clock, log, only }) };
}

/** What `outbox drop` did: dropped it, found no such delivery, or found one already sent or dropped. */
export type DropOutcome = { kind: 'dropped'; entry: OutboxEntry } | { kind: 'unknown'; id: number } | { kind: 'not-droppable'; entry: OutboxEntry };

/** `outbox drop`: stops a pending or failed delivery for good. */
export async function dropDelivery(outbox: OutboxStore, id: number): Promise<DropOutcome> {
  const entry = await outbox.byId(id);
  if (entry === undefined) return { kind: 'unknown', id };
  if (!(await outbox.drop(id))) return { kind: 'not-droppable', entry };
  return { kind: 'dropped', entry: (await outbox.byId(id))! };
}
