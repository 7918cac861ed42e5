import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresPool, withTransaction } from '../../../src/ledger/postgres/connection.js';
import { acquireLease, assertFencing, fencedTransaction, LeaseLostError, readLease, releaseLease, renewLease } from '../../../src/ledger/postgres/lease.js';
import { migratePostgres } from '../../../src/ledger/postgres/migrate.js';
import { startPostgres, type RunningPostgres } from '../../helpers/postgres.js';

let server: RunningPostgres;
const pools: pg.Pool[] = [];

/** A fresh migrated database and one pool per replica on it, as separate processes would have. */
async function replicas(count: number): Promise<pg.Pool[]> {
  const url = await server.createDatabase();
  const opened = Array.from({ length: count }, () => openPostgresPool(url, { env: {}, max: 4 }));
  pools.push(...opened);
  await migratePostgres(opened[0]!);
  await opened[0]!.query('CREATE TABLE notifications (id serial PRIMARY KEY, body text NOT NULL, token bigint NOT NULL)');
  return opened;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function notifications(db: pg.Pool): Promise<string[]> {
  const { rows } = await db.query<{ body: string }>('SELECT body FROM notifications ORDER BY id');
  return rows.map((row) => row.body);
}

beforeAll(async () => {
  server = await startPostgres();
});

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
  await server?.stop();
});

describe('the leader lease', () => {
  it('goes to exactly one of two replicas asking at the same moment, every time', async () => {
    const [a, b] = await replicas(2);
    for (let round = 0; round < 25; round++) {
      const name = `duty-${round}`;
      const [leaseA, leaseB] = await Promise.all([acquireLease(a!, { name, holder: 'a', ttlMs: 30_000 }), acquireLease(b!, { name, holder: 'b', ttlMs: 30_000 })]);
      expect([leaseA, leaseB].filter((lease) => lease !== undefined)).toHaveLength(1);
      const winner = leaseA ?? leaseB;
      expect(winner?.token).toBe(1);
      expect((await readLease(a!, name))?.holder).toBe(winner?.holder);
    }
  });

  it('stays with its holder while renewed, under the same token', async () => {
    const [a, b] = await replicas(2);
    const lease = await acquireLease(a!, { holder: 'a', ttlMs: 1_000 });
    expect(lease?.token).toBe(1);
    for (let i = 0; i < 3; i++) {
      await sleep(400);
      const renewed = await renewLease(a!, lease!, 1_000);
      expect(renewed?.token).toBe(1);
      expect(renewed!.expiresAt.getTime()).toBeGreaterThan(lease!.expiresAt.getTime());
      expect(await acquireLease(b!, { holder: 'b', ttlMs: 1_000 })).toBeUndefined();
    }
    // Asking again while holding it extends it, still under the same token.
    expect((await acquireLease(a!, { holder: 'a', ttlMs: 1_000 }))?.token).toBe(1);
  });

  it('passes to another replica once it expires by the database clock, with a higher token', async () => {
    const [a, b] = await replicas(2);
    const old = await acquireLease(a!, { holder: 'a', ttlMs: 1_000 });
    expect(await acquireLease(b!, { holder: 'b', ttlMs: 30_000 })).toBeUndefined();
    await sleep(1_200);
    expect((await readLease(b!))?.live).toBe(false);
    const next = await acquireLease(b!, { holder: 'b', ttlMs: 30_000 });
    expect(next?.holder).toBe('b');
    expect(next!.token).toBeGreaterThan(old!.token);
    // The old holder can neither renew nor release what is no longer its own.
    expect(await renewLease(a!, old!, 30_000)).toBeUndefined();
    expect(await releaseLease(a!, old!)).toBe(false);
    expect(await readLease(a!)).toMatchObject({ holder: 'b', token: next!.token, live: true });
  });

  it('is free at once when released, and the next holder gets a higher token', async () => {
    const [a, b] = await replicas(2);
    const first = await acquireLease(a!, { holder: 'a', ttlMs: 30_000 });
    expect(await releaseLease(a!, first!)).toBe(true);
    expect(await readLease(a!)).toMatchObject({ holder: null, live: false });
    await expect(withTransaction(a!, (client) => assertFencing(client, first!.token))).rejects.toThrow(/released/);
    const second = await acquireLease(b!, { holder: 'b', ttlMs: 30_000 });
    expect(second?.token).toBe(first!.token + 1);
    // An expired holder that asks again gets a new token too.
    await releaseLease(b!, second!);
    expect((await acquireLease(a!, { holder: 'a', ttlMs: 30_000 }))?.token).toBe(second!.token + 1);
  });
});

