import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerBucket } from '../../src/domain/bucket.js';
import { BUCKET_MS } from '../../src/domain/duration.js';
import type { LedgerStores } from '../../src/ledger/ledger-stores.js';
import { openLedger } from '../../src/ledger/open-ledger.js';
import { READ_THREAD_NICE } from '../../src/ledger/sqlite/read-pool.js';
import { buildHttpServer } from '../../src/server/http-server.js';
import { AT_MS, memoryLogger, serverDeps, testConfig } from './helpers.js';

const DAY = 86_400_000;
/** The retention's length: the longest window the API sums in one read. */
const DAYS = 400;
const BOUNDS = [0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 2.5, 5, 10, 30, Infinity];

/**
 * The server over a ledger read by read threads: what a long window sum costs is spent off the
 * main thread, so /healthz is answered while it runs. No latency target here (that is
 * bench/read-path-bench.ts): the bound is half of what the one read costs on the main connection,
 * which is how long /healthz would wait behind it there.
 */
describe('the server with read threads', () => {
  const config = testConfig();
  const latency = config.slos.find((s) => s.sli.kind === 'latency')!;
  let dir: string;
  let ledger: LedgerStores;
  let threaded: LedgerStores;
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-server-threads-'));
    const path = join(dir, 'ledger.db');
    ledger = openLedger(path);
    const id = await ledger.buckets.ensureSeries(latency, AT_MS);
    const buckets = DAYS * 288;
    for (let first = 0; first < buckets; first += 10_000) {
      const chunk: LedgerBucket[] = [];
      for (let i = first; i < Math.min(buckets, first + 10_000); i++) {
        const total = 1000 + (i % 97);
        chunk.push({ endMs: AT_MS - i * BUCKET_MS, status: 'ok', good: total - (i % 7), total, histogram: BOUNDS.map((le, k) => ({ le, count: (total * (k + 1)) / BOUNDS.length })) });
      }
      await ledger.buckets.writeBuckets(id, chunk, AT_MS);
    }
    threaded = openLedger(path, { readThreads: 2 });
    app = buildHttpServer(serverDeps(config, threaded, memoryLogger(config.secrets).logger));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    // The thread is started, the connection and the probe's client warm.
    await threaded.buckets.findSeries(latency);
    await (await fetch(`${base}/healthz`)).text();
  }, 300_000);

  afterAll(async () => {
    await app?.close();
    await threaded?.close();
    await ledger?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`answers /healthz while a ${DAYS}-day latency window is summed, and sums it as the main connection does`, async () => {
    const id = (await ledger.buckets.findSeries(latency))!;
    let started = performance.now();
    const direct = await ledger.buckets.sumWindow(id, AT_MS - DAYS * DAY, AT_MS, true);
    const onMainMs = performance.now() - started;

    let answered = false;
    started = performance.now();
    const heavy = fetch(`${base}/api/v1/slos/${latency.name}?window=${DAYS}d`).then(async (response) => {
      const body = (await response.json()) as { slos: Array<{ windows: Array<{ total: number; good: number }> }> };
      answered = true;
      return { status: response.status, body, ms: performance.now() - started };
    });
    const probes: number[] = [];
    while (!answered) {
      const sent = performance.now();
      const response = await fetch(`${base}/healthz`);
      await response.text();
      if (!answered) probes.push(performance.now() - sent);
      expect(response.status).toBe(200);
    }
    const answer = await heavy;
    expect(answer.status).toBe(200);
    expect(answer.body.slos[0]!.windows[0]).toMatchObject({ total: direct.total, good: direct.good });
    const summary = JSON.stringify({ onMainMs, heavyMs: answer.ms, probes: probes.length, slowestProbeMs: Math.max(...probes) });
    // Several probes answered while the one request summed, each far sooner than the read takes on the main thread.
    expect(probes.length, summary).toBeGreaterThanOrEqual(3);
    expect(Math.max(...probes), summary).toBeLessThan(onMainMs / 2);
  });

  it.runIf(process.platform === 'linux')(`runs its read threads ${READ_THREAD_NICE} nice steps below the process, and nothing else`, async () => {
    // Both threads started: two reads at once.
    await Promise.all([threaded.buckets.findSeries(latency), threaded.buckets.findSeries(latency)]);
    const nice = (stat: string) => Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    const own = nice(readFileSync('/proc/self/stat', 'utf8'));
    const threads = readdirSync('/proc/self/task').map((tid) => nice(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')));
    expect(threads.filter((n) => n === Math.min(19, own + READ_THREAD_NICE))).toHaveLength(2);
    expect(threads.filter((n) => n !== own && n !== Math.min(19, own + READ_THREAD_NICE))).toEqual([]);
  });
});
