import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SLOS } from '../../src/config/defaults.js';
import { BUCKET_MS } from '../../src/domain/duration.js';
import type { SloDefinition } from '../../src/domain/slo.js';
import type { Statement } from '../../src/domain/statement.js';
import { LedgerError } from '../../src/errors.js';
import { openLedger } from '../../src/ledger/open-ledger.js';
import type { LedgerStores } from '../../src/ledger/ledger-stores.js';

const T0 = Date.parse('2026-10-01T00:00:00Z');
const AVAILABILITY = structuredClone(DEFAULT_SLOS[0]!) as SloDefinition;
const LATENCY = structuredClone(DEFAULT_SLOS[1]!) as SloDefinition;

describe('the SQLite ledger (a real file in a temp dir)', () => {
  let dir: string;
  let path: string;
  let ledger: LedgerStores;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-db-'));
    path = join(dir, 'nested', 'ledger.db');
    ledger = openLedger(path);
  });
  afterEach(async () => {
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const bucket = (i: number, good: number, total: number) => ({ endMs: T0 + i * BUCKET_MS, status: 'ok' as const, good, total });

  it('creates the folder, runs in WAL mode and keeps what was written after a reopen', async () => {
    const id = await ledger.buckets.ensureSeries(AVAILABILITY, T0);
    await ledger.buckets.writeBuckets(id, [bucket(1, 99, 100), bucket(2, 98, 100)], T0 + 3 * BUCKET_MS);
    await ledger.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    ledger = openLedger(path);
    expect(await ledger.buckets.findSeries(AVAILABILITY)).toBe(id);
    expect(await ledger.buckets.sumWindow(id, T0, T0 + 2 * BUCKET_MS, false)).toEqual({ good: 197, total: 200, coveredBuckets: 2, expectedBuckets: 2 });
  });

  it('re-fetching a bucket replaces it and never double counts', async () => {
    const id = await ledger.buckets.ensureSeries(AVAILABILITY, T0);
    await ledger.buckets.writeBuckets(id, [bucket(1, 99, 100), bucket(2, 98, 100)], T0 + 3 * BUCKET_MS);
    await ledger.buckets.writeBuckets(id, [bucket(2, 90, 100), bucket(3, 100, 100)], T0 + 4 * BUCKET_MS);
    await ledger.buckets.writeBuckets(id, [bucket(2, 90, 100)], T0 + 5 * BUCKET_MS);
    expect(await ledger.buckets.sumWindow(id, T0, T0 + 3 * BUCKET_MS, false)).toMatchObject({ good: 289, total: 300, coveredBuckets: 3 });
  });

  it('sums latency histograms per bound, with +Inf kept as infinity', async () => {
    const id = await ledger.buckets.ensureSeries(LATENCY, T0);
    const histogram = (fast: number, all: number) => [{ le: 2, count: fast }, { le: Infinity, count: all }];
    await ledger.buckets.writeBuckets(id, [{ ...bucket(1, 95, 100), histogram: histogram(95, 100) }, { ...bucket(2, 90, 100), histogram: histogram(90, 100) }], T0 + 3 * BUCKET_MS);
    expect((await ledger.buckets.sumWindow(id, T0, T0 + 2 * BUCKET_MS, true)).histogram).toEqual([{ le: 2, count: 185 }, { le: Infinity, count: 200 }]);
  });

  it('sets the buckets of a changed SLI definition aside, and takes them back if the definition returns', async () => {
    const first = await ledger.buckets.ensureSeries(AVAILABILITY, T0);
    await ledger.buckets.writeBuckets(first, [bucket(1, 99, 100)], T0 + 2 * BUCKET_MS);
    const changed: SloDefinition = { ...AVAILABILITY, sli: { kind: 'events', badQuery: 'sum(increase(other_errors_total[{{.window}}]))', totalQuery: 'sum(increase(other_total[{{.window}}]))' } };
    const second = await ledger.buckets.ensureSeries(changed, T0 + BUCKET_MS);
    expect(second).not.toBe(first);
    expect(await ledger.buckets.sumWindow(second, T0, T0 + BUCKET_MS, false)).toMatchObject({ good: 0, total: 0, coveredBuckets: 0 });
    expect(await ledger.buckets.ensureSeries(AVAILABILITY, T0 + 2 * BUCKET_MS)).toBe(first);
    expect(await ledger.buckets.sumWindow(first, T0, T0 + BUCKET_MS, false)).toMatchObject({ good: 99, total: 100 });
  });

  it('a changed objective keeps the history: only the SLI definition keys the buckets', async () => {
    const id = await ledger.buckets.ensureSeries(AVAILABILITY, T0);
    expect(await ledger.buckets.ensureSeries({ ...AVAILABILITY, objectiveRatio: 0.995 }, T0)).toBe(id);
  });

  it('lists the buckets still to fetch: never fetched, or fetched before they had settled', async () => {
    const id = await ledger.buckets.ensureSeries(AVAILABILITY, T0);
    await ledger.buckets.writeBuckets(id, [bucket(1, 1, 1)], T0 + 1 * BUCKET_MS + 10_000);
    await ledger.buckets.writeBuckets(id, [bucket(2, 1, 1)], T0 + 3 * BUCKET_MS);
    expect(await ledger.buckets.unsettledBucketEnds(id, T0 + BUCKET_MS, T0 + 3 * BUCKET_MS, 120_000)).toEqual([T0 + BUCKET_MS, T0 + 3 * BUCKET_MS]);
  });

  it('keeps a no-data bucket to fetch again until it was fetched the empty-answer settle time after it closed', async () => {
    const id = await ledger.buckets.ensureSeries(AVAILABILITY, T0);
    const empty = (i: number) => ({ endMs: T0 + i * BUCKET_MS, status: 'no-data' as const, good: 0, total: 0 });
    // Both fetched 10 minutes after they closed: the one with data has settled, the empty one has not (15 min).
    await ledger.buckets.writeBuckets(id, [bucket(1, 1, 1)], T0 + 3 * BUCKET_MS);
    await ledger.buckets.writeBuckets(id, [empty(2)], T0 + 4 * BUCKET_MS);
    expect(await ledger.buckets.unsettledBucketEnds(id, T0 + BUCKET_MS, T0 + 2 * BUCKET_MS, 120_000, 900_000)).toEqual([T0 + 2 * BUCKET_MS]);
    expect(await ledger.buckets.lastDataEndMs(id, T0 + BUCKET_MS, T0 + 2 * BUCKET_MS)).toBe(T0 + BUCKET_MS);
    // Fetched again 15 minutes after it closed, still empty: now it is believed.
    await ledger.buckets.writeBuckets(id, [empty(2)], T0 + 5 * BUCKET_MS);
    expect(await ledger.buckets.unsettledBucketEnds(id, T0 + BUCKET_MS, T0 + 2 * BUCKET_MS, 120_000, 900_000)).toEqual([]);
    expect(await ledger.buckets.lastDataEndMs(id, T0 + 2 * BUCKET_MS, T0 + 2 * BUCKET_MS)).toBeUndefined();
  });

  it('remembers the settled span of a sync, so a tick only looks at what lies outside it', async () => {
    const id = await ledger.buckets.ensureSeries(AVAILABILITY, T0);
    await ledger.buckets.writeBuckets(id, [1, 2, 3, 4].map((i) => bucket(i, 1, 1)), T0 + 10 * BUCKET_MS);
    await ledger.buckets.markSettled(id, T0 + BUCKET_MS, T0 + 4 * BUCKET_MS);
    expect(await ledger.buckets.unsettledBucketEnds(id, T0 + BUCKET_MS, T0 + 6 * BUCKET_MS, 120_000)).toEqual([T0 + 5 * BUCKET_MS, T0 + 6 * BUCKET_MS]);
    // Buckets before the span are still found missing.
    expect(await ledger.buckets.unsettledBucketEnds(id, T0 - BUCKET_MS, T0 + 4 * BUCKET_MS, 120_000)).toEqual([T0 - BUCKET_MS, T0]);
    // A span that touches the known one extends it; one far away replaces it.
    await ledger.buckets.writeBuckets(id, [5, 6].map((i) => bucket(i, 1, 1)), T0 + 10 * BUCKET_MS);
    await ledger.buckets.markSettled(id, T0 + 5 * BUCKET_MS, T0 + 6 * BUCKET_MS);
    expect(await ledger.buckets.unsettledBucketEnds(id, T0 + BUCKET_MS, T0 + 6 * BUCKET_MS, 120_000)).toEqual([]);
    // Pruning the start of the span makes those buckets missing again.
    await ledger.buckets.prune(T0 + 3 * BUCKET_MS);
    expect(await ledger.buckets.unsettledBucketEnds(id, T0 + BUCKET_MS, T0 + 6 * BUCKET_MS, 120_000)).toEqual([T0 + BUCKET_MS, T0 + 2 * BUCKET_MS]);
  });

  it('a reconciled gap is not turned back into no-data by a later fetch of the same buckets', async () => {
    const id = await ledger.buckets.ensureSeries(AVAILABILITY, T0);
    const run = { firstEndMs: T0 + BUCKET_MS, lastEndMs: T0 + 2 * BUCKET_MS };
    await ledger.buckets.bookReconciliation(id, run, { good: 200, total: 200 }, { good: 190, total: 200 }, T0 + 10 * BUCKET_MS);
    await ledger.buckets.writeBuckets(id, [{ endMs: T0 + BUCKET_MS, status: 'no-data', good: 0, total: 0 }], T0 + 11 * BUCKET_MS);
    expect(await ledger.buckets.readBuckets(id, T0, T0 + 2 * BUCKET_MS)).toEqual([
      { endMs: T0 + BUCKET_MS, status: 'reconciled', good: 95, total: 100 },
      { endMs: T0 + 2 * BUCKET_MS, status: 'reconciled', good: 95, total: 100 },
    ]);
  });

  it('prunes buckets older than retention and reports how many', async () => {
    const id = await ledger.buckets.ensureSeries(LATENCY, T0);
    await ledger.buckets.writeBuckets(id, [1, 2, 3].map((i) => ({ ...bucket(i, 1, 1), histogram: [{ le: 2, count: 1 }] })), T0 + 4 * BUCKET_MS);
    expect(await ledger.buckets.prune(T0 + 3 * BUCKET_MS)).toBe(2);
    expect((await ledger.buckets.readBuckets(id, 0, T0 + 9 * BUCKET_MS)).map((b) => b.endMs)).toEqual([T0 + 3 * BUCKET_MS]);
    expect((await ledger.buckets.sumWindow(id, 0, T0 + 9 * BUCKET_MS, true)).histogram).toEqual([{ le: 2, count: 1 }]);
  });

  it('refuses a database written by a newer slo-ledger, naming the file', async () => {
    await ledger.close();
    const raw = new Database(path);
    raw.pragma('user_version = 999');
    raw.close();
    expect(() => openLedger(path)).toThrow(LedgerError);
    expect(() => openLedger(path)).toThrow(/ledger\.db: schema version 999 is newer/);
    ledger = openLedger(':memory:');
  });

  it('names the path when the database cannot be opened', () => {
    const blocked = join(dir, 'nested', 'ledger.db', 'inside.db');
    expect(() => openLedger(blocked)).toThrow(/cannot open the ledger database .*inside\.db/);
  });
});

