import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { correctedBuckets, liveCorrections } from '../../src/app/corrected-buckets.js';
import { finishSteps, type Steps } from '../../src/app/steps.js';
import { WindowSumsMemo } from '../../src/app/window-sums-memo.js';
import type { AppConfig } from '../../src/config/app-config.js';
import type { BucketSums, LedgerBucket } from '../../src/domain/bucket.js';
import { BUCKET_MS } from '../../src/domain/duration.js';
import type { SloDefinition } from '../../src/domain/slo.js';
import type { BucketReader } from '../../src/ledger/bucket-store.js';
import type { LedgerStores } from '../../src/ledger/ledger-stores.js';
import { openLedger } from '../../src/ledger/open-ledger.js';
import { watchLedgerRevision, type LedgerRevision } from '../../src/runtime/ledger-revision.js';
import { GROUPS_PAGE_SIZE } from '../../src/server/group-pages.js';
import { buildHttpServer } from '../../src/server/http-server.js';
import { SnapshotCache } from '../../src/server/snapshot-cache.js';
import { STATUS_PAGE_FULL_LIMIT, STATUS_PAGE_SIZE } from '../../src/server/status-page.js';
import { ConcurrencyLimit, WorkLane } from '../../src/server/work-lane.js';
import { groupRows } from './grouped-helpers.js';
import { AT_MS, knownLedger, memoryLogger, parseMetrics, serverDeps, testConfig } from './helpers.js';

const DAY = 86_400_000;
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A job of `n` steps, each spinning for `stepMs`; returns `n`. */
async function* spinSteps(n: number, stepMs: number): Steps<number> {
  for (let i = 0; i < n; i++) {
    const until = performance.now() + stepMs;
    while (performance.now() < until) {
      // busy, as a synchronous SQLite read is
    }
    yield;
  }
  return n;
}

describe('SnapshotCache', () => {
  it('computes once for the callers of one revision, and again after the revision changed', async () => {
    let revision = 'r1';
    let computed = 0;
    const cache = new SnapshotCache<number>(() => revision);
    const compute = async () => {
      computed++;
      await turn();
      return computed;
    };
    const [a, b] = await Promise.all([cache.get('k', compute), cache.get('k', compute)]);
    expect([a, b, computed]).toEqual([1, 1, 1]);
    expect(await cache.get('k', compute)).toBe(1);
    expect(await cache.get('other', compute)).toBe(2);
    revision = 'r2';
    expect(await cache.get('k', compute)).toBe(3);
  });

  it('keeps no failure, and computes every time without a revision', async () => {
    const cache = new SnapshotCache<number>(() => 'r');
    await expect(cache.get('k', async () => Promise.reject(new Error('read failed')))).rejects.toThrow('read failed');
    await turn();
    expect(await cache.get('k', async () => 7)).toBe(7);
    let n = 0;
    const uncached = new SnapshotCache<number>(undefined);
    await uncached.get('k', async () => ++n);
    await uncached.get('k', async () => ++n);
    expect(n).toBe(2);
  });

  it('keeps at most its capacity, the least recently used going first', async () => {
    const cache = new SnapshotCache<string>(() => 'r', 2);
    await cache.get('a', async () => 'a1');
    await cache.get('b', async () => 'b1');
    await cache.get('a', async () => 'a2');
    await cache.get('c', async () => 'c1');
    expect(await cache.get('a', async () => 'a3')).toBe('a1');
    expect(await cache.get('b', async () => 'b2')).toBe('b2');
  });
});

