import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimItems, releaseClaims, renewClaims } from '../../../src/ledger/postgres/claims.js';
import { openPostgresPool } from '../../../src/ledger/postgres/connection.js';
import { migratePostgres } from '../../../src/ledger/postgres/migrate.js';
import { startPostgres, type RunningPostgres } from '../../helpers/postgres.js';

let server: RunningPostgres;
const pools: pg.Pool[] = [];

/** A fresh migrated database and one pool per replica on it, as separate processes would have. */
async function replicas(count: number): Promise<pg.Pool[]> {
  const url = await server.createDatabase();
  const opened = Array.from({ length: count }, () => openPostgresPool(url, { env: {}, max: 3 }));
  pools.push(...opened);
  await migratePostgres(opened[0]!);
  return opened;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const itemsOf = (count: number) => Array.from({ length: count }, (_, i) => `slo-${String(i).padStart(4, '0')}`);

async function holders(db: pg.Pool): Promise<Map<string, string | null>> {
  const { rows } = await db.query<{ item: string; holder: string | null }>('SELECT item, holder FROM sync_claims');
  return new Map(rows.map((row) => [row.item, row.holder]));
}

beforeAll(async () => {
  server = await startPostgres();
});

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
  await server?.stop();
});

describe('sync claims', () => {
  it('partition 1,000 items among three replicas claiming at once, without overlap', async () => {
    const dbs = await replicas(3);
    const items = itemsOf(1_000);
    // Every replica's connections are open before the race starts.
    await Promise.all(dbs.map((db) => Promise.all([1, 2, 3].map(() => db.query('SELECT 1')))));
    const claimed = await Promise.all(
      dbs.map(async (db, i) => {
        const mine: string[] = [];
        for (;;) {
          const batch = await claimItems(db, { holder: `replica-${i}`, items, limit: 10, ttlMs: 60_000 });
          if (batch.length === 0) return mine;
          mine.push(...batch.map((claim) => claim.item));
        }
      }),
    );
    const all = claimed.flat();
    expect(all).toHaveLength(1_000);
    expect(new Set(all).size).toBe(1_000);
    for (const mine of claimed) expect(mine.length).toBeGreaterThan(0);
    const stored = await holders(dbs[0]!);
    claimed.forEach((mine, i) => mine.forEach((item) => expect(stored.get(item)).toBe(`replica-${i}`)));
  });

  it('skip items another replica has locked instead of waiting for them', async () => {
    const [a, b] = await replicas(2);
    const items = itemsOf(10);
    await claimItems(a!, { holder: 'a', items, limit: 1, ttlMs: 60_000 });
    await releaseClaims(a!, 'a', items);
    const client = await a!.connect();
    try {
      await client.query('BEGIN');
      await client.query("SELECT item FROM sync_claims WHERE item = ANY ($1::text[]) FOR UPDATE", [items.slice(0, 4)]);
      const started = Date.now();
      const claims = await claimItems(b!, { holder: 'b', items, limit: 100, ttlMs: 60_000 });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(claims.map((claim) => claim.item)).toEqual(items.slice(4));
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('pass to another replica once expired by the database clock; the old holder can neither renew nor release them', async () => {
    const [a, b] = await replicas(2);
    const items = itemsOf(10);
    const mine = await claimItems(a!, { holder: 'a', items, limit: 10, ttlMs: 1_000 });
    expect(mine).toHaveLength(10);
    expect(await claimItems(b!, { holder: 'b', items, limit: 10, ttlMs: 60_000 })).toEqual([]);
    await sleep(1_200);
    const taken = await claimItems(b!, { holder: 'b', items, limit: 10, ttlMs: 60_000 });
    expect(taken.map((claim) => claim.item)).toEqual(items);
    expect(await renewClaims(a!, 'a', items, 60_000)).toEqual([]);
    expect(await releaseClaims(a!, 'a', items, { done: true })).toEqual([]);
    expect([...(await holders(b!)).values()]).toEqual(items.map(() => 'b'));
  });

  it('stay with a holder that renews them', async () => {
    const [a, b] = await replicas(2);
    const items = itemsOf(5);
    await claimItems(a!, { holder: 'a', items, limit: 5, ttlMs: 1_000 });
    const renewed = await renewClaims(a!, 'a', items, 60_000);
    expect(renewed.map((claim) => claim.item).sort()).toEqual(items);
    await sleep(1_200);
    expect(await claimItems(b!, { holder: 'b', items, limit: 5, ttlMs: 60_000 })).toEqual([]);
    // An item this holder does not hold is not renewed.
    expect(await renewClaims(b!, 'b', items, 60_000)).toEqual([]);
  });

  it('released as done are passed over for the rest period, and the least recently done come first', async () => {
    const [a, b] = await replicas(2);
    const items = itemsOf(6);
    await claimItems(a!, { holder: 'a', items: items.slice(0, 3), limit: 3, ttlMs: 60_000 });
    expect((await releaseClaims(a!, 'a', items.slice(0, 3), { done: true })).sort()).toEqual(items.slice(0, 3));
    // Within the tick (rest period) another replica gets only what nobody has synced yet.
    const rest = await claimItems(b!, { holder: 'b', items, limit: 10, ttlMs: 60_000, restMs: 60_000 });
    expect(rest.map((claim) => claim.item)).toEqual(items.slice(3));
    await releaseClaims(b!, 'b', items.slice(3), { done: true });
    // Next tick: the ones done longest ago first.
    const next = await claimItems(b!, { holder: 'b', items, limit: 3, ttlMs: 60_000 });
    expect(next.map((claim) => claim.item)).toEqual(items.slice(0, 3));
    // Released without done (its sync failed): free again at once, even within the rest period.
    const failed = ['slo-failed'];
    await claimItems(b!, { holder: 'b', items: failed, limit: 1, ttlMs: 60_000 });
    await releaseClaims(b!, 'b', failed);
    expect((await claimItems(a!, { holder: 'a', items: failed, limit: 1, ttlMs: 60_000, restMs: 60_000 })).map((claim) => claim.item)).toEqual(failed);
  });
});
