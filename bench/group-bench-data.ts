/**
 * The data of bench/group-bench.ts: `api_requests_total{tenant, code}` for many tenants with
 * uneven traffic, scraped every minute, written as OpenMetrics and backfilled into a TSDB with
 * promtool. Cached under `.tmp/group-bench/<key>/` by a hash of the parameters and the generator
 * version, so only the first run pays for it. (The approach of test/helpers/grouped-traffic.ts,
 * rewritten for size: one pass per series, one string per series, no per-minute truth kept.)
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** Bump when the generator's output changes, so a cached TSDB is rebuilt. */
const GENERATOR_VERSION = 1;

export interface GroupDataParams {
  tenants: number;
  startMs: number;
  days: number;
  scrapeIntervalMs: number;
  /** Scrapes happen at startMs + offset + k·interval. */
  scrapeOffsetMs: number;
  /** Requests per minute are log-uniform in [min, max] between tenants. */
  minRequestsPerMinute: number;
  maxRequestsPerMinute: number;
  /** Tenants with index % this === 0 have a code="500" counter (the others never fail). */
  errorTenantEvery: number;
  /** Tenants with index % this === 0 also have a 45-minute burst of 30 % errors on the second day. */
  burstTenantEvery: number;
  seed: number;
}

export const DEFAULT_GROUP_DATA: GroupDataParams = {
  tenants: 1000,
  startMs: Date.parse('2026-11-01T00:00:00Z'),
  days: 3,
  scrapeIntervalMs: MINUTE,
  scrapeOffsetMs: 15_000,
  minRequestsPerMinute: 1,
  maxRequestsPerMinute: 1000,
  errorTenantEvery: 10,
  burstTenantEvery: 100,
  seed: 20261101,
};

export const tenantName = (index: number): string => `t${String(index).padStart(4, '0')}`;

export interface GroupData {
  tsdbDir: string;
  /** Samples promtool kept (checked equal to those written when the TSDB was built). */
  samples: number;
  series: number;
  endMs: number;
  /** Whether this run built the TSDB (false: taken from the cache), and how long that took. */
  built: boolean;
  buildMs: number;
}

/** A seeded generator (mulberry32): the same data on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Writes the OpenMetrics input: per tenant a code="200" counter and, for every `errorTenantEvery`-th
 * tenant, a code="500" counter. A tenant's per-minute requests follow a daily wave (phase per
 * tenant) with ±15 % noise; the counters hold the floor of the running sums, so they are integers
 * and never decrease. Returns the number of samples and series written.
 */
async function writeOpenMetrics(p: GroupDataParams, file: string): Promise<{ samples: number; series: number }> {
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  const endMs = p.startMs + p.days * DAY;
  const scrapes: number[] = [];
  for (let t = p.startMs + p.scrapeOffsetMs; t < endMs; t += p.scrapeIntervalMs) scrapes.push(t);
  const stamps = scrapes.map((t) => ` ${(t / 1000).toFixed(3)}\n`);
  const next = random(p.seed);
  const ratioSpan = Math.log(p.maxRequestsPerMinute / p.minRequestsPerMinute);
  let samples = 0;
  let series = 0;
  out.write('# TYPE api_requests counter\n');
  const ok = new Float64Array(scrapes.length);
  const bad = new Float64Array(scrapes.length);
  for (let i = 0; i < p.tenants; i++) {
    const tenant = tenantName(i);
    const rate = p.minRequestsPerMinute * Math.exp(ratioSpan * next());
    const phase = 2 * Math.PI * next();
    const failing = i % p.errorTenantEvery === 0;
    const errorRatio = failing ? 0.001 + 0.004 * next() : 0;
    const burstStart = p.startMs + DAY + ((i / p.burstTenantEvery) % 24) * 3_600_000;
    const bursting = failing && i % p.burstTenantEvery === 0;
    let okSum = 0;
    let badSum = 0;
    scrapes.forEach((t, k) => {
      const wave = 1 + 0.5 * Math.sin((2 * Math.PI * ((t - p.startMs) % DAY)) / DAY + phase);
      const requests = rate * wave * (0.85 + 0.3 * next());
      const ratio = bursting && t >= burstStart && t < burstStart + 45 * MINUTE ? 0.3 : errorRatio;
      okSum += requests * (1 - ratio);
      badSum += requests * ratio;
      ok[k] = Math.floor(okSum);
      bad[k] = Math.floor(badSum);
    });
    for (const [code, values] of failing ? ([['200', ok], ['500', bad]] as const) : ([['200', ok]] as const)) {
      const prefix = `api_requests_total{tenant="${tenant}",code="${code}"} `;
      let text = '';
      for (let k = 0; k < scrapes.length; k++) text += prefix + values[k]! + stamps[k]!;
      if (!out.write(text)) await once(out, 'drain');
      samples += scrapes.length;
      series++;
    }
  }
  out.end('# EOF\n');
  await once(out, 'finish');
  return { samples, series };
}

async function countSamples(tsdb: string): Promise<number> {
  const { stdout } = await run('promtool', ['tsdb', 'list', tsdb], { maxBuffer: 16 << 20 });
  return stdout
    .trim()
    .split('\n')
    .slice(1)
    .reduce((n, line) => n + Number(line.trim().split(/\s+/)[4]), 0);
}

/** Builds (or takes from the cache) the TSDB of `p` under `cacheDir`. */
export async function buildGroupData(p: GroupDataParams, cacheDir: string, log: (line: string) => void = () => {}): Promise<GroupData> {
  const key = createHash('sha256').update(JSON.stringify({ GENERATOR_VERSION, p })).digest('hex').slice(0, 16);
  const dir = join(cacheDir, key);
  const endMs = p.startMs + p.days * DAY;
  const marker = join(dir, 'samples.json');
  if (existsSync(marker)) {
    const { samples, series } = JSON.parse(readFileSync(marker, 'utf8')) as { samples: number; series: number };
    return { tsdbDir: join(dir, 'tsdb'), samples, series, endMs, built: false, buildMs: 0 };
  }
  const started = performance.now();
  mkdirSync(cacheDir, { recursive: true });
  const work = mkdtempSync(join(cacheDir, `${key}.building-`));
  try {
    const input = join(work, 'input.om');
    log(`generating OpenMetrics for ${p.tenants} tenants, ${p.days} days (cache key ${key})`);
    const written = await writeOpenMetrics(p, input);
    log(`${written.samples.toLocaleString('en')} samples in ${written.series} series written; promtool tsdb create-blocks-from openmetrics …`);
    const tsdb = join(work, 'tsdb');
    // --max-block-duration: without it promtool re-reads the whole input once per 2-hour block.
    await run('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=2000h', input, tsdb], { maxBuffer: 64 << 20 });
    const kept = await countSamples(tsdb);
    if (kept !== written.samples) throw new Error(`promtool kept ${kept} of ${written.samples} samples: the OpenMetrics is out of order or has duplicates`);
    rmSync(input);
    writeFileSync(join(work, 'samples.json'), JSON.stringify({ samples: kept, series: written.series, params: p }));
    try {
      renameSync(work, dir);
    } catch {
      // another run built the same data first; its copy is as good
      rmSync(work, { recursive: true, force: true });
    }
    return { tsdbDir: join(dir, 'tsdb'), samples: kept, series: written.series, endMs, built: true, buildMs: performance.now() - started };
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
}