describe('writes fenced by the lease', () => {
  it('refuses a write under a superseded token in the same transaction, so nothing of it is recorded', async () => {
    const [a, b] = await replicas(2);
    const old = await acquireLease(a!, { holder: 'a', ttlMs: 1_000 });
    await fencedTransaction(a!, old!, (client) => client.query("INSERT INTO notifications (body, token) VALUES ('from a while leader', $1)", [old!.token]));
    await sleep(1_200);
    const current = await acquireLease(b!, { holder: 'b', ttlMs: 30_000 });

    // The old leader wakes up and writes as if it still led: checked before the write …
    const before = fencedTransaction(a!, old!, (client) => client.query("INSERT INTO notifications (body, token) VALUES ('late, checked first', $1)", [old!.token]));
    await expect(before).rejects.toBeInstanceOf(LeaseLostError);
    await expect(before).rejects.toThrow(`has token ${current!.token} now; a write under token ${old!.token} is refused`);
    // … or after it, in the same transaction: either way the write rolls back.
    const after = withTransaction(a!, async (client) => {
      await client.query("INSERT INTO notifications (body, token) VALUES ('late, checked last', $1)", [old!.token]);
      await assertFencing(client, old!.token);
    });
    await expect(after).rejects.toBeInstanceOf(LeaseLostError);

    await fencedTransaction(b!, current!, (client) => client.query("INSERT INTO notifications (body, token) VALUES ('from b', $1)", [current!.token]));
    expect(await notifications(b!)).toEqual(['from a while leader', 'from b']);
  });

  it('refuses a write under an expired lease even before anyone took it over', async () => {
    const [a] = await replicas(1);
    const lease = await acquireLease(a!, { holder: 'a', ttlMs: 200 });
    await sleep(350);
    await expect(fencedTransaction(a!, lease!, (client) => client.query("INSERT INTO notifications (body, token) VALUES ('too late', 1)"))).rejects.toThrow(/has expired/);
    expect(await notifications(a!)).toEqual([]);
  });

  it('holds a handover back until a write checked in time has committed', async () => {
    const [a, b] = await replicas(2);
    const old = await acquireLease(a!, { holder: 'a', ttlMs: 1_000 });
    const events: string[] = [];
    let checked!: () => void;
    const checkedNow = new Promise<void>((resolve) => (checked = resolve));
    // The leader checks its token in time, then stalls inside its transaction past the expiry.
    const slowWrite = fencedTransaction(a!, old!, async (client) => {
      checked();
      await sleep(1_500);
      await client.query("INSERT INTO notifications (body, token) VALUES ('slow but fenced', $1)", [old!.token]);
      events.push('leader wrote');
    });
    await checkedNow;
    await sleep(1_100);
    // Expired by the clock, but its row is share-locked: a quick try gives up, a patient one waits.
    expect(await acquireLease(b!, { holder: 'b', ttlMs: 30_000, lockTimeoutMs: 50 })).toBeUndefined();
    const next = await acquireLease(b!, { holder: 'b', ttlMs: 30_000, lockTimeoutMs: 5_000 });
    events.push('lease handed over');
    await slowWrite;
    expect(events).toEqual(['leader wrote', 'lease handed over']);
    expect(next!.token).toBe(old!.token + 1);
    expect(await notifications(b!)).toEqual(['slow but fenced']);
    // From then on the old token is refused.
    await expect(fencedTransaction(a!, old!, async () => undefined)).rejects.toBeInstanceOf(LeaseLostError);
  });
});
