import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startPrometheus, type RunningPrometheus } from '../../src/fixture/prometheus-server.js';
import { FIXTURE_CACHE_DIR } from './fixture.js';

const run = promisify(execFile);
const MINUTE = 60_000;

/** One tenant's traffic: per-minute requests (×1 … ×100 between tenants) and what happens to it. */
export interface TenantPlan {
  tenant: string;
  requestsPerMinute: number;
  /** Share of 5xx outside `burst`. */
  errorRatio: number;
  burst?: { startMs: number; endMs: number; errorRatio: number };
  /** The tenant's series exist from here (first sample 0) and its traffic starts with the next minute. */
  appearsMs?: number;
  /** No series from here on, and no traffic from a minute before (a customer gone). */
  leavesMs?: number;
  /** Its counters restart from zero after the first scrape at or after this instant. */
  resetMs?: number;
}

/** A grouped workload: per-tenant requests and 5xx, scraped every 30 s, with a gap in which nothing was scraped. */
export interface GroupedScenario {
  startMs: number;
  endMs: number;
  scrapeIntervalMs: number;
  scrapeOffsetMs: number;
  gap: { startMs: number; endMs: number };
  tenants: TenantPlan[];
}

/** True per-minute counts per tenant; minute i starts at startMs + i·60 s. */
export interface GroupedTruth {
  startMs: number;
  requests: Map<string, Float64Array>;
  errors: Map<string, Float64Array>;
}

/** The true requests and errors of one tenant (or, without a tenant, of all) over (fromMs, toMs], minute-aligned. */
export function groupedTruth(truth: GroupedTruth, fromMs: number, toMs: number, tenant?: string): { total: number; bad: number } {
  const first = Math.max(0, Math.round((fromMs - truth.startMs) / MINUTE));
  let total = 0;
  let bad = 0;
  for (const [name, requests] of truth.requests) {
    if (tenant !== undefined && name !== tenant) continue;
    const errors = truth.errors.get(name)!;
    const last = Math.min(requests.length, Math.round((toMs - truth.startMs) / MINUTE));
    for (let i = first; i < last; i++) {
      total += requests[i]!;
      bad += errors[i]!;
    }
  }
  return { total, bad };
}

/** A seeded generator (mulberry32), so the data and its truth are the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws the per-minute truth: a daily wave around each tenant's mean, noise, its burst, its arrival and departure. */
export function generateGroupedTruth(s: GroupedScenario): GroupedTruth {
  const minutes = Math.round((s.endMs - s.startMs) / MINUTE);
  const next = random(20261101);
  const truth: GroupedTruth = { startMs: s.startMs, requests: new Map(), errors: new Map() };
  for (const plan of s.tenants) {
    const requests = new Float64Array(minutes);
    const errors = new Float64Array(minutes);
    for (let i = 0; i < minutes; i++) {
      const t = s.startMs + i * MINUTE;
            // Traffic starts a minute after the series appear and ends a minute before they go, so every event is scraped.
      if ((plan.appearsMs !== undefined && t < plan.appearsMs + MINUTE) || (plan.leavesMs !== undefined && t >= plan.leavesMs - MINUTE)) continue;
      const wave = 1 + 0.5 * Math.sin((2 * Math.PI * (t % 86_400_000)) / 86_400_000);
      requests[i] = Math.max(0, Math.round(plan.requestsPerMinute * wave * (0.9 + 0.2 * next())));
      const ratio = plan.burst !== undefined && t >= plan.burst.startMs && t < plan.burst.endMs ? plan.burst.errorRatio : plan.errorRatio;
      errors[i] = Math.round(requests[i]! * ratio + (next() - 0.5));
      errors[i] = Math.min(requests[i]!, Math.max(0, errors[i]!));
    }
    truth.requests.set(plan.tenant, requests);
    truth.errors.set(plan.tenant, errors);
  }
  return truth;
}

/**
 * Events up to `t` from cumulative per-minute counts: every minute before, and the share of this
 * minute already past, shifted by a per-series, per-minute phase so that a rare event falls anywhere
 * in its minute — not always on the minute's edge, which a 5-minute bucket boundary would share.
 */
function counterAt(cumulative: Float64Array, perMinute: Float64Array, startMs: number, t: number, seriesKey: number): number {
  const current = Math.floor((t - startMs) / MINUTE);
  const before = cumulative[Math.min(current, perMinute.length)]!;
  if (current >= perMinute.length) return before;
  return before + Math.floor((perMinute[current]! * ((t - startMs) % MINUTE)) / MINUTE + phase(seriesKey, current));
}

