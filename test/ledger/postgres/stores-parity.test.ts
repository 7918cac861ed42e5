import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerBucket } from '../../../src/domain/bucket.js';
import { BUCKET_MS } from '../../../src/domain/duration.js';
import type { SloDefinition } from '../../../src/domain/slo.js';
import { openLedger } from '../../../src/ledger/open-ledger.js';
import type { LedgerStores } from '../../../src/ledger/ledger-stores.js';
import { PostgresAlertStateStore } from '../../../src/ledger/postgres/alert-state-store.js';
import { PostgresBucketStore } from '../../../src/ledger/postgres/bucket-store.js';
import { openPostgresPool } from '../../../src/ledger/postgres/connection.js';
import { PostgresCorrectionStore } from '../../../src/ledger/postgres/correction-store.js';
import { migratePostgres } from '../../../src/ledger/postgres/migrate.js';
import { PostgresOutboxStore } from '../../../src/ledger/postgres/outbox-store.js';
import { PostgresReportLog } from '../../../src/ledger/postgres/report-log.js';
import { PostgresStatementStore } from '../../../src/ledger/postgres/statement-store.js';
import { ExactSum, sumPairs, sumPairsByFirst } from '../../../src/ledger/postgres/sums.js';
import { startPostgres, type RunningPostgres } from '../../helpers/postgres.js';

// The PostgreSQL stores against the SQLite ones, operation by operation on the same input: the
// same answers, and the same sums to the last bit.
const T0 = Date.parse('2026-10-01T00:00:00Z');
const LATENCY: SloDefinition = {
  name: 'api-latency', service: 'api', description: '', objectiveRatio: 0.95, windowMs: 30 * 86_400_000,
  sli: { kind: 'latency', histogram: 'http_request_duration_seconds', selector: '', thresholdSeconds: 2, quantile: 0.95 },
};
const GROUPED: SloDefinition = {
  name: 'by-tenant', service: 'api', description: '', objectiveRatio: 0.999, windowMs: 30 * 86_400_000, groupBy: ['tenant'],
  sli: { kind: 'events', badQuery: 'sum(increase(bad[{{.window}}]))', totalQuery: 'sum(increase(all[{{.window}}]))' },
};

let server: RunningPostgres;
let pool: pg.Pool;
let sqlite: LedgerStores;
let dir: string;

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

beforeAll(async () => {
  server = await startPostgres();
  pool = openPostgresPool(await server.createDatabase(), { env: {} });
  await migratePostgres(pool);
  dir = mkdtempSync(join(tmpdir(), 'slo-ledger-parity-'));
  sqlite = openLedger(join(dir, 'ledger.db'));
}, 60_000);

