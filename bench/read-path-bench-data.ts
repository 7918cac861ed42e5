/**
 * The ledgers of bench/read-path-bench.ts, written straight into SQLite with the ledger's own
 * `writeBuckets` (no Prometheus): 35 days of 5-minute buckets (10,080) per series, ending at
 * {@link BENCH_AT_MS}, with a daily wave, a burst of errors per week and a scrape gap now and then.
 * Two shapes, each about 10 million bucket rows:
 * - `slos`: 1,000 SLOs (every tenth a latency SLO with a 10-bound histogram per bucket);
 * - `groups`: one SLO with `group_by: [tenant]` and 1,000 groups (and its own series, their sum).
 * Cached under `.tmp/read-path-bench/<key>/` by a hash of the parameters and the generator version,
 * so only the first run pays for it.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { LedgerBucket } from '../src/domain/bucket.js';
import { BUCKET_MS } from '../src/domain/duration.js';
import type { GroupLabels, HistogramCounts, SloDefinition } from '../src/domain/slo.js';
import { openLedger } from '../src/ledger/open-ledger.js';

/** Bump when the generator's output changes, so a cached ledger is rebuilt. */
const GENERATOR_VERSION = 1;

const DAY = 24 * 3_600_000;
const BOUNDS = [0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 5, 10, Infinity];

/** The instant the benchmark's server evaluates at (the end of the data). */
export const BENCH_AT_MS = Date.parse('2026-11-01T00:00:00Z');

export type BenchShape = 'slos' | 'groups';

export interface BenchDataParams {
  shape: BenchShape;
  /** SLOs (`slos`) or groups of the one SLO (`groups`). */
  count: number;
  days: number;
}

export const GROUPED_SLO_NAME = 'api-availability-by-tenant';

const tenant = (i: number) => `t${String(i).padStart(4, '0')}`;

/** The SLO definitions of a shape, as the config file of the benchmark declares them. */
export function benchSlos(p: BenchDataParams): SloDefinition[] {
  if (p.shape === 'groups') {
    return [{
      name: GROUPED_SLO_NAME, service: 'api', description: 'Share of requests without a 5xx, per tenant', objectiveRatio: 0.995, windowMs: 30 * DAY,
      groupBy: ['tenant'], maxGroups: p.count,
      sli: { kind: 'events', badQuery: 'sum by (tenant) (increase(api_requests_total{code="500"}[{{.window}}]))', totalQuery: 'sum by (tenant) (increase(api_requests_total[{{.window}}]))' },
    }];
  }
  return Array.from({ length: p.count }, (_, i): SloDefinition => {
    const latency = i % 10 === 9;
    return {
      name: `service-${String(i).padStart(4, '0')}-${latency ? 'latency' : 'availability'}`,
      service: `service-${String(i).padStart(4, '0')}`,
      description: `Synthetic SLO ${i + 1} of ${p.count}`,
      objectiveRatio: latency ? 0.95 : 0.999,
      windowMs: 30 * DAY,
      sli: latency
        ? { kind: 'latency', histogram: `http_request_duration_seconds`, selector: `service="s${i}"`, thresholdSeconds: 2, quantile: 0.95 }
        : { kind: 'events', badQuery: `sum(increase(errors_total{service="s${i}"}[{{.window}}]))`, totalQuery: `sum(increase(requests_total{service="s${i}"}[{{.window}}]))` },
    };
  });
}