/** A fixed pseudo-random number in [0, 1) per series and minute. */
function phase(key: number, minute: number): number {
  let h = Math.imul(key + 1, 0x9e3779b1) ^ Math.imul(minute + 1, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/**
 * Writes what Prometheus would have scraped as OpenMetrics: `api_requests_total{tenant, code}` per
 * tenant (code 200 and 500), a reset where a tenant restarts, nothing during the gap or outside a
 * tenant's life. Returns the number of samples.
 */
async function writeGroupedOpenMetrics(s: GroupedScenario, truth: GroupedTruth, file: string): Promise<number> {
  const out = createWriteStream(file);
  let samples = 0;
  out.write('# TYPE api_requests counter\n');
  for (const [index, plan] of s.tenants.entries()) {
    const requests = truth.requests.get(plan.tenant)!;
    const errors = truth.errors.get(plan.tenant)!;
    const ok = requests.map((r, i) => r - errors[i]!);
    for (const [k, [code, perMinute]] of ([['200', ok], ['500', errors]] as const).entries()) {
      const seriesKey = 2 * index + k;
      const cumulative = new Float64Array(perMinute.length + 1);
      perMinute.forEach((n, i) => (cumulative[i + 1] = cumulative[i]! + n));
      // After a restart the counter holds only the events since the last scrape before it.
      let base = 0;
      let previousT = s.startMs;
      for (let t = s.startMs + s.scrapeOffsetMs; t < s.endMs; previousT = t, t += s.scrapeIntervalMs) {
        if (t >= s.gap.startMs && t < s.gap.endMs) continue;
        if (plan.appearsMs !== undefined && t < plan.appearsMs) continue;
        if (plan.leavesMs !== undefined && t >= plan.leavesMs) continue;
        if (plan.resetMs !== undefined && base === 0 && t >= plan.resetMs) base = counterAt(cumulative, perMinute, s.startMs, previousT, seriesKey);
        const value = counterAt(cumulative, perMinute, s.startMs, t, seriesKey) - base;
        const line = `api_requests_total{tenant="${plan.tenant}",code="${code}"} ${value} ${(t / 1000).toFixed(3)}\n`;
        if (!out.write(line)) await once(out, 'drain');
        samples++;
      }
    }
  }
  out.end('# EOF\n');
  await once(out, 'finish');
  return samples;
}

/** Bump when the generator's output changes, so cached TSDBs are rebuilt. */
const GENERATOR_VERSION = 2;

/** Backfills the scenario with promtool (once per scenario: cached by its hash) and starts Prometheus over it. */
export async function startGroupedPrometheus(s: GroupedScenario): Promise<{ prometheus: RunningPrometheus; truth: GroupedTruth }> {
  const truth = generateGroupedTruth(s);
  const cacheKey = createHash('sha256').update(JSON.stringify({ GENERATOR_VERSION, s })).digest('hex').slice(0, 16);
  const dir = join(FIXTURE_CACHE_DIR, `grouped-${cacheKey}`);
  if (!existsSync(join(dir, 'tsdb'))) {
    mkdirSync(FIXTURE_CACHE_DIR, { recursive: true });
    const work = mkdtempSync(join(FIXTURE_CACHE_DIR, `grouped-${cacheKey}.building-`));
    try {
      const input = join(work, 'input.om');
      await writeGroupedOpenMetrics(s, truth, input);
      await run('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=2000h', input, join(work, 'tsdb')], { maxBuffer: 64 << 20 });
      rmSync(input);
      try {
        renameSync(work, dir);
      } catch {
        rmSync(work, { recursive: true, force: true });
      }
    } catch (error) {
      rmSync(work, { recursive: true, force: true });
      throw error;
    }
  }
  return { prometheus: await startPrometheus(join(dir, 'tsdb')), truth };
}

const at = (iso: string) => Date.parse(iso);

/**
 * The tenants' scenario the grouped tests share: thirty tenants whose traffic differs a hundredfold
 * (400 to 4 requests a minute), t20 answering half its requests with 5xx from 06:00 to 09:00 on
 * 2026-10-31, t07 with series but no traffic, t12 arriving on 2026-10-30 at 12:00, t25 leaving on
 * 2026-10-31, t03's counters restarting, and nothing scraped from 15:00 to 15:40 on 2026-10-31.
 */
export const TENANT_SCENARIO: GroupedScenario = {
  startMs: at('2026-10-29T00:00:00Z'),
  endMs: at('2026-11-01T00:00:00Z'),
  scrapeIntervalMs: 30_000,
  scrapeOffsetMs: 7_000,
  gap: { startMs: at('2026-10-31T15:00:00Z'), endMs: at('2026-10-31T15:40:00Z') },
  tenants: Array.from({ length: 30 }, (_, i) => ({
    tenant: `t${String(i).padStart(2, '0')}`,
    requestsPerMinute: i === 7 ? 0 : 400 * 100 ** (-i / 29),
    errorRatio: 0.0002,
    ...(i === 20 ? { burst: { startMs: at('2026-10-31T06:00:00Z'), endMs: at('2026-10-31T09:00:00Z'), errorRatio: 0.5 } } : {}),
    ...(i === 12 ? { appearsMs: at('2026-10-30T12:00:00Z') } : {}),
    ...(i === 25 ? { leavesMs: at('2026-10-31T00:00:00Z') } : {}),
    ...(i === 3 ? { resetMs: at('2026-10-30T06:00:00Z') } : {}),
  })),
};