afterAll(async () => {
  await sqlite?.close();
  await pool?.end();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the PostgreSQL stores answer as the SQLite ones do', () => {
  it('buckets: writes, re-fetches, gaps, reconciliation, sums to the last bit, settled spans, pruning', async () => {
    const pg = new PostgresBucketStore(pool);
    const lite = sqlite.buckets;
    const next = random(42);
    const id = await pg.ensureSeries(LATENCY, T0);
    expect(await lite.ensureSeries(LATENCY, T0)).toBe(1);
    expect(await pg.ensureSeries(LATENCY, T0 + 1)).toBe(id);
    expect(await pg.findSeries(LATENCY)).toBe(id);
    // Ten days of uneven fractional counts with histograms, a 2-hour gap and a 15-minute one.
    const buckets: LedgerBucket[] = [];
    for (let i = 1; i <= 10 * 288; i++) {
      const endMs = T0 + i * BUCKET_MS;
      const gap = (i > 500 && i <= 524) || (i > 2000 && i <= 2003);
      const total = Math.round(next() * 1_000_000) / 997;
      const good = total * (1 - next() * 0.01);
      buckets.push(
        gap
          ? { endMs, status: 'no-data', good: 0, total: 0 }
          : { endMs, status: 'ok', good, total, histogram: [0.1, 0.5, 2, Infinity].map((le, k) => ({ le, count: (good * (k + 1)) / 4 })) },
      );
    }
    for (let i = 0; i < buckets.length; i += 700) {
      const chunk = buckets.slice(i, i + 700);
      await lite.writeBuckets(1, chunk, T0 + 11 * 86_400_000);
      await pg.writeBuckets(id, chunk, T0 + 11 * 86_400_000);
    }
    // A re-fetch replaces; a reconciled bucket is not downgraded by a later no-data answer.
    const refetch: LedgerBucket[] = [{ endMs: T0 + 10 * BUCKET_MS, status: 'ok', good: 1.25, total: 3.5 }];
    await lite.writeBuckets(1, refetch, T0 + 12 * 86_400_000);
    await pg.writeBuckets(id, refetch, T0 + 12 * 86_400_000);
    const run = { firstEndMs: T0 + 501 * BUCKET_MS, lastEndMs: T0 + 524 * BUCKET_MS };
    const span = { good: 12_345.5, total: 12_400.25 };
    await lite.bookReconciliation(1, run, span, { good: 9_000.125, total: 9_100.5, histogram: [{ le: 2, count: 8_000 }, { le: Infinity, count: 9_000.125 }] }, T0 + 12 * 86_400_000);
    await pg.bookReconciliation(id, run, span, { good: 9_000.125, total: 9_100.5, histogram: [{ le: 2, count: 8_000 }, { le: Infinity, count: 9_000.125 }] }, T0 + 12 * 86_400_000);
    const downgrade: LedgerBucket[] = [{ endMs: T0 + 510 * BUCKET_MS, status: 'no-data', good: 0, total: 0 }];
    await lite.writeBuckets(1, downgrade, T0 + 13 * 86_400_000);
    await pg.writeBuckets(id, downgrade, T0 + 13 * 86_400_000);

    const end = T0 + 10 * 288 * BUCKET_MS;
    for (const [start, stop] of [[T0, end], [T0 + 3_600_000, T0 + 86_400_000], [T0 + 400 * BUCKET_MS, T0 + 600 * BUCKET_MS], [end, end + 86_400_000]] as const) {
      expect(await pg.sumWindow(id, start, stop, true)).toEqual(await lite.sumWindow(1, start, stop, true));
    }
    expect(await pg.readBuckets(id, T0, end)).toEqual(await lite.readBuckets(1, T0, end));
    expect(await pg.readBucketColumns(id, T0, end)).toEqual(await lite.readBucketColumns(1, T0, end));
    expect(await pg.noDataRuns(id, T0, end)).toEqual(await lite.noDataRuns(1, T0, end));
    expect(await pg.bucketStatus(id, T0 + 510 * BUCKET_MS)).toBe('reconciled');
    expect(await pg.bucketStatus(id, end + BUCKET_MS)).toBeUndefined();
    expect(await pg.lastDataEndMs(id, T0, end)).toBe(await lite.lastDataEndMs(1, T0, end));
    expect(await pg.changesSince(id, T0 + 11 * 86_400_000, T0, end)).toEqual(await lite.changesSince(1, T0 + 11 * 86_400_000, T0, end));
    // Fetched 11 days after the first bucket closed: all settled, but for buckets past the range.
    for (const [settle, empty] of [[120_000, 900_000], [0, 0], [11 * 86_400_000, 30 * 86_400_000]] as const) {
      expect(await pg.unsettledBucketEnds(id, T0 + BUCKET_MS, end + 3 * BUCKET_MS, settle, empty)).toEqual(await lite.unsettledBucketEnds(1, T0 + BUCKET_MS, end + 3 * BUCKET_MS, settle, empty));
    }
    await lite.markSettled(1, T0 + BUCKET_MS, end);
    await pg.markSettled(id, T0 + BUCKET_MS, end);
    expect(await pg.unsettledBucketEnds(id, T0 + BUCKET_MS, end + 3 * BUCKET_MS, 120_000)).toEqual([end + BUCKET_MS, end + 2 * BUCKET_MS, end + 3 * BUCKET_MS]);
    expect(await pg.prune(T0 + 86_400_000)).toBe(await lite.prune(T0 + 86_400_000));
    expect(await pg.readBuckets(id, T0, end)).toEqual(await lite.readBuckets(1, T0, end));
    expect(await pg.unsettledBucketEnds(id, T0 + BUCKET_MS, end, 120_000)).toEqual(await lite.unsettledBucketEnds(1, T0 + BUCKET_MS, end, 120_000));
    await pg.recordSync('api-latency', T0, 'boom');
    await pg.recordSync('api-latency', T0 + 1);
    const { rows } = await pool.query<{ last_success_ms: string; last_error: string | null }>('SELECT last_success_ms, last_error FROM sync_status');
    expect(rows).toEqual([{ last_success_ms: String(T0 + 1), last_error: null }]);
  });

  it('series: a changed definition retires the old one; groups of the current group_by only, in byte order', async () => {
    const pg = new PostgresBucketStore(pool);
    const lite = sqlite.buckets;
    for (const tenant of ['b', 'a', 'B', 'é', 'a-1']) {
      await lite.ensureSeries(GROUPED, T0, { tenant });
      await pg.ensureSeries(GROUPED, T0, { tenant });
    }
    const other = { ...GROUPED, groupBy: ['tenant', 'region'] };
    await lite.ensureSeries(other, T0 + 1, { tenant: 'a', region: 'eu' });
    await pg.ensureSeries(other, T0 + 1, { tenant: 'a', region: 'eu' });
    const labels = (groups: Array<{ labels: unknown }>) => groups.map((g) => g.labels);
    expect(labels(await pg.listGroups(GROUPED))).toEqual(labels(await lite.listGroups(GROUPED)));
    expect(labels(await pg.listGroups(other))).toEqual([{ tenant: 'a', region: 'eu' }]);
  });

  it('outbox, alert state, report log, corrections and statements', async () => {
    const outbox = new PostgresOutboxStore(pool);
    const first = await outbox.enqueue({ key: 'report/2026-10/email', channel: 'email', payload: { to: ['a@example.org'] }, nowMs: T0, deadlineMs: T0 + 1000 });
    expect(first.created).toBe(true);
    expect((await outbox.enqueue({ key: 'report/2026-10/email', channel: 'email', payload: {}, nowMs: T0, deadlineMs: T0 })).created).toBe(false);
    expect(await outbox.backlog()).toBe(1);
    expect(await outbox.claim(first.entry.id, T0, T0 + 60_000)).toBe(true);
    expect(await outbox.claim(first.entry.id, T0, T0 + 60_000)).toBe(false);
    await outbox.markAttemptFailed(first.entry.id, 'SMTP 451', T0 + 5_000);
    expect(await outbox.retryNow('all', T0 + 1, T0 + 2)).toBe(1);
    expect((await outbox.due(T0 + 1)).map((e) => [e.key, e.attempts, e.lastError])).toEqual([['report/2026-10/email', 1, 'SMTP 451']]);
    await outbox.markSent(first.entry.id, T0 + 2);
    expect(await outbox.byKey('report/2026-10/email')).toMatchObject({ status: 'sent', attempts: 2, sentMs: T0 + 2, payload: { to: ['a@example.org'] } });
    expect(await outbox.drop(first.entry.id)).toBe(false);
    expect((await outbox.requeue({ key: 'report/2026-10/email', channel: 'email', payload: { again: true }, nowMs: T0 + 3, deadlineMs: T0 + 4 })).status).toBe('pending');
    expect((await outbox.list('pending')).map((e) => e.id)).toEqual([first.entry.id]);

    const alerts = new PostgresAlertStateStore(pool);
    const record = { slo: 'a', kind: 'burn-rate' as const, phase: 'firing' as const, severity: 'page' as const, firingSinceMs: T0, lastNotifiedMs: T0, resolvedMs: null, evaluatedMs: T0, observed: 'firing' as const };
    await alerts.save(record);
    await alerts.save({ ...record, group: { tenant: 'x' } });
    await alerts.save({ ...record, evaluatedMs: T0 + 1 });
    expect(await alerts.get('a', 'burn-rate')).toEqual({ ...record, evaluatedMs: T0 + 1 });
    expect(await alerts.all()).toEqual([{ ...record, evaluatedMs: T0 + 1 }, { ...record, group: { tenant: 'x' } }]);

    const log = new PostgresReportLog(pool);
    await log.record({ month: '2026-10', dueMs: T0, producedMs: T0 + 1, outboxKey: 'k' });
    await log.record({ month: '2026-10', dueMs: null, producedMs: T0 + 2, outboxKey: null });
    expect(await log.get('2026-10')).toEqual({ month: '2026-10', dueMs: T0, producedMs: T0 + 2, outboxKey: 'k' });

    const corrections = new PostgresCorrectionStore(pool);
    const correction = { scope: { slo: 'a' }, timing: { startMs: T0, endMs: T0 + 3_600_000 }, category: 'planned-maintenance', reason: 'upgrade' } as never;
    const added = await corrections.add(correction, { author: 'alice', atMs: T0 });
    expect(added.id).toBe('c1');
    const before = await corrections.revision();
    expect(await corrections.remove('c1', { author: 'bob', atMs: T0 + 5, reason: 'wrong window' })).toBe(true);
    expect(await corrections.remove('c1', { author: 'bob', atMs: T0 + 6 })).toBe(false);
    expect(await corrections.revision()).not.toBe(before);
    expect(await corrections.list()).toEqual([]);
    expect((await corrections.history()).map((e) => [e.action, e.author])).toEqual([['add', 'alice'], ['delete', 'bob']]);

    const statements = new PostgresStatementStore(pool);
    const statement = { month: '2026-10', version: 1, kind: 'original' as const, producedMs: T0, contentHash: 'h', slos: [], corrections: [], files: [], messageId: null };
    await statements.append(statement);
    await expect(statements.append(statement)).rejects.toThrow('the next version is 2');
    await statements.append({ ...statement, version: 2, kind: 'restated' });
    expect((await statements.months()).map((s) => s.version)).toEqual([2]);
    expect((await statements.versions('2026-10')).map((s) => s.kind)).toEqual(['original', 'restated']);
    await expect(pool.query("UPDATE statements SET content_hash = 'x'")).rejects.toThrow('statements are immutable');
    await expect(pool.query('DELETE FROM statements')).rejects.toThrow('statements are immutable');
    await expect(pool.query('TRUNCATE statements')).rejects.toThrow('statements are immutable');
  });
});

/** Series whose naive sums lose digits: cancellation, mixed magnitudes, long runs of fractions. */
function series(): number[][] {
  const next = random(42);
  return [
    [],
    [0.1, 0.2, 0.3],
    [1e16, 1, -1e16, 3.3, 1e-3],
    [1e100, 1, -1e100, 1],
    Array.from({ length: 8_640 }, () => next() * 1_200.37),
    Array.from({ length: 2_000 }, (_, i) => (i % 2 === 0 ? 1e12 : -1e12) + next()),
    Array.from({ length: 500 }, () => Math.round(next() * 1e6) / 7),
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