describe('WorkLane', () => {
  it('gives the event loop turns between its slices: a timer and I/O run while a long job is under way', async () => {
    const lane = new WorkLane(5);
    let jobDone = false;
    const job = lane.run(spinSteps(40, 2)).then((n) => {
      jobDone = true;
      return n;
    });
    const timerFiredBeforeTheEnd = await new Promise<boolean>((resolve) => setTimeout(() => resolve(!jobDone), 1));
    expect(timerFiredBeforeTheEnd).toBe(true);
    expect(await job).toBe(40);
    expect(lane.stats.slices).toBeGreaterThan(1);
  });

  it('takes turns between jobs, and gives the result and the errors of finishSteps', async () => {
    // A slice of 0 ms is one step.
    const lane = new WorkLane(0);
    const order: string[] = [];
    async function* tagged(tag: string): Steps<string> {
      for (let i = 0; i < 3; i++) {
        order.push(tag);
        yield;
      }
      return tag;
    }
    expect(await Promise.all([lane.run(tagged('a')), lane.run(tagged('b'))])).toEqual(['a', 'b']);
    expect(order.slice(0, 4)).toEqual(['a', 'b', 'a', 'b']);
    async function* failing(): Steps<number> {
      yield;
      throw new Error('broken step');
    }
    await expect(lane.run(failing())).rejects.toThrow('broken step');
    await expect(finishSteps(failing())).rejects.toThrow('broken step');
    expect(await finishSteps(spinSteps(3, 0))).toBe(3);
  });
});

