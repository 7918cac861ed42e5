import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open-ledger.js';
import type { LedgerStores, LedgerTx } from '../../src/ledger/ledger-stores.js';
import type { NewDelivery } from '../../src/ledger/outbox-store.js';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const delivery = (key: string): NewDelivery => ({ key, channel: 'email', payload: { key }, nowMs: T0, deadlineMs: T0 + 3_600_000 });

/** A promise to resolve by hand. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** The promise, and whether it has settled yet. */
function tracked<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  return { promise, settled: () => settled };
}

/** Lets every promise callback that is ready run (several turns of the microtask queue, and a timer). */
const flush = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('LedgerStores.transaction on SQLite (a real file)', () => {
  let dir: string;
  let path: string;
  let ledger: LedgerStores;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-tx-'));
    path = join(dir, 'ledger.db');
    ledger = openLedger(path);
  });
  afterEach(async () => {
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes everything the work wrote when it resolves, and resolves to what the work resolved to', async () => {
    const result = await ledger.transaction(async (tx) => {
      await tx.outbox.enqueue(delivery('a'));
      await tx.reportLog.record({ month: '2026-10', dueMs: null, producedMs: T0, outboxKey: 'a' });
      return 'done';
    });
    expect(result).toBe('done');
    expect((await ledger.outbox.byKey('a'))?.status).toBe('pending');
    expect(await ledger.reportLog.get('2026-10')).toMatchObject({ outboxKey: 'a' });
  });

  it('writes nothing when the work rejects, and passes the rejection on', async () => {
    const failure = new Error('the work failed');
    await expect(
      ledger.transaction(async (tx) => {
        await tx.outbox.enqueue(delivery('a'));
        await tx.reportLog.record({ month: '2026-10', dueMs: null, producedMs: T0, outboxKey: 'a' });
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await ledger.outbox.byKey('a')).toBeUndefined();
    expect(await ledger.reportLog.get('2026-10')).toBeUndefined();
    // A store's own error rolls back too, and the ledger goes on working.
    await expect(
      ledger.transaction(async (tx) => {
        await tx.outbox.enqueue(delivery('b'));
        await tx.statements.append({ month: '2026-10', version: 2, kind: 'restated', producedMs: T0, contentHash: 'h', slos: [], corrections: [], files: [], messageId: null });
      }),
    ).rejects.toThrow(/version 2 cannot be recorded/);
    expect(await ledger.outbox.byKey('b')).toBeUndefined();
    await ledger.outbox.enqueue(delivery('c'));
    expect(await ledger.outbox.list()).toHaveLength(1);
  });

  it('holds the write lock from the start of the work to its end, so another process waits', async () => {
    const other = new Database(path);
    other.pragma('busy_timeout = 0');
    try {
      const paused = gate();
      const inside = gate();
      const running = ledger.transaction(async (tx) => {
        inside.open();
        await paused.promise;
        await tx.outbox.enqueue(delivery('a'));
      });
      await inside.promise;
      // Before the work has written anything, a second writer is refused the lock (it would wait busy_timeout).
      expect(() => other.exec('BEGIN IMMEDIATE')).toThrow(/locked|busy/i);
      paused.open();
      await running;
      other.exec('BEGIN IMMEDIATE');
      expect(other.prepare('SELECT COUNT(*) AS n FROM outbox').get()).toEqual({ n: 1 });
      other.exec('COMMIT');
    } finally {
      other.close();
    }
  });

  it('takes turns with the other transactions of the process: the second starts once the first has committed', async () => {
    const order: string[] = [];
    const paused = gate();
    const first = ledger.transaction(async (tx) => {
      order.push('first begins');
      await paused.promise;
      await tx.outbox.enqueue(delivery('first'));
      order.push('first ends');
    });
    const second = tracked(
      ledger.transaction(async (tx) => {
        order.push(`second begins and sees ${(await tx.outbox.list()).map((e) => e.key).join(', ') || 'nothing'}`);
      }),
    );
    await flush();
    expect(order).toEqual(['first begins']);
    expect(second.settled()).toBe(false);
    paused.open();
    await Promise.all([first, second.promise]);
    expect(order).toEqual(['first begins', 'first ends', 'second begins and sees first']);
  });

  it('keeps calls from elsewhere out of an open transaction: they wait for it, and never see what it has not committed', async () => {
    const paused = gate();
    const running = ledger.transaction(async (tx) => {
      await tx.outbox.enqueue(delivery('inside'));
      await paused.promise;
    });
    await flush();
    const read = tracked(ledger.outbox.list());
    const write = tracked(ledger.outbox.enqueue(delivery('outside')));
    await flush();
    expect(read.settled()).toBe(false);
    expect(write.settled()).toBe(false);
    paused.open();
    await running;
    expect((await read.promise).map((e) => e.key)).toEqual(['inside']);
    expect((await write.promise).created).toBe(true);
    // The call from outside was not part of the transaction: a rolled-back transaction does not take it along.
    const rolledBack = ledger.transaction(async (tx) => {
      await tx.outbox.enqueue(delivery('rolled back'));
      await paused.promise;
      throw new Error('no');
    });
    const meanwhile = ledger.outbox.enqueue(delivery('meanwhile'));
    await expect(rolledBack).rejects.toThrow('no');
    await meanwhile;
    expect((await ledger.outbox.list()).map((e) => e.key).sort()).toEqual(['inside', 'meanwhile', 'outside']);
  });

  it('refuses the transaction\'s stores once its work has settled', async () => {
    let kept: LedgerTx | undefined;
    await ledger.transaction(async (tx) => {
      kept = tx;
    });
    await expect(kept!.outbox.list()).rejects.toThrow(/used after its work had settled/);
    await expect(kept!.outbox.enqueue(delivery('late'))).rejects.toThrow(/used after its work had settled/);
    expect(await ledger.outbox.list()).toEqual([]);
  });

  it('closes only once the transaction in progress has ended', async () => {
    const paused = gate();
    const running = ledger.transaction(async (tx) => {
      await paused.promise;
      await tx.outbox.enqueue(delivery('a'));
    });
    await flush();
    const closing = tracked(ledger.close());
    await flush();
    expect(closing.settled()).toBe(false);
    paused.open();
    await running;
    await closing.promise;
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.prepare('SELECT COUNT(*) AS n FROM outbox').get()).toEqual({ n: 1 });
    } finally {
      raw.close();
    }
  });
});
