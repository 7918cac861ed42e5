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
import { ExactSum, sumPacked, sumPackedByBound } from '../../../src/ledger/postgres/sums.js';
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

/** A packed window as the PostgreSQL store's query returns it: records of end (int8) and values (float8), base64. */
function pack(records: Array<[number, ...number[]]>): string {
  const width = records[0]!.length - 1;
  const bytes = Buffer.alloc(records.length * 8 * (1 + width));
  records.forEach(([end, ...values], i) => {
    const at = i * 8 * (1 + width);
    bytes.writeBigInt64BE(BigInt(end), at);
    values.forEach((v, k) => bytes.writeDoubleBE(v, at + 8 * (k + 1)));
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

  it('adds records handed over out of order in bucket order, per histogram bound', () => {
    // Exactly summed, these give 0 in bucket order and 2^-10 in the order handed over: the order counts.
    const inOrder = [2 ** 100, 2 ** 47, 2 ** -10, -(2 ** 100), -(2 ** 47)];
    const handedOver = [0, 2, 3, 1, 4];
    const records = handedOver.map((i): [number, number, number] => [T0 + (i + 1) * BUCKET_MS, inOrder[i]!, i]);
    expect(exactOf(inOrder)).toBe(0);
    expect(exactOf(records.map((r) => r[1]))).toBe(2 ** -10);
    expect(sumPacked(pack(records), 2)).toEqual([0, 10]);
    // Histogram records: end, bound, count; sorted by end, then bound.
    const histogram = handedOver.flatMap((i): Array<[number, number, number]> => [[T0 + (i + 1) * BUCKET_MS, Infinity, inOrder[i]!], [T0 + (i + 1) * BUCKET_MS, 0.5, i]]);
    expect(sumPackedByBound(pack(histogram))).toEqual([{ le: 0.5, count: 10 }, { le: Infinity, count: 0 }]);
    expect(sumPacked(null, 2)).toEqual([0, 0]);
    expect(sumPackedByBound(null)).toEqual([]);
    expect(() => sumPacked(Buffer.alloc(20).toString('base64'), 2)).toThrow(/not a whole number of 24-byte records/);
  });
});

function exactOf(values: number[]): number {
  const sum = new ExactSum();
  for (const v of values) sum.add(v);
  return sum.value;
}
