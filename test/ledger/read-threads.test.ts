import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SLOS } from '../../src/config/defaults.js';
import type { LedgerBucket } from '../../src/domain/bucket.js';
import { BUCKET_MS } from '../../src/domain/duration.js';
import type { SloDefinition } from '../../src/domain/slo.js';
import { LedgerError } from '../../src/errors.js';
import type { LedgerStores } from '../../src/ledger/ledger-stores.js';
import { openLedger } from '../../src/ledger/open-ledger.js';
import { SqliteReadPool } from '../../src/ledger/sqlite/read-pool.js';

const T0 = Date.parse('2026-10-01T00:00:00Z');
const AVAILABILITY = structuredClone(DEFAULT_SLOS[0]!) as SloDefinition;
const LATENCY = structuredClone(DEFAULT_SLOS[1]!) as SloDefinition;
const GROUPED: SloDefinition = { ...structuredClone(AVAILABILITY), name: 'by-tenant', groupBy: ['tenant'] };
const DAYS = 40;
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** `n` buckets ending at T0 + i·5m with uneven float counts (so the summation order shows in the last bits), every 37th no-data. */
function unevenBuckets(n: number, seed: number, histogram: boolean): LedgerBucket[] {
  let x = seed;
  const next = () => (x = (x * 16807) % 2147483647) / 2147483647;
  return Array.from({ length: n }, (_, i) => {
    const noData = i % 37 === 5;
    const total = noData ? 0 : 1000 * next() + 0.1 * next();
    const good = total * (0.99 + 0.01 * next());
    return {
      endMs: T0 + (i + 1) * BUCKET_MS,
      status: noData ? ('no-data' as const) : ('ok' as const),
      good,
      total,
      ...(histogram && !noData ? { histogram: [0.1, 0.25, 0.5, 1, 2, Infinity].map((le, k) => ({ le, count: (total * (k + 1)) / 6 + next() / 3 })) } : {}),
    };
  });
}

