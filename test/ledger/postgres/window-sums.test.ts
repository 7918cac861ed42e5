import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerBucket } from '../../../src/domain/bucket.js';
import { BUCKET_MS } from '../../../src/domain/duration.js';
import type { SloDefinition } from '../../../src/domain/slo.js';
import type { LedgerStores } from '../../../src/ledger/ledger-stores.js';
import { openLedger } from '../../../src/ledger/open-ledger.js';
import { PostgresBucketStore } from '../../../src/ledger/postgres/bucket-store.js';
import { openPostgresPool } from '../../../src/ledger/postgres/connection.js';
import { migratePostgres } from '../../../src/ledger/postgres/migrate.js';
import { ExactSum, sumPairs, sumPairsByFirst } from '../../../src/ledger/postgres/sums.js';
import { startPostgres, type RunningPostgres } from '../../helpers/postgres.js';

const T0 = Date.parse('2026-10-01T00:00:00Z');

let server: RunningPostgres;
let pool: pg.Pool;
let sqlite: LedgerStores;
let dir: string;

beforeAll(async () => {
  server = await startPostgres();
  pool = openPostgresPool(await server.createDatabase(), { env: {}, max: 2 });
  await migratePostgres(pool);
  dir = mkdtempSync(join(tmpdir(), 'slo-ledger-sums-'));
  sqlite = openLedger(join(dir, 'ledger.db'));
}, 60_000);

afterAll(async () => {
  await sqlite?.close();
  await pool?.end();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Series whose naive sums lose digits: cancellation, mixed magnitudes, long runs of fractions. */
function series(): number[][] {
  let seed = 42;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
  return [
    [],
    [0.1, 0.2, 0.3],
    [1e16, 1, -1e16, 3.3, 1e-3],
    [1e100, 1, -1e100, 1],
    Array.from({ length: 8_640 }, () => random() * 1_200.37),
    Array.from({ length: 2_000 }, (_, i) => (i % 2 === 0 ? 1e12 : -1e12) + random()),
    Array.from({ length: 500 }, () => Math.round(random() * 1e6) / 7),
  ];
}

/** Pairs of floats packed as the PostgreSQL store's query packs them: big-endian float8, base64. */
function pack(records: Array<[number, number]>): string {
  const bytes = Buffer.alloc(records.length * 16);
  records.forEach(([a, b], i) => {
    bytes.writeDoubleBE(a, 16 * i);
    bytes.writeDoubleBE(b, 16 * i + 8);
  });
  return bytes.toString('base64');
}

describe('window sums from the PostgreSQL ledger', () => {
  it('add in bucket order exactly as ExactSum and SQLite SUM() do, to the last bit', async () => {
    const store = new PostgresBucketStore(pool);
    for (const [k, values] of series().entries()) {
      const slo: SloDefinition = {
        name: `sums-${k}`, service: 'api', description: '', objectiveRatio: 0.99, windowMs: 30 * 86_400_000,
        sli: { kind: 'latency', histogram: `h${k}`, selector: '', thresholdSeconds: 1, quantile: 0.95 },
      };
      // Good, total and one histogram bound all carry the values; `total` in reverse order.
      const buckets: LedgerBucket[] = values.map((x, i) => ({
        endMs: T0 + (i + 1) * BUCKET_MS, status: 'ok', good: x, total: values[values.length - 1 - i]!, histogram: [{ le: 1, count: x }, { le: Infinity, count: -x }],
      }));
      const pgId = await store.ensureSeries(slo, T0);
      const liteId = await sqlite.buckets.ensureSeries(slo, T0);
      await store.writeBuckets(pgId, buckets, T0);
      await sqlite.buckets.writeBuckets(liteId, buckets, T0);
      const end = T0 + (values.length + 1) * BUCKET_MS;
      const byPostgres = await store.sumWindow(pgId, T0, end, true);
      const bySqlite = await sqlite.buckets.sumWindow(liteId, T0, end, true);
      const label = `${values.length} values`;
      expect(Object.is(byPostgres.good, exactOf(values)), `${label}: ${byPostgres.good} vs ${exactOf(values)}`).toBe(true);
      expect(Object.is(byPostgres.good, bySqlite.good), `${label}: ${byPostgres.good} vs SQLite ${bySqlite.good}`).toBe(true);
      expect(Object.is(byPostgres.total, bySqlite.total), `${label}: ${byPostgres.total} vs SQLite ${bySqlite.total}`).toBe(true);
      expect(byPostgres).toEqual(bySqlite);
      // Several windows in one read: each as read alone, and as SQLite reads it.
      const thirds = [0, 1, 2].map((i) => ({ startMs: T0 + Math.floor((i * values.length) / 3) * BUCKET_MS, endMs: T0 + Math.floor(((i + 1) * values.length) / 3) * BUCKET_MS }));
      const windows = [...thirds, { startMs: end, endMs: end + 86_400_000 }, { startMs: T0, endMs: end }];
      const several = await store.sumWindows(pgId, windows, true);
      expect(several).toEqual(await sqlite.buckets.sumWindows(liteId, windows, true));
      for (const [i, w] of windows.entries()) expect(several[i]).toEqual(await store.sumWindow(pgId, w.startMs, w.endMs, true));
    }
    // A naive sum differs on these: the checks above could fail.
    expect(1e16 + 1 - 1e16 + 3.3 + 1e-3).not.toBe(exactOf([1e16, 1, -1e16, 3.3, 1e-3]));
  });

  it('unpacks pairs of floats in the order packed, per histogram bound ascending', () => {
    // Exactly summed, these give 0 in this order and 2^-10 in another: the order counts.
    const values = [2 ** 100, 2 ** 47, 2 ** -10, -(2 ** 100), -(2 ** 47)];
    expect(exactOf(values)).toBe(0);
    expect(exactOf([values[0]!, values[2]!, values[3]!, values[1]!, values[4]!])).toBe(2 ** -10);
    expect(sumPairs(pack(values.map((v, i) => [v, i])))).toEqual([0, 10]);
    const histogram = values.flatMap((v, i): Array<[number, number]> => [[Infinity, v], [0.5, i]]);
    expect(sumPairsByFirst(pack(histogram))).toEqual([[0.5, 10], [Infinity, 0]]);
    expect(sumPairs(null)).toEqual([0, 0]);
    expect(sumPairsByFirst(null)).toEqual([]);
    expect(() => sumPairs(Buffer.alloc(20).toString('base64'))).toThrow(/not a whole number of pairs/);
  });
});

function exactOf(values: number[]): number {
  const sum = new ExactSum();
  for (const v of values) sum.add(v);
  return sum.value;
}
