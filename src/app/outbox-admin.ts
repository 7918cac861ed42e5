import { UsageError } from '../errors.js';
import type { Logger } from '../logging.js';
import type { OutboxEntry } from '../ledger/outbox.js';
import { deliverOutbox, type DeliveryRound } from '../notify/outbox-delivery.js';
import type { DeliverySenders, Services } from './compose.js';

/** A retried delivery that had failed for good gets this long again, unless the email section says otherwise. */
const DEFAULT_RETRY_DEADLINE_MS = 3 * 86_400_000;

/**
 * `outbox retry`: makes one delivery (or every pending one) due now, ignoring its backoff, and
 * attempts it at once. A failed delivery becomes pending again with a fresh deadline.
 */
export async function retryDeliveries(services: Services, senders: DeliverySenders, target: number | 'all', log: Logger): Promise<DeliveryRound> {
  const outbox = services.ledger.outbox();
  const nowMs = services.clock.nowMs();
  const deadlineMs = nowMs + (services.config.email?.deadlineMs ?? DEFAULT_RETRY_DEADLINE_MS);
  if (target !== 'all') {
    const entry = outbox.byId(target);
    if (entry === undefined) throw new UsageError(`outbox retry: there is no delivery ${target} (see \`slo-ledger outbox list\`)`);
    if (entry.status !== 'pending' && entry.status !== 'failed') throw new UsageError(`outbox retry: delivery ${target} (${entry.key}) is ${entry.status}; only pending or failed ones can be retried`);
  }
  outbox.retryNow(target, nowMs, deadlineMs);
  const only = target === 'all' ? outbox.list('pending').map((e) => e.id) : [target];
  return deliverOutbox({ outbox, senders, clock: services.clock, log, only });
}

/** `outbox drop`: stops a pending or failed delivery for good. */
export function dropDelivery(services: Services, id: number): OutboxEntry {
  const outbox = services.ledger.outbox();
  const entry = outbox.byId(id);
  if (entry === undefined) throw new UsageError(`outbox drop: there is no delivery ${id} (see \`slo-ledger outbox list\`)`);
  if (!outbox.drop(id)) throw new UsageError(`outbox drop: delivery ${id} (${entry.key}) is ${entry.status}; only pending or failed ones can be dropped`);
  return outbox.byId(id)!;
}

/** Parses an outbox entry id given on the command line. */
export function parseDeliveryId(text: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${JSON.stringify(text)} is not a delivery id (a number from \`slo-ledger outbox list\`)`);
  return Number(text);
}

/** One line per delivery of a round, for the commands' output. */
export function describeRound(round: DeliveryRound): string {
  const lines = [
    ...round.sent.map((e) => `${e.id} ${e.key}: sent (attempt ${e.attempts})`),
    ...round.retrying.map((e) => `${e.id} ${e.key}: failed (${e.lastError}); next attempt ${new Date(e.nextAttemptMs).toISOString()}`),
    ...round.failed.map((e) => `${e.id} ${e.key}: FAILED for good (${e.lastError})`),
  ];
  return lines.length === 0 ? 'nothing to deliver\n' : `${lines.join('\n')}\n`;
}
