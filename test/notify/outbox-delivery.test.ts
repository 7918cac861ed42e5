import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../src/errors.js';
import { openLedger } from '../../src/ledger/open-ledger.js';
import type { LedgerStores } from '../../src/ledger/ledger-stores.js';
import type { OutboxStore } from '../../src/ledger/outbox-store.js';
import { backoffMs, deliverOutbox, type DeliverySender } from '../../src/notify/outbox-delivery.js';

const T0 = Date.parse('2026-11-01T06:00:00Z');
const MINUTE = 60_000;
const POLICY = { baseMs: MINUTE, capMs: 30 * MINUTE };

/** A sender that fails with the given errors in turn, then succeeds; it records every payload. */
function scriptedSender(failures: Array<DeliveryError | Error>): DeliverySender & { calls: unknown[] } {
  const calls: unknown[] = [];
  return {
    calls,
    async send(payload) {
      calls.push(payload);
      const failure = failures.shift();
      if (failure) throw failure;
    },
  };
}

describe('the outbox and its delivery (a real SQLite file, a scripted sender, a controlled clock)', () => {
  let dir: string;
  let ledger: LedgerStores;
  let outbox: OutboxStore;
  let now: number;
  const clock = { nowMs: () => now };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-outbox-'));
    ledger = openLedger(join(dir, 'l.db'));
    outbox = ledger.outbox;
    now = T0;
  });
  afterEach(async () => {
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const enqueue = (key = 'report/2026-10/email', deadlineMs = T0 + 24 * 60 * MINUTE) =>
    outbox.enqueue({ key, channel: 'email', payload: { month: '2026-10' }, nowMs: now, deadlineMs });

  it('records a delivery once per idempotency key', async () => {
    expect((await enqueue()).created).toBe(true);
    expect((await enqueue()).created).toBe(false);
    expect(await outbox.list()).toHaveLength(1);
  });

  it('retries with exponential backoff and jitter until the sender accepts, then sends exactly once', async () => {
    await enqueue();
    const sender = scriptedSender([new DeliveryError('421 try later'), new DeliveryError('connection refused')]);
    const deliver = () => deliverOutbox({ outbox, senders: { email: sender }, clock, backoff: POLICY, random: () => 0.5 });
    expect((await deliver()).retrying[0]!.nextAttemptMs).toBe(T0 + MINUTE);
    now = T0 + 30_000;
    expect(await deliver()).toEqual({ sent: [], retrying: [], failed: [] });
    now = T0 + MINUTE;
    expect((await deliver()).retrying[0]!.nextAttemptMs).toBe(T0 + MINUTE + 2 * MINUTE);
    now = T0 + 3 * MINUTE;
    const round = await deliver();
    expect(round.sent).toHaveLength(1);
    expect(round.sent[0]).toMatchObject({ status: 'sent', attempts: 3, sentMs: T0 + 3 * MINUTE, lastError: null });
    now = T0 + 60 * MINUTE;
    await deliver();
    expect(sender.calls).toHaveLength(3);
  });

  it('backoff doubles per attempt, varies 0.5…1.5× and stops at the cap', () => {
    expect(backoffMs(1, POLICY, () => 0)).toBe(30_000);
    expect(backoffMs(3, POLICY, () => 0.999)).toBeCloseTo(4 * MINUTE * 1.499, 0);
    expect(backoffMs(20, POLICY, () => 0.5)).toBe(30 * MINUTE);
  });

  it('gives up at once on a permanent error, and when the next attempt would pass the deadline', async () => {
    await enqueue('a');
    await enqueue('b', T0 + 30_000);
    const sender = scriptedSender([new DeliveryError('550 no such mailbox', { permanent: true }), new DeliveryError('timeout')]);
    const round = await deliverOutbox({ outbox, senders: { email: sender }, clock, backoff: POLICY, random: () => 0.5 });
    expect(round.failed.map((e) => [e.key, e.status, e.lastError])).toEqual([
      ['a', 'failed', '550 no such mailbox'],
      ['b', 'failed', 'timeout'],
    ]);
    expect(await outbox.backlog()).toBe(0);
  });

  it('waits at least as long as the receiver asks (Retry-After)', async () => {
    await enqueue();
    const sender = scriptedSender([new DeliveryError('429 rate limited', { retryAfterMs: 10 * MINUTE })]);
    const round = await deliverOutbox({ outbox, senders: { email: sender }, clock, backoff: POLICY, random: () => 0.5 });
    expect(round.retrying[0]!.nextAttemptMs).toBe(T0 + 10 * MINUTE);
  });

  it('two delivery rounds at once send an entry only once (the claim)', async () => {
    await enqueue();
    let release!: () => void;
    const calls: unknown[] = [];
    const slow: DeliverySender = {
      send: (payload) => {
        calls.push(payload);
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    };
    const first = deliverOutbox({ outbox, senders: { email: slow }, clock });
    const second = await deliverOutbox({ outbox, senders: { email: slow }, clock });
    release();
    expect((await first).sent).toHaveLength(1);
    expect(second.sent).toHaveLength(0);
    expect(calls).toHaveLength(1);
  });

  it('keeps a delivery whose channel is not configured, with an error that says what to add', async () => {
    await enqueue();
    const round = await deliverOutbox({ outbox, senders: {}, clock, backoff: POLICY, random: () => 0.5 });
    expect(round.retrying[0]!.lastError).toMatch(/no email delivery is configured/);
  });

  it('retry makes a delivery due now, a failed one pending again; drop stops it for good', async () => {
    const { entry } = await enqueue();
    await deliverOutbox({ outbox, senders: { email: scriptedSender([new DeliveryError('nope', { permanent: true })]) }, clock });
    expect((await outbox.byId(entry.id))!.status).toBe('failed');
    expect(await outbox.retryNow(entry.id, now, now + 60 * MINUTE)).toBe(1);
    expect(await outbox.byId(entry.id)).toMatchObject({ status: 'pending', deadlineMs: now + 60 * MINUTE });
    expect(await outbox.drop(entry.id)).toBe(true);
    expect(await outbox.drop(entry.id)).toBe(false);
    expect(await outbox.due(now + 120 * MINUTE)).toEqual([]);
  });
});
