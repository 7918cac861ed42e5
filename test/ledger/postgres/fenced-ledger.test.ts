import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertRecord } from '../../../src/domain/alert-state.js';
import { acquireLease, LeaseLostError } from '../../../src/ledger/postgres/lease.js';
import { fencedLedger } from '../../../src/ledger/postgres/fenced-ledger.js';
import { openPostgresLedger, type PostgresLedger } from '../../../src/ledger/postgres/open-postgres-ledger.js';
import { startPostgres, type RunningPostgres } from '../../helpers/postgres.js';

let server: RunningPostgres;
const ledgers: PostgresLedger[] = [];

beforeAll(async () => {
  server = await startPostgres();
});

afterAll(async () => {
  await Promise.all(ledgers.map((l) => l.close().catch(() => undefined)));
  await server?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const delivery = (key: string) => ({ key, channel: 'webhook' as const, payload: { text: key }, nowMs: 1_000, deadlineMs: 10_000_000 });

const FIRING: AlertRecord = {
  slo: 'api-availability', kind: 'burn-rate', phase: 'firing', severity: 'page', firingSinceMs: 1_000, lastNotifiedMs: 1_000, resolvedMs: null, evaluatedMs: 1_000, observed: 'firing',
};

/** Two replicas' ledgers on one fresh database. */
async function twoReplicas(): Promise<[PostgresLedger, PostgresLedger]> {
  const url = await server.createDatabase();
  const pair: [PostgresLedger, PostgresLedger] = [openPostgresLedger(url, {}), openPostgresLedger(url, {})];
  ledgers.push(...pair);
  await Promise.all(pair.map((l) => l.ready));
  return pair;
}

describe('the leader\'s fenced ledger (real PostgreSQL)', () => {
  it('writes while its lease is live, and refuses every write once another replica holds the lease, even when its own clock has not noticed', async () => {
    const [a, b] = await twoReplicas();
    const leaseA = (await acquireLease(a.pool, { holder: 'a', ttlMs: 600 }))!;
    // The local check always passes: only the database's fencing stands between a stale leader and the ledger.
    const staleA = fencedLedger(a, leaseA, () => undefined);
    await staleA.outbox.enqueue(delivery('alert/one'));
    await staleA.transaction(async (tx) => {
      await tx.alertState.save(FIRING);
    });
    expect((await a.outbox.list()).map((e) => e.key)).toEqual(['alert/one']);
    expect(await a.alertState.get('api-availability', 'burn-rate')).toMatchObject({ phase: 'firing' });

    await sleep(800);
    const leaseB = await acquireLease(b.pool, { holder: 'b', ttlMs: 30_000 });
    expect(leaseB?.token).toBe(leaseA.token + 1);
    await expect(staleA.outbox.enqueue(delivery('alert/two'))).rejects.toThrow(LeaseLostError);
    await expect(staleA.outbox.markSent(1, 2_000)).rejects.toThrow(/has token 2 now; a write under token 1 is refused/);
    await expect(
      staleA.transaction(async (tx) => {
        await tx.outbox.enqueue(delivery('alert/three'));
      }),
    ).rejects.toThrow(LeaseLostError);
    await expect(staleA.alertState.save({ ...FIRING, phase: 'resolved', resolvedMs: 2_000, evaluatedMs: 2_000, observed: 'clear' })).rejects.toThrow(LeaseLostError);
    expect(await b.alertState.get('api-availability', 'burn-rate')).toMatchObject({ phase: 'firing', resolvedMs: null });
    // Nothing of it landed; the new leader's writes do.
    expect((await b.outbox.list()).map((e) => [e.key, e.status])).toEqual([['alert/one', 'pending']]);
    await fencedLedger(b, leaseB!, () => undefined).outbox.enqueue(delivery('alert/four'));
    expect((await b.outbox.list()).map((e) => e.key).sort()).toEqual(['alert/four', 'alert/one']);
  });

  it('asks its own clock first: a term that is over by the local check sends no query at all', async () => {
    const [a] = await twoReplicas();
    const lease = (await acquireLease(a.pool, { holder: 'a', ttlMs: 30_000 }))!;
    let over = false;
    const ledger = fencedLedger(a, lease, () => {
      if (over) throw new LeaseLostError('a no longer leads');
    });
    await ledger.outbox.enqueue(delivery('alert/before'));
    over = true;
    await expect(ledger.outbox.enqueue(delivery('alert/after'))).rejects.toThrow('a no longer leads');
    expect((await a.outbox.list()).map((e) => e.key)).toEqual(['alert/before']);
  });
});