describe('ConcurrencyLimit', () => {
  it('runs at most its maximum at once, the others in their order', async () => {
    const limit = new ConcurrencyLimit(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        limit.run(async () => {
          started.push(i);
          running++;
          most = Math.max(most, running);
          await turn();
          running--;
        }),
      ),
    );
    expect(most).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('WindowSumsMemo', () => {
  it('reads a window once per revision, and again once the revision changed', async () => {
    let reads = 0;
    const sums: BucketSums = { good: 1, total: 2, coveredBuckets: 1, expectedBuckets: 1 };
    const inner = { findSeries: async () => 1, listGroups: async () => [], sumWindow: async () => (reads++, sums) } as unknown as BucketReader;
    let revision = '1';
    const memo = new WindowSumsMemo(inner, () => revision);
    const slo = testConfig().slos[0]!;
    await memo.findSeries(slo);
    expect(await memo.sumWindow(1, 0, BUCKET_MS, false)).toBe(sums);
    await memo.sumWindow(1, 0, BUCKET_MS, false);
    await memo.sumWindow(1, 0, BUCKET_MS, true);
    expect(reads).toBe(2);
    revision = '2';
    await memo.findSeries(slo);
    await memo.sumWindow(1, 0, BUCKET_MS, false);
    expect(reads).toBe(3);
  });

  it('looks a series and a group list up once per SLO definition, group and revision', async () => {
    const asked: string[] = [];
    const inner = {
      findSeries: async (s: SloDefinition, group?: Record<string, string>) => (asked.push(`${s.name}/${JSON.stringify(group ?? null)}`), group === undefined ? 1 : 2),
      listGroups: async (s: SloDefinition) => (asked.push(`groups of ${s.name}`), [{ seriesId: 2, labels: { tenant: 'a' } }]),
    } as unknown as BucketReader;
    let revision = '1';
    const memo = new WindowSumsMemo(inner, () => revision);
    const [one, two] = testConfig().slos;
    // Same name, another definition (e.g. after a reload): its own look-up.
    const renamed = { ...one!, objectiveRatio: 0.99 };
    for (let i = 0; i < 3; i++) {
      expect(await memo.findSeries(one!)).toBe(1);
      expect(await memo.findSeries(one!, { tenant: 'a' })).toBe(2);
      expect(await memo.findSeries(two!)).toBe(1);
      expect(await memo.findSeries(renamed)).toBe(1);
      const groups = await memo.listGroups(one!);
      expect(groups).toEqual([{ seriesId: 2, labels: { tenant: 'a' } }]);
      groups.pop();
    }
    expect(asked).toEqual([`${one!.name}/null`, `${one!.name}/{"tenant":"a"}`, `${two!.name}/null`, `${one!.name}/null`, `groups of ${one!.name}`]);
    revision = '2';
    await memo.findSeries(one!);
    await memo.listGroups(one!);
    expect(asked.slice(5)).toEqual([`${one!.name}/null`, `groups of ${one!.name}`]);
  });

  it('shares a read in progress with a second caller of the same window, and keeps no failed read', async () => {
    let reads = 0;
    let fail = true;
    const sums: BucketSums = { good: 1, total: 2, coveredBuckets: 1, expectedBuckets: 1 };
    const inner = {
      findSeries: async () => 1,
      listGroups: async () => [],
      sumWindow: async () => {
        reads++;
        await turn();
        if (fail) throw new Error('read failed');
        return sums;
      },
    } as unknown as BucketReader;
    const memo = new WindowSumsMemo(inner, () => 'r');
    const [a, b] = await Promise.allSettled([memo.sumWindow(1, 0, BUCKET_MS, false), memo.sumWindow(1, 0, BUCKET_MS, false)]);
    expect([a.status, b.status, reads]).toEqual(['rejected', 'rejected', 1]);
    fail = false;
    expect(await memo.sumWindow(1, 0, BUCKET_MS, false)).toBe(sums);
    expect(reads).toBe(2);
  });
});

/** A server as `serve` builds it over a ledger file: corrected figures, the window-sums memo and the ledger's revision. */
function cachedServer(config: AppConfig, ledger: LedgerStores, watch: LedgerRevision): FastifyInstance {
  const figures = correctedBuckets(ledger.buckets, liveCorrections(config.corrections, ledger.corrections), config.timeZone);
  const { logger } = memoryLogger([]);
  return buildHttpServer({ ...serverDeps(config, ledger, logger), buckets: new WindowSumsMemo(figures, () => watch.revision()), ledgerRevision: () => watch.revision() });
}

/** An SLO's series over the day before the test instant: the last point's 1-hour window holds the bucket the tests write again. */
const SERIES_URL = `/api/v1/slos/api-availability/series?window=1h&step=5m&to=${new Date(AT_MS).toISOString()}`;

describe('the read path of a server over a ledger file (caches keyed by the ledger revision)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slo-ledger-read-path-'));
  const file = join(dir, 'ledger.db');
  const config = testConfig();
  let ledger: LedgerStores;
  let watch: LedgerRevision;
  let cached: FastifyInstance;
  let fresh: FastifyInstance;
  const get = async (app: FastifyInstance, url: string) => (await app.inject({ url })).body;
  const sloLines = (text: string) => text.split('\n').filter((l) => /^slo_ledger_(sli|objective|error_budget|burn|events|tier|alert)/.test(l)).join('\n');

  beforeAll(async () => {
    ledger = await knownLedger(config, file);
    watch = watchLedgerRevision(file)!;
    cached = cachedServer(config, ledger, watch);
    // The same figures, corrections applied, computed afresh at every request.
    const figures = correctedBuckets(ledger.buckets, liveCorrections(config.corrections, ledger.corrections), config.timeZone);
    fresh = buildHttpServer({ ...serverDeps(config, ledger, memoryLogger([]).logger), buckets: figures });
  });

  afterAll(async () => {
    await cached.close();
    await fresh.close();
    watch.close();
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers exactly what a server without caches answers', async () => {
    for (const url of ['/api/v1/slos', '/api/v1/slos/api-availability?window=1h,24h', '/', SERIES_URL]) {
      const first = await get(cached, url);
      expect(first, url).toBe(await get(fresh, url));
      expect(await get(cached, url), url).toBe(first);
    }
    expect(sloLines(await get(cached, '/metrics'))).toBe(sloLines(await get(fresh, '/metrics')));
  });

  it('shows buckets another connection wrote at the next request', async () => {
    const slo = config.slos.find((s) => s.name === 'api-availability')!;
    const total = (text: string) => parseMetrics(text).get('slo_ledger_events_total{slo="api-availability",service="rendiff-api",window="24h",kind="total"}');
    expect(total(await get(cached, '/metrics'))).toBe(288_000);
    const seriesBefore = await get(cached, SERIES_URL);
    const pageBefore = await get(cached, '/');
    const writer = openLedger(file);
    try {
      await writer.buckets.writeBuckets((await writer.buckets.findSeries(slo))!, [{ endMs: AT_MS, status: 'ok', good: 1500, total: 2000 }], AT_MS + 3_600_000);
    } finally {
      await writer.close();
    }
    expect(total(await get(cached, '/metrics'))).toBe(289_000);
    const api = JSON.parse(await get(cached, '/api/v1/slos')) as { slos: Array<{ name: string; windows: Array<{ total: number }> }> };
    expect(api.slos.find((s) => s.name === 'api-availability')!.windows[0]!.total).toBe(289_000);
    expect(await get(cached, '/')).toBe(await get(fresh, '/'));
    expect(await get(cached, '/')).not.toBe(pageBefore);
    const series = await get(cached, SERIES_URL);
    expect(series).toBe(await get(fresh, SERIES_URL));
    expect(series).not.toBe(seriesBefore);
    const last = (text: string) => (JSON.parse(text) as { points: Array<{ total: number }> }).points.at(-1)!.total;
    expect(last(series) - last(seriesBefore)).toBe(1000);
  });

  it('shows a correction added to the store at the next request', async () => {
    const before = await get(cached, '/api/v1/slos');
    await ledger.corrections.add(
      { scope: { slo: 'api-availability' }, timing: { kind: 'once', fromMs: AT_MS - 3_600_000, toMs: AT_MS }, category: 'other', reason: 'test' },
      { author: 'test', atMs: AT_MS },
    );
    const after = await get(cached, '/api/v1/slos');
    expect(after).not.toBe(before);
    expect(after).toBe(await get(fresh, '/api/v1/slos'));
    expect(await get(cached, '/')).toContain('data-field="raw_sli"');
    expect(sloLines(await get(cached, '/metrics'))).toBe(sloLines(await get(fresh, '/metrics')));
  });

  it('evaluates once for concurrent scrapes, and not again until the ledger changes', async () => {
    const counting = countingReader(correctedBuckets(ledger.buckets, liveCorrections(config.corrections, ledger.corrections), config.timeZone));
    const app = buildHttpServer({ ...serverDeps(config, ledger, memoryLogger([]).logger), buckets: counting.reader, ledgerRevision: () => watch.revision() });
    try {
      const answers = await Promise.all(Array.from({ length: 10 }, () => app.inject({ url: '/metrics' })));
      expect(new Set(answers.map((a) => sloLines(a.body))).size).toBe(1);
      const reads = counting.sums();
      expect(reads).toBeGreaterThan(0);
      await app.inject({ url: '/metrics' });
      expect(counting.sums()).toBe(reads);
      await ledger.corrections.add({ scope: { slo: 'api-latency' }, timing: { kind: 'once', fromMs: AT_MS - DAY, toMs: AT_MS }, category: 'other', reason: 'x' }, { author: 'test', atMs: AT_MS });
      await app.inject({ url: '/metrics' });
      expect(counting.sums()).toBe(2 * reads);
    } finally {
      await app.close();
    }
  });
});