describe('statements in the ledger', () => {
  const statement = (version: number): Statement => ({
    month: '2026-10', version, kind: version === 1 ? 'original' : 'restated', producedMs: Date.parse('2026-11-01T06:00:00Z') + version,
    contentHash: `hash-${version}`, slos: [{ slo: 'api-availability', good: 999, total: 1000, sliRatio: 0.999, consumedRatio: 1, coverageRatio: 1, tier: 'ok' }],
    corrections: [], files: [{ name: 'report.pdf', sha256: 'ab', bytes: 2 }], messageId: `<m${version}@example.com>`,
  });

  it('appends versions in order, keeps every one, and refuses to change or delete any', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slo-ledger-statements-'));
    const ledger = openLedger(join(dir, 'ledger.db'));
    try {
      expect(await ledger.statements.latest('2026-10')).toBeUndefined();
      await expect(ledger.statements.append(statement(2))).rejects.toThrow(/version 2 cannot be recorded, the next version is 1/);
      await ledger.statements.append(statement(1));
      await ledger.statements.append(statement(2));
      expect(await ledger.statements.versions('2026-10')).toEqual([statement(1), statement(2)]);
      expect(await ledger.statements.latest('2026-10')).toEqual(statement(2));
      expect(await ledger.statements.months()).toEqual([statement(2)]);
      const db = new Database(join(dir, 'ledger.db'));
      try {
        expect(() => db.prepare("UPDATE statements SET content_hash = 'forged' WHERE version = 1").run()).toThrow(/statements are immutable/);
        expect(() => db.prepare('DELETE FROM statements').run()).toThrow(/statements are immutable/);
      } finally {
        db.close();
      }
      expect(await ledger.statements.versions('2026-10')).toEqual([statement(1), statement(2)]);
    } finally {
      await ledger.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