describe('the SQLite ledger with read threads', () => {
  let dir: string;
  let path: string;
  let ledger: LedgerStores;
  let threaded: LedgerStores | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-read-threads-'));
    path = join(dir, 'ledger.db');
    ledger = openLedger(path);
  });
  afterEach(async () => {
    await threaded?.close();
    threaded = undefined;
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every bucket read as the main connection does, to the last bit', async () => {
    const buckets = DAYS * 288;
    const latency = await ledger.buckets.ensureSeries(LATENCY, T0);
    await ledger.buckets.writeBuckets(latency, unevenBuckets(buckets, 7, true), T0);
    const own = await ledger.buckets.ensureSeries(GROUPED, T0);
    await ledger.buckets.writeBuckets(own, unevenBuckets(buckets, 11, false), T0);
    for (const [i, tenant] of ['acme', 'globex'].entries()) {
      const id = await ledger.buckets.ensureSeries(GROUPED, T0, { tenant });
      await ledger.buckets.writeBuckets(id, unevenBuckets(buckets, 13 + i, false), T0);
    }
    threaded = openLedger(path, { readThreads: 2 });
    const end = T0 + buckets * BUCKET_MS;
    const reads = async (l: LedgerStores) => {
      const b = l.buckets;
      return {
        series: [await b.findSeries(LATENCY), await b.findSeries(GROUPED), await b.findSeries(GROUPED, { tenant: 'globex' }), await b.findSeries(AVAILABILITY)],
        groups: await b.listGroups(GROUPED),
        // Read at once: both threads answer, in whatever order they finish.
        sums: await Promise.all([1, 7, 30].flatMap((days) => [b.sumWindow(latency, end - days * 86_400_000, end, true), b.sumWindow(own, end - days * 86_400_000, end, false)])),
        buckets: await b.readBuckets(own, end - 86_400_000, end),
        columns: await b.readBucketColumns(latency, end - 7 * 86_400_000, end),
        status: [await b.bucketStatus(own, T0 + 6 * BUCKET_MS), await b.bucketStatus(own, end), await b.bucketStatus(own, end + BUCKET_MS)],
        runs: await b.noDataRuns(own, T0, end),
        // The sync's and the statements' scans.
        unsettled: await b.unsettledBucketEnds(own, end - 86_400_000, end + 12 * BUCKET_MS, 3_600_000),
        lastData: [await b.lastDataEndMs(own, T0, end), await b.lastDataEndMs(own, end + BUCKET_MS, end + 9 * BUCKET_MS)],
        changes: await b.changesSince(own, T0 - 1, T0, end),
      };
    };
    const main = await reads(ledger);
    const off = await reads(threaded);
    expect(off.columns.good).toBeInstanceOf(Float64Array);
    expect(off.columns.status).toBeInstanceOf(Uint8Array);
    // toEqual tells 0.1 + 0.2 from 0.3: every figure is the same double.
    expect(off).toEqual(main);
    expect(main.sums[4]!.histogram).toHaveLength(6);
    expect(main.runs.length).toBeGreaterThan(100);
    // Fetched (at T0) before they closed: every bucket of the last day is unsettled, and the 12 not there yet.
    expect(main.unsettled).toHaveLength(289 + 12);
    expect(main.changes.refetched.buckets).toBe(buckets);
  });

  it('reads off the main thread: the event loop turns while a long window is summed', async () => {
    const id = await ledger.buckets.ensureSeries(LATENCY, T0);
    // A year of 5-minute buckets, a histogram of six bounds each: over 600,000 rows in one sum.
    const year = 365 * 288;
    for (let first = 0; first < year; first += 20_000) {
      const chunk = unevenBuckets(Math.min(20_000, year - first), first + 1, true).map((b) => ({ ...b, endMs: b.endMs + first * BUCKET_MS }));
      await ledger.buckets.writeBuckets(id, chunk, T0);
    }
    threaded = openLedger(path, { readThreads: 1 });
    await threaded.buckets.findSeries(LATENCY); // the thread is started
    /** How often the event loop turned (polled I/O) between the read's start and its answer. */
    const turnsWhile = async (read: Promise<unknown>) => {
      let turns = 0;
      let answered = false;
      const count = () => {
        if (answered) return;
        turns++;
        setImmediate(count);
      };
      setImmediate(count);
      const result = await read;
      answered = true;
      return { turns, result };
    };
    const end = T0 + year * BUCKET_MS;
    const onMain = await turnsWhile(ledger.buckets.sumWindow(id, T0, end, true));
    const offMain = await turnsWhile(threaded.buckets.sumWindow(id, T0, end, true));
    // On the main connection the sum is done before the loop can turn at all; on a thread the
    // loop goes on turning (polling I/O, answering requests) until it is.
    expect(onMain.turns).toBe(0);
    expect(offMain.turns).toBeGreaterThan(10);
    expect(offMain.result).toEqual(onMain.result);
  });

  it('sees what the main connection committed, and does not wait for its open transaction', async () => {
    const id = await ledger.buckets.ensureSeries(AVAILABILITY, T0);
    threaded = openLedger(path, { readThreads: 2 });
    expect(await threaded.buckets.readBuckets(id, T0, T0 + BUCKET_MS)).toEqual([]);
    await ledger.buckets.writeBuckets(id, [{ endMs: T0 + BUCKET_MS, status: 'ok', good: 9, total: 10 }], T0);
    expect(await threaded.buckets.sumWindow(id, T0, T0 + BUCKET_MS, false)).toEqual({ good: 9, total: 10, coveredBuckets: 1, expectedBuckets: 1 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const transaction = threaded.transaction(async (tx) => {
      await tx.buckets.writeBuckets(id, [{ endMs: T0 + BUCKET_MS, status: 'ok', good: 1, total: 10 }], T0);
      await held;
    });
    await turn();
    // The transaction has written but not committed: a read thread sees the committed state at once.
    expect((await threaded.buckets.sumWindow(id, T0, T0 + BUCKET_MS, false)).good).toBe(9);
    release();
    await transaction;
    expect((await threaded.buckets.sumWindow(id, T0, T0 + BUCKET_MS, false)).good).toBe(1);
  });

  it('passes a failed statement on as the main connection would: a SqliteError with its code', async () => {
    writeFileSync(join(dir, 'not-a-ledger.db'), 'this is not a SQLite file, but long enough to be taken for one. '.repeat(20));
    const pool = new SqliteReadPool(join(dir, 'not-a-ledger.db'), 1);
    try {
      const error = await pool.reader().sumWindow(1, T0, T0 + BUCKET_MS, false).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Database.SqliteError);
      expect(error).toMatchObject({ code: 'SQLITE_NOTADB', message: 'file is not a database' });
    } finally {
      await pool.close();
    }
  });

  it('a read thread that cannot start fails every read with a clear error, never hangs, and still closes', async () => {
    const id = await ledger.buckets.ensureSeries(AVAILABILITY, T0);
    threaded = openLedger(path, { readThreads: 2 });
    // The file is gone before the first read starts a thread (the main connection keeps its own handle).
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    const expected = new RegExp(`a read thread of the ledger ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} failed before answering sumWindow: cannot open it read-only: unable to open database file`);
    await expect(threaded.buckets.sumWindow(id, T0, T0 + BUCKET_MS, false)).rejects.toThrow(expected);
    await expect(threaded.buckets.sumWindow(id, T0, T0 + BUCKET_MS, false)).rejects.toBeInstanceOf(LedgerError);
    await expect(threaded.buckets.findSeries(AVAILABILITY)).rejects.toThrow(/failed before answering findSeries/);
    // Writes and transactions stay on the main connection, which still works.
    await ledger.buckets.recordSync(AVAILABILITY.name, T0);
    await threaded.close();
    await expect(threaded.buckets.findSeries(AVAILABILITY)).rejects.toThrow(/the ledger .* is closed; findSeries was not read/);
    threaded = undefined;
  });

  it('reads a ledger in memory on the main connection, whatever readThreads says', async () => {
    const memory = openLedger(':memory:', { readThreads: 2 });
    try {
      const id = await memory.buckets.ensureSeries(AVAILABILITY, T0);
      await memory.buckets.writeBuckets(id, [{ endMs: T0 + BUCKET_MS, status: 'ok', good: 9, total: 10 }], T0);
      expect(await memory.buckets.sumWindow(id, T0, T0 + BUCKET_MS, false)).toMatchObject({ good: 9, total: 10 });
    } finally {
      await memory.close();
    }
  });

  it('closes its threads with the ledger, and an idle thread does not keep a process alive', () => {
    const script = join(dir, 'reader.mts');
    const source = new URL('../../src/ledger/open-ledger.ts', import.meta.url).href;
    // One process closes the ledger, the other forgets to: both exit by themselves.
    writeFileSync(script, [
      `import { openLedger } from ${JSON.stringify(source)};`,
      `const ledger = openLedger(${JSON.stringify(path)}, { readThreads: 2 });`,
      `const slo = ${JSON.stringify(AVAILABILITY)};`,
      `await Promise.all([ledger.buckets.findSeries(slo), ledger.buckets.sumWindow(1, 0, ${BUCKET_MS}, false)]);`,
      `if (process.argv[2] === 'close') await ledger.close();`,
      `console.log('read');`,
    ].join('\n'));
    const tsx = new URL('../../node_modules/.bin/tsx', import.meta.url).pathname;
    for (const mode of ['close', 'forget']) {
      const run = spawnSync(tsx, [script, mode], { encoding: 'utf8', timeout: 60_000 });
      expect({ mode, status: run.status, signal: run.signal, stdout: run.stdout.trim(), stderr: run.stderr }).toEqual({ mode, status: 0, signal: null, stdout: 'read', stderr: '' });
    }
  });
});