/** A reader that counts its window sums. */
function countingReader(inner: BucketReader): { reader: BucketReader; sums: () => number } {
  let sums = 0;
  const reader: BucketReader = {
    findSeries: (slo, group) => inner.findSeries(slo, group),
    listGroups: (slo) => inner.listGroups(slo),
    sumWindow: (id, start, end, histogram) => (sums++, inner.sumWindow(id, start, end, histogram)),
    sumWindows: (id, windows, histogram) => ((sums += windows.length), inner.sumWindows(id, windows, histogram)),
    readBuckets: (id, first, last) => inner.readBuckets(id, first, last),
    readBucketColumns: (id, first, last) => inner.readBucketColumns(id, first, last),
    bucketStatus: (id, end) => inner.bucketStatus(id, end),
    noDataRuns: (id, first, last) => inner.noDataRuns(id, first, last),
  };
  return { reader, sums: () => sums };
}

/** `count` events SLOs with a day of buckets each; SLO i has i bad events per bucket (so SLO count−1 is the worst). */
async function manySlos(count: number): Promise<{ config: AppConfig; ledger: LedgerStores }> {
  const config = testConfig();
  config.slos = Array.from({ length: count }, (_, i): SloDefinition => ({
    name: `slo-${String(i).padStart(3, '0')}`, service: `svc-${i % 4}`, description: '', objectiveRatio: 0.999, windowMs: 30 * DAY,
    ...(i % 2 === 0 ? { tiers: { warningRatio: 0.9995, criticalRatio: 0.998 } } : {}),
    sli: { kind: 'events', badQuery: `bad${i}`, totalQuery: `total${i}` },
  }));
  const ledger = openLedger(':memory:');
  for (const [i, slo] of config.slos.entries()) {
    const buckets: LedgerBucket[] = Array.from({ length: 288 }, (_, k) => ({ endMs: AT_MS - k * BUCKET_MS, status: 'ok', good: 1000 - (i % 7 === 3 ? 0 : i), total: 1000 }));
    await ledger.buckets.writeBuckets(await ledger.buckets.ensureSeries(slo, AT_MS), buckets, AT_MS + DAY);
  }
  return { config, ledger };
}