/** One series' buckets: a daily wave, a 50-minute burst of errors a week (its hour differs per series), a no-data bucket now and then. */
export function seriesBuckets(index: number, days: number, endMs: number, latency: boolean): LedgerBucket[] {
  const n = (days * DAY) / BUCKET_MS;
  const scale = 10 ** (index % 4);
  const baseBad = [0.0002, 0.0006, 0.0012, 0.003][index % 4]!;
  const out: LedgerBucket[] = [];
  for (let k = n - 1; k >= 0; k--) {
    const bucketEnd = endMs - k * BUCKET_MS;
    if ((k + index) % 997 === 0) {
      out.push({ endMs: bucketEnd, status: 'no-data', good: 0, total: 0 });
      continue;
    }
    const total = scale * (100 + 60 * Math.sin((2 * Math.PI * k) / 288 + index));
    const burst = (k + index * 7) % 2016 < 10;
    const badRatio = latency ? (burst ? 0.4 : 0.02) : burst ? 0.15 : baseBad;
    const good = total * (1 - badRatio);
    const bucket: LedgerBucket = { endMs: bucketEnd, status: 'ok', good, total };
    if (latency) bucket.histogram = histogram(good, total);
    out.push(bucket);
  }
  return out;
}

function histogram(good: number, total: number): HistogramCounts {
  return BOUNDS.map((le, b) => ({ le, count: le <= 2 ? (good * (b + 1)) / 6 : total - ((total - good) * (BOUNDS.length - 1 - b)) / 4 }));
}

/** The group labels of the `groups` shape. */
export function benchGroups(p: BenchDataParams): GroupLabels[] {
  return Array.from({ length: p.count }, (_, i) => ({ tenant: tenant(i) }));
}

/**
 * Builds (or takes from the cache) the ledger of `p` under `cacheDir` and returns its path. The
 * SLOs' (and groups') buckets are written with `BucketStore.writeBuckets`, as a sync would.
 */
export async function buildBenchLedger(p: BenchDataParams, cacheDir: string, log: (line: string) => void = () => {}): Promise<{ path: string; built: boolean; buildMs: number }> {
  const key = createHash('sha256').update(JSON.stringify({ GENERATOR_VERSION, p, BENCH_AT_MS })).digest('hex').slice(0, 16);
  const dir = join(cacheDir, key);
  const path = join(dir, 'ledger.db');
  if (existsSync(path)) return { path, built: false, buildMs: 0 };
  const started = performance.now();
  const work = `${dir}.building-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const ledger = openLedger(join(work, 'ledger.db'));
  try {
    const slos = benchSlos(p);
    const fetchedAtMs = BENCH_AT_MS + DAY;
    if (p.shape === 'slos') {
      for (const [i, slo] of slos.entries()) {
        await ledger.buckets.writeBuckets(await ledger.buckets.ensureSeries(slo, BENCH_AT_MS), seriesBuckets(i, p.days, BENCH_AT_MS, slo.sli.kind === 'latency'), fetchedAtMs);
        if (i % 100 === 99) log(`${i + 1} of ${slos.length} SLOs written`);
      }
    } else {
      const slo = slos[0]!;
      const groups = benchGroups(p);
      const own = new Map<number, LedgerBucket>();
      for (const [i, labels] of groups.entries()) {
        const buckets = seriesBuckets(i, p.days, BENCH_AT_MS, false);
        await ledger.buckets.writeBuckets(await ledger.buckets.ensureSeries(slo, BENCH_AT_MS, labels), buckets, fetchedAtMs);
        for (const b of buckets) {
          const sum = own.get(b.endMs) ?? { endMs: b.endMs, status: 'ok', good: 0, total: 0 };
          sum.good += b.good;
          sum.total += b.total;
          own.set(b.endMs, sum);
        }
        if (i % 100 === 99) log(`${i + 1} of ${groups.length} groups written`);
      }
      await ledger.buckets.writeBuckets(await ledger.buckets.ensureSeries(slo, BENCH_AT_MS), [...own.values()].sort((a, b) => a.endMs - b.endMs), fetchedAtMs);
    }
  } finally {
    await ledger.close();
  }
  rmSync(join(work, 'ledger.db-wal'), { force: true });
  rmSync(join(work, 'ledger.db-shm'), { force: true });
  try {
    renameSync(work, dir);
  } catch {
    // another run built the same ledger first; its copy is as good
    rmSync(work, { recursive: true, force: true });
  }
  return { path, built: true, buildMs: performance.now() - started };
}