describe('the status page with many SLOs', () => {
  const count = 2 * STATUS_PAGE_SIZE + 20;
  let config: AppConfig;
  let ledger: LedgerStores;
  let app: FastifyInstance;
  beforeAll(async () => {
    ({ config, ledger } = await manySlos(count));
    app = buildHttpServer(serverDeps(config, ledger, memoryLogger([]).logger));
  });
  afterAll(async () => {
    await app.close();
    await ledger.close();
  });
  const page = async (query: string) => app.inject({ url: `/${query}` });
  const ranked = (body: string) => [...body.matchAll(/<tr data-slo="([^"]*)" data-rank="(\d+)">/g)].map((m) => m[1]!);
  const sections = (body: string) => [...body.matchAll(/<section class="slo" data-slo="([^"]*)" id="slo-(\d+)">/g)].map((m) => m[1]!);

  it('summarises every SLO by tier and shows one page of them in full, worst first', async () => {
    expect(count).toBeGreaterThan(STATUS_PAGE_FULL_LIMIT);
    const response = await page('?at=2026-11-01T00:00:00Z');
    expect(response.statusCode).toBe(200);
    const body = response.body;
    expect(body).toContain(`data-slos="${count}"`);
    const tiers = Object.fromEntries([...body.matchAll(/data-tier="(\w+)" data-count="(\d+)"/g)].map((m) => [m[1], Number(m[2])]));
    expect(tiers.critical! + tiers.warning! + tiers.ok!).toBe(count);
    expect(tiers.critical).toBeGreaterThan(0);
    const first = ranked(body);
    expect(first).toHaveLength(STATUS_PAGE_SIZE);
    expect(sections(body)).toEqual(first);
    // Critical first, and within the critical ones the most bad events first.
    const worst = Math.max(...config.slos.map((_, i) => i).filter((i) => i % 2 === 0 && i % 7 !== 3));
    expect(first[0]).toBe(`slo-${String(worst).padStart(3, '0')}`);
    expect(body).toContain(`href="?page=2&amp;at=2026-11-01T00%3A00%3A00Z"`);
    expect(Buffer.byteLength(body)).toBeLessThan(1_000_000);
  });

  it('pages through every SLO exactly once, and refuses a page that is not there', async () => {
    const seen: string[] = [];
    for (let p = 1; p <= 3; p++) seen.push(...ranked((await page(`?page=${p}`)).body));
    expect(seen).toHaveLength(count);
    expect(new Set(seen).size).toBe(count);
    for (const bad of ['0', '4', 'x', '1.5']) {
      const response = await page(`?page=${bad}`);
      expect(response.statusCode, bad).toBe(400);
      expect(response.json()).toMatchObject({ parameter: 'page' });
      expect(response.json().error).toContain('from 1 to 3');
    }
  });
});

describe('the status page with few SLOs', () => {
  const config = testConfig();
  let ledger: LedgerStores;
  let app: FastifyInstance;
  beforeAll(async () => {
    ledger = await knownLedger(config);
    app = buildHttpServer(serverDeps(config, ledger, memoryLogger([]).logger));
  });
  afterAll(async () => {
    await app.close();
    await ledger.close();
  });

  it('has one page: page=1 is the page itself, page=2 is refused', async () => {
    const whole = (await app.inject({ url: '/' })).body;
    expect((await app.inject({ url: '/?page=1' })).body).toBe(whole);
    expect(whole).not.toContain('class="pages"');
    expect((await app.inject({ url: '/?page=2' })).statusCode).toBe(400);
  });
});

describe('the list of groups past one page', () => {
  const config = testConfig();
  const slo: SloDefinition = {
    name: 'per-tenant', service: 'api', description: '', objectiveRatio: 0.999, windowMs: 30 * DAY, groupBy: ['tenant'], maxGroups: 1000,
    sli: { kind: 'events', badQuery: 'b', totalQuery: 't' },
  };
  config.slos = [slo];
  const ledger = openLedger(':memory:');
  const groups = GROUPS_PAGE_SIZE + 10;
  const app = buildHttpServer(serverDeps(config, ledger, memoryLogger([]).logger));
  beforeAll(async () => {
    for (let i = 0; i < groups; i++) {
      const buckets: LedgerBucket[] = [{ endMs: AT_MS, status: 'ok', good: 1000 - (i % 50), total: 1000 }];
      await ledger.buckets.writeBuckets(await ledger.buckets.ensureSeries(slo, AT_MS, { tenant: `t${String(i).padStart(3, '0')}` }), buckets, AT_MS + DAY);
    }
  });
  afterAll(async () => {
    await app.close();
    await ledger.close();
  });

  it('shows the worst page by page, each group once', async () => {
    const first = (await app.inject({ url: '/slos/per-tenant/groups' })).body;
    const second = (await app.inject({ url: '/slos/per-tenant/groups?page=2' })).body;
    expect(first).toContain(`${groups} groups`);
    const rows = [...groupRows(first), ...groupRows(second)].map((r) => r.group);
    expect(groupRows(first)).toHaveLength(GROUPS_PAGE_SIZE);
    expect(new Set(rows).size).toBe(groups);
    expect(first).toContain('href="?page=2"');
    expect((await app.inject({ url: '/slos/per-tenant/groups?page=3' })).statusCode).toBe(400);
  });
});

describe('/series bounds', () => {
  const config = testConfig();
  let ledger: LedgerStores;
  let app: FastifyInstance;
  beforeAll(async () => {
    ledger = await knownLedger(config);
    app = buildHttpServer(serverDeps(config, ledger, memoryLogger([]).logger));
  });
  afterAll(async () => {
    await app.close();
    await ledger.close();
  });

  it('refuses a range longer than the retention, naming the limit, and too many points, naming theirs', async () => {
    const long = await app.inject({ url: '/api/v1/slos/api-availability/series?from=1970-01-01T00:00:00Z&to=9999-12-31T00:00:00Z&step=36500d' });
    expect(long.statusCode).toBe(400);
    expect(long.json()).toMatchObject({ parameter: 'from' });
    expect(long.json().error).toContain('retention 400d');
    const many = await app.inject({ url: '/api/v1/slos/api-availability/series?from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:00Z&step=5m' });
    expect(many.statusCode).toBe(400);
    expect(many.json().error).toContain('at most 2000');
  });
});
