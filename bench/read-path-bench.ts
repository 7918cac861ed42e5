/**
 * The HTTP read path at scale (run by hand: `npx tsx bench/read-path-bench.ts`; builds its ledgers
 * once, about 2 minutes, cached under `.tmp/read-path-bench/`; then about 3 minutes per ledger).
 *
 * Two ledgers of about 10 million bucket rows each (bench/read-path-bench-data.ts): A, 1,000 SLOs
 * (every tenth a latency SLO) with 35 days of 5-minute buckets each; B, one SLO grouped by tenant
 * with 1,000 groups. For each, a copy of the ledger is served by the real `serve`
 * (`runServer` of src/runtime/run-server.ts: the HTTP server, its caches, and the tick at start) in a
 * child process, evaluating at the end of the data (as `serve --at`), against a Prometheus that is
 * not there (the tick's sync fails fast; its alerts step still runs). Once that first tick is over
 * (the process is warm), the parent measures over HTTP:
 * - each read route asked alone: the first answer (computed) and the next ten (median and max);
 * - the first answer after a ledger change (one bucket per series written again by another
 *   connection, as a sync would): what a scrape right after a tick costs; and /metrics one scrape
 *   interval (15 s) after a change, once the server has evaluated the gauges ahead;
 * - /metrics under 50 concurrent clients for 10 s: answers per second, median and p99 latency;
 * - /healthz, asked every 20 ms by a third process, while 50 clients hammer /metrics,
 *   /api/v1/slos, /series over a 30-day window at 5-minute steps and the status page, and during
 *   the recomputation after a ledger change: max and p99; and again with /api/v1/slos, /series and the
 *   status page asked at another instant by every request, so that every answer is computed.
 * The 50 clients run in a child of their own at nice 10: they stand for clients on other machines,
 * and take what the server leaves of the two cores rather than an equal share of them.
 * Prints a Markdown table with the targets. `READ_BENCH_ONLY=A,S` runs those ledgers only (S: 3 SLOs,
 * the size the concurrency figure was first measured with); `READ_BENCH_SERVER_ARGS` passes node
 * flags to the server; `READ_BENCH_DEBUG=1` names failed requests and logs the server's loop stalls.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, get } from 'node:http';
import { availableParallelism, loadavg, setPriority, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../src/config/load-config.js';
import { freePort } from '../src/fixture/prometheus-server.js';
import { openLedger } from '../src/ledger/open-ledger.js';
import { createLogger } from '../src/logging.js';
import { runServer } from '../src/runtime/run-server.js';
import { requestLane } from '../src/server/work-lane.js';
import { BENCH_AT_MS, GROUPED_SLO_NAME, benchGroups, benchSlos, buildBenchLedger, type BenchDataParams } from './read-path-bench-data.js';

const TARGETS = { metricsMs: 200, apiMs: 300, pageMs: 500, pageBytes: 1_000_000, healthzMs: 50 };
const CLIENTS = 50;
const HAMMER_MS = 10_000;
const REPEATS = 10;
type Variant = 'A' | 'B' | 'S';
const VARIANTS: Record<Variant, BenchDataParams> = {
  A: { shape: 'slos', count: 1000, days: 35 },
  B: { shape: 'groups', count: 1000, days: 35 },
  // The issue's concurrency figure was measured with 3 SLOs.
  S: { shape: 'slos', count: 3, days: 35 },
};
const VARIANT_TITLES: Record<Variant, string> = { A: 'A: 1,000 SLOs', B: 'B: 1 SLO, 1,000 groups', S: 'S: 3 SLOs' };

// ---------------------------------------------------------------------------------------------
// The server child: the real `serve`, quiet, telling the parent when its first tick is over.

interface ServeJob {
  kind: 'serve';
  data: BenchDataParams;
  databasePath: string;
  port: number;
}

interface ProbeJob {
  kind: 'probe';
  url: string;
  intervalMs: number;
}

/** The clients' child: `clients` loops asking `urls` for `durationMs` (see {@link hammer}). */
interface LoadJob {
  kind: 'load';
  /** `{at}` in a URL: an instant 5 minutes earlier at every request; `{from}` six days before that. */
  urls: string[];
  clients: number;
  durationMs: number;
}

/** Nice value of the clients' child: they stand for clients on other machines, so they take what the server leaves of the cores. */
const LOAD_NICE = 10;

async function serve(job: ServeJob): Promise<void> {
  const config = loadConfig({ env: {} });
  config.slos = benchSlos(job.data);
  config.databasePath = job.databasePath;
  config.timeZone = 'UTC';
  config.retentionMs = 400 * 24 * 3_600_000;
  config.server.listen = { host: '127.0.0.1', port: job.port };
  // A Prometheus that refuses every query (400, not retried): the tick's sync fails at once.
  const refusing = createServer((_request, response) => {
    response.writeHead(400, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'the read-path benchmark has no Prometheus' }));
  });
  await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
  const address = refusing.address();
  config.prometheus.url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  // One tick, at start; none during the measurements.
  config.schedule.tickCron = '0 0 1 1 *';
  const lines = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) {
        if (/"job":"tick"/.test(line) && /"message":"run (finished|failed)"/.test(line)) process.send!({ tickDone: true });
      }
      done();
    },
  });
  // The server's own view: how late its event loop ran (what any request waits for at worst) and how busy it was.
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  let busySince = performance.eventLoopUtilization();
  // The main thread's garbage collections: the longest pause and all of them together.
  const gc = { longestMs: 0, totalMs: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.longestMs = Math.max(gc.longestMs, entry.duration);
      gc.totalMs += entry.duration;
    }
  }).observe({ entryTypes: ['gc'] });
  // READ_BENCH_DEBUG: a 1 ms timer that logs every stall of the loop over 40 ms, with its monotonic
  // time (the clock of a --cpu-prof profile, in µs), to find what held the loop.
  if (process.env.READ_BENCH_DEBUG) {
    let last = process.hrtime.bigint();
    setInterval(() => {
      const now = process.hrtime.bigint();
      const late = Number(now - last) / 1e6;
      if (late > 40) console.error(`stall ${late.toFixed(0)} ms ending at ${(now / 1000n).toString()} µs`);
      last = now;
    }, 1).unref();
  }
  process.on('message', (message) => {
    if (message === 'loop-reset') {
      delay.reset();
      requestLane.resetStats();
      busySince = performance.eventLoopUtilization();
      gc.longestMs = gc.totalMs = 0;
    } else if (message === 'loop-report') {
      const loop: LoopStats = {
        maxMs: delay.max / 1e6, p99Ms: delay.percentile(99) / 1e6, utilization: performance.eventLoopUtilization(busySince).utilization,
        slices: requestLane.stats.slices, longestSliceMs: requestLane.stats.longestSliceMs, mostSliceCpuMs: requestLane.stats.mostSliceCpuMs,
        longestGcMs: gc.longestMs, gcMs: gc.totalMs,
      };
      process.send!({ loop });
    }
  });
  await runServer({ config, atMs: BENCH_AT_MS, logger: createLogger({ secrets: [], destination: lines, pretty: false, level: 'debug' }), shutdownGraceMs: 1000 });
  process.exit(0);
}

/** The probe child: asks `url` every `intervalMs` until told to stop, then sends the latencies. */
async function probe(job: ProbeJob): Promise<void> {
  const latencies: number[] = [];
  let failures = 0;
  let stop = false;
  process.on('message', () => (stop = true));
  while (!stop) {
    const started = performance.now();
    try {
      const response = await fetch(job.url);
      await response.text();
      if (response.status !== 200) failures++;
    } catch {
      failures++;
    }
    latencies.push(performance.now() - started);
    await new Promise((r) => setTimeout(r, job.intervalMs));
  }
  process.send!({ latencies, failures }, () => process.exit(0));
}

// ---------------------------------------------------------------------------------------------
// The parent

function child(job: ServeJob | ProbeJob | LoadJob): ChildProcess {
  // READ_BENCH_SERVER_ARGS: extra node flags for the server, e.g. `--cpu-prof --cpu-prof-dir=prof` or `--trace-gc`.
  const extra = job.kind === 'serve' ? (process.env.READ_BENCH_SERVER_ARGS ?? '').split(' ').filter((a) => a !== '') : [];
  return fork(fileURLToPath(import.meta.url), ['--child', JSON.stringify(job)], { execArgv: [...process.execArgv, ...extra], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

interface Probe {
  stop(): Promise<{ latencies: number[]; failures: number }>;
}

function startProbe(url: string): Probe {
  const p = child({ kind: 'probe', url, intervalMs: 20 });
  const answer = new Promise<{ latencies: number[]; failures: number }>((resolvePromise) => p.once('message', (m) => resolvePromise(m as { latencies: number[]; failures: number })));
  return {
    async stop() {
      p.send('stop');
      return answer;
    },
  };
}

interface Timed {
  ms: number;
  bytes: number;
  status: number;
}

/** Keep-alive connections for the load, one per client; the answers are counted, not kept (a client costs little CPU). */
const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS + 5 });

function timeGet(url: string): Promise<Timed> {
  const started = performance.now();
  return new Promise<Timed>((resolvePromise, reject) => {
    get(url, { agent }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      response.on('end', () => resolvePromise({ ms: performance.now() - started, bytes, status: response.statusCode ?? 0 }));
      response.on('error', reject);
    }).on('error', reject);
  });
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};
const median = (values: number[]) => quantile(values, 0.5);

type LoadResult = { answers: number; failures: number; latencies: number[]; seconds: number };

/** Runs the load in a child of its own, at {@link LOAD_NICE}, and hands back what it measured. */
async function load(urls: string[], clients: number, durationMs: number): Promise<LoadResult> {
  const c = child({ kind: 'load', urls, clients, durationMs });
  try {
    setPriority(c.pid!, LOAD_NICE);
  } catch {
    // Not allowed here: the clients then compete with the server as equals.
  }
  return new Promise<LoadResult>((resolvePromise, reject) => {
    c.once('message', (m) => resolvePromise(m as LoadResult));
    c.once('exit', (code) => reject(new Error(`the load child exited with code ${code}`)));
  });
}

/** The load child: runs {@link hammer} and sends its result. */
async function runLoadJob(job: LoadJob): Promise<void> {
  // Each request with {at} asks an instant 5 minutes before the last: every such answer is computed, none is kept.
  const earlier = (n: number) => new Date(BENCH_AT_MS - (n + 1) * 300_000).toISOString();
  const sources = job.urls.map((url): UrlSource => (url.includes('{at}') ? (n) => url.replace('{at}', earlier(n)).replace('{from}', earlier(n + 6 * 288)) : url));
  const result = await hammer(sources, job.clients, job.durationMs);
  process.send!(result, () => process.exit(0));
}

/** A URL to ask, or a way to make the n-th request's URL (n counts the requests of one {@link hammer}). */
type UrlSource = string | ((n: number) => string);

/** `clients` loops asking `urls` (client i asks urls[i % urls.length]) for `durationMs`. */
async function hammer(urls: UrlSource[], clients: number, durationMs: number): Promise<LoadResult> {
  const deadline = performance.now() + durationMs;
  const latencies: number[] = [];
  let failures = 0;
  let asked = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      while (performance.now() < deadline) {
        const source = urls[i % urls.length]!;
        const url = typeof source === 'string' ? source : source(asked++);
        const t = await timeGet(url).catch((error: Error) => ({ status: error.message, ms: 0 }));
        if (t.status !== 200) {
          failures++;
          // READ_BENCH_DEBUG: say which request failed and how.
          if (process.env.READ_BENCH_DEBUG) console.error(`failed: ${url} ${t.status}`);
        } else latencies.push(t.ms);
      }
    }),
  );
  return { answers: latencies.length, failures, latencies, seconds: (performance.now() - started) / 1000 };
}

/** Writes the newest bucket of every series again (same counts), as a sync settling it would: the ledger's revision changes. */
async function touchLedger(databasePath: string, data: BenchDataParams): Promise<void> {
  const ledger = openLedger(databasePath);
  try {
    const slos = benchSlos(data);
    const series = data.shape === 'groups' ? [slos[0]!, ...benchGroups(data).map((g) => ({ slo: slos[0]!, group: g }))] : slos;
    for (const s of series) {
      const id = 'slo' in s ? await ledger.buckets.findSeries(s.slo, s.group) : await ledger.buckets.findSeries(s);
      if (id === undefined) continue;
      const [last] = await ledger.buckets.readBuckets(id, BENCH_AT_MS, BENCH_AT_MS);
      if (last !== undefined) await ledger.buckets.writeBuckets(id, [last], Date.now());
    }
  } finally {
    await ledger.close();
  }
}

/** The server's event loop over a phase: its longest and 99th-percentile delay, and the share of the time it was busy. */
interface LoopStats {
  maxMs: number;
  p99Ms: number;
  utilization: number;
  /** Slices of heavy work the request lane ran, and the longest (server/work-lane.ts). */
  slices: number;
  longestSliceMs: number;
  mostSliceCpuMs: number;
  /** The main thread's longest garbage collection and the time all of them took. */
  longestGcMs: number;
  gcMs: number;
}

/** A mixed load: heavy answers, failures and how long it took (its last requests still answered after the 10 s), and /healthz meanwhile. */
interface MixedLoad {
  answers: number;
  failures: number;
  seconds: number;
  healthz: HealthzStats;
}

/** /healthz as the probe saw it over a phase, and the server's event loop meanwhile. */
interface HealthzStats {
  max: number;
  p99: number;
  n: number;
  failures: number;
  loop: LoopStats;
}

interface VariantResult {
  startTickMs: number;
  duringStartTick: HealthzStats;
  routes: Array<{ name: string; first: Timed; warm: number[]; bytes: number; afterChange: Timed }>;
  metricsLoad: { perSecond: number; p50: number; p99: number; failures: number; loop: LoopStats };
  mixedLoad: MixedLoad;
  uncachedLoad: MixedLoad;
  duringRecompute: { healthz: HealthzStats; recomputeMs: number };
  /** /metrics asked {@link AHEAD_WAIT_MS} after a ledger change, the server having had the time to evaluate ahead. */
  aheadMs: number;
}

/** How long after a ledger change the scrape that finds the gauges evaluated ahead comes (a scrape interval). */
const AHEAD_WAIT_MS = 15_000;

/** Asks the server child for its event-loop figures since the last reset, then resets them. */
async function loopReport(server: ChildProcess): Promise<LoopStats> {
  const answer = new Promise<LoopStats>((resolvePromise) => {
    const listen = (message: unknown) => {
      const m = message as { loop?: LoopStats };
      if (m.loop === undefined) return;
      server.off('message', listen);
      resolvePromise(m.loop);
    };
    server.on('message', listen);
  });
  server.send('loop-report');
  const loop = await answer;
  server.send('loop-reset');
  return loop;
}

async function healthzStats(probe: Probe, server: ChildProcess): Promise<HealthzStats> {
  const { latencies, failures } = await probe.stop();
  return { max: Math.max(...latencies), p99: quantile(latencies, 0.99), n: latencies.length, failures, loop: await loopReport(server) };
}

async function runVariant(name: Variant, data: BenchDataParams, dir: string, log: (line: string) => void): Promise<VariantResult> {
  const built = await buildBenchLedger(data, join(process.cwd(), '.tmp', 'read-path-bench'), log);
  if (built.built) log(`${name}: ledger built in ${(built.buildMs / 1000).toFixed(0)} s`);
  const databasePath = join(dir, `ledger-${name}.db`);
  copyFileSync(built.path, databasePath);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = child({ kind: 'serve', data, databasePath, port });
  const exited = new Promise((r) => server.once('exit', r));
  try {
    const tickDone = new Promise((r) => server.once('message', r));
    const started = performance.now();
    for (let i = 0; i < 600; i++) {
      if ((await fetch(`${base}/healthz`).catch(() => undefined))?.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const startProbeRun = startProbe(`${base}/healthz`);
    await tickDone;
    const startTickMs = performance.now() - started;
    const duringStartTick = await healthzStats(startProbeRun, server);
    log(`${name}: warm after ${(startTickMs / 1000).toFixed(1)} s (the first tick)`);

    const slos = benchSlos(data);
    const one = encodeURIComponent(data.shape === 'groups' ? GROUPED_SLO_NAME : slos[0]!.name);
    const routes: Array<[string, string]> = [
      ['/metrics', '/metrics'],
      ['/api/v1/slos', '/api/v1/slos'],
      ['status page /', '/'],
      ...(data.shape === 'groups' ? [['groups page', `/slos/${one}/groups`] as [string, string]] : []),
      ...(data.shape === 'slos' && data.count > 50 ? [['status page, last page', `/?page=${Math.ceil(data.count / 50)}`] as [string, string]] : []),
    ];
    const results: VariantResult['routes'] = [];
    for (const [label, path] of routes) {
      const first = await timeGet(`${base}${path}`);
      if (first.status !== 200) throw new Error(`${path}: ${first.status}`);
      const warm: number[] = [];
      for (let i = 0; i < REPEATS; i++) warm.push((await timeGet(`${base}${path}`)).ms);
      results.push({ name: label, first, warm, bytes: first.bytes, afterChange: first });
      log(`${name}: ${label}: first ${first.ms.toFixed(0)} ms, warm median ${median(warm).toFixed(1)} ms, ${first.bytes} bytes`);
    }
    // The first answer after a ledger change, route by route (each after its own change).
    for (const r of results) {
      await touchLedger(databasePath, data);
      r.afterChange = await timeGet(`${base}${routes.find(([label]) => label === r.name)![1]}`);
    }
    // /healthz while the SLO gauges are evaluated again after a change.
    await touchLedger(databasePath, data);
    const recomputeProbe = startProbe(`${base}/healthz`);
    await new Promise((r) => setTimeout(r, 200));
    await loopReport(server);
    const recompute = await timeGet(`${base}/metrics`);
    const duringRecompute = { healthz: await healthzStats(recomputeProbe, server), recomputeMs: recompute.ms };
    // A change, then a scrape one scrape interval later: the server evaluated ahead meanwhile.
    await touchLedger(databasePath, data);
    await new Promise((r) => setTimeout(r, AHEAD_WAIT_MS));
    const aheadMs = (await timeGet(`${base}/metrics`)).ms;

    log(`${name}: /metrics, ${CLIENTS} clients for ${HAMMER_MS / 1000} s`);
    await loopReport(server);
    const metrics = await load([`${base}/metrics`], CLIENTS, HAMMER_MS);
    const metricsLoad = { perSecond: metrics.answers / metrics.seconds, p50: median(metrics.latencies), p99: quantile(metrics.latencies, 0.99), failures: metrics.failures, loop: await loopReport(server) };

    log(`${name}: mixed load with /healthz probed`);
    const seriesPath = `/api/v1/slos/${one}/series?window=30d&step=5m&from=${new Date(BENCH_AT_MS - 6 * 24 * 3_600_000).toISOString()}&to=${new Date(BENCH_AT_MS).toISOString()}`;
    const mixedProbe = startProbe(`${base}/healthz`);
    await loopReport(server);
    const mixed = await load([`${base}/metrics`, `${base}/api/v1/slos`, `${base}${seriesPath}`, `${base}/`], CLIENTS, HAMMER_MS);
    const mixedLoad = { answers: mixed.answers, failures: mixed.failures, seconds: mixed.seconds, healthz: await healthzStats(mixedProbe, server) };

    log(`${name}: mixed load, each answer at another instant, with /healthz probed`);
    const uncachedProbe = startProbe(`${base}/healthz`);
    await loopReport(server);
    const uncached = await load([
      `${base}/metrics`,
      `${base}/api/v1/slos?at={at}`,
      `${base}/api/v1/slos/${one}/series?window=30d&step=5m&from={from}&to={at}`,
      `${base}/?at={at}`,
    ], CLIENTS, HAMMER_MS);
    const uncachedLoad = { answers: uncached.answers, failures: uncached.failures, seconds: uncached.seconds, healthz: await healthzStats(uncachedProbe, server) };
    return { startTickMs, duringStartTick, routes: results, metricsLoad, mixedLoad, uncachedLoad, duringRecompute, aheadMs };
  } finally {
    server.kill('SIGTERM');
    await exited;
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const log = (line: string) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
  const loads: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'slo-ledger-read-bench-'));
  const results: Partial<Record<Variant, VariantResult>> = {};
  try {
    for (const name of (['A', 'B', 'S'] as const).filter((v) => process.env.READ_BENCH_ONLY === undefined || process.env.READ_BENCH_ONLY.split(',').includes(v))) {
      loads.push(`${name}: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
      results[name] = await runVariant(name, VARIANTS[name], dir, log);
      rmSync(join(dir, `ledger-${name}.db`), { force: true });
    }
  } finally {
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
  const names = (['A', 'B', 'S'] as const).filter((v) => results[v] !== undefined);
  const ms = (v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v < 10 ? 1 : 0)} ms`);
  const kb = (bytes: number) => (bytes >= 1_000_000 ? `${(bytes / 1_000_000).toFixed(2)} MB` : `${(bytes / 1000).toFixed(0)} kB`);
  const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const lines: string[] = [];
  lines.push(`Command: \`npx tsx bench/read-path-bench.ts\` (${new Date().toISOString().slice(0, 16)}Z, ${availableParallelism()} cores; the whole run took ${ms(performance.now() - started)}).`);
  lines.push('');
  lines.push(row(['', ...names.map((n) => VARIANT_TITLES[n]), 'target']));
  lines.push(row(['---', ...names.map(() => '---:'), '---']));
  const routeNames = [...new Set(names.flatMap((n) => results[n]!.routes.map((r) => r.name)))];
  const cell = (n: Variant, route: string, pick: (r: VariantResult['routes'][number]) => string) => {
    const r = results[n]!.routes.find((x) => x.name === route);
    return r === undefined ? '—' : pick(r);
  };
  for (const route of routeNames) {
    const target = route === '/metrics' ? TARGETS.metricsMs : route === '/api/v1/slos' ? TARGETS.apiMs : TARGETS.pageMs;
    const warmMet = names.every((n) => {
      const r = results[n]!.routes.find((x) => x.name === route);
      return r === undefined || Math.max(...r.warm) < target;
    });
    const sizeMet = route === '/metrics' || route === '/api/v1/slos' ? '' : `; < 1 MB: ${verdict(names.every((n) => (results[n]!.routes.find((x) => x.name === route)?.bytes ?? 0) < TARGETS.pageBytes))}`;
    lines.push(row([`${route}, warm: median (max) of ${REPEATS}; size`, ...names.map((n) => cell(n, route, (r) => `${ms(median(r.warm))} (${ms(Math.max(...r.warm))}); ${kb(r.bytes)}`)), `< ${target} ms: ${verdict(warmMet)}${sizeMet}`]));
  }
  for (const route of routeNames) {
    lines.push(row([`${route}: first answer of the process; first after a ledger change`, ...names.map((n) => cell(n, route, (r) => `${ms(r.first.ms)}; ${ms(r.afterChange.ms)}`)), '']));
  }
  lines.push(row([`/metrics ${AHEAD_WAIT_MS / 1000} s after a ledger change (the gauges evaluated ahead once the ledger stopped changing)`, ...names.map((n) => ms(results[n]!.aheadMs)), `< ${TARGETS.metricsMs} ms: ${verdict(names.every((n) => results[n]!.aheadMs < TARGETS.metricsMs))}`]));
  const loopText = (l: LoopStats) =>
    `server: loop delay max ${ms(l.maxMs)}, busy ${(l.utilization * 100).toFixed(0)} %${l.slices === 0 ? '' : `, longest slice ${ms(l.longestSliceMs)} (most CPU in one ${ms(l.mostSliceCpuMs)})`}, longest GC ${ms(l.longestGcMs)}`;
  const healthzText = (h: HealthzStats) => `${ms(h.max)}, ${ms(h.p99)} (${h.n}${h.failures > 0 ? `, ${h.failures} failed` : ''}); ${loopText(h.loop)}`;
  lines.push(row([`/metrics, ${CLIENTS} concurrent clients for ${HAMMER_MS / 1000} s: answers/s, p50, p99`, ...names.map((n) => {
    const m = results[n]!.metricsLoad;
    return `${m.perSecond.toFixed(0)}/s, ${ms(m.p50)}, ${ms(m.p99)}${m.failures > 0 ? `, ${m.failures} failed` : ''}; ${loopText(m.loop)}`;
  }), '']));
  lines.push(row([`/healthz every 20 ms while ${CLIENTS} clients ask /metrics, /api/v1/slos, /series (30d window, 5m steps, 6 days) and / for ${HAMMER_MS / 1000} s: max, p99 (probes)`, ...names.map((n) => {
    const m = results[n]!.mixedLoad;
    return `${healthzText(m.healthz)}; ${m.answers} heavy answers in ${m.seconds.toFixed(0)} s${m.failures > 0 ? `, ${m.failures} failed` : ''}`;
  }), `< ${TARGETS.healthzMs} ms: ${verdict(names.every((n) => results[n]!.mixedLoad.healthz.max < TARGETS.healthzMs))}`]));
  lines.push(row([`the same, each /api/v1/slos, /series and / at another instant (every answer computed, none kept): max, p99 (probes)`, ...names.map((n) => {
    const m = results[n]!.uncachedLoad;
    return `${healthzText(m.healthz)}; ${m.answers} heavy answers in ${m.seconds.toFixed(0)} s${m.failures > 0 ? `, ${m.failures} failed` : ''}`;
  }), `< ${TARGETS.healthzMs} ms: ${verdict(names.every((n) => results[n]!.uncachedLoad.healthz.max < TARGETS.healthzMs))}`]));
  lines.push(row(['/healthz while /metrics is evaluated again after a ledger change: max, p99 (probes); that /metrics answer', ...names.map((n) => {
    const h = results[n]!.duringRecompute;
    return `${healthzText(h.healthz)}; ${ms(h.recomputeMs)}`;
  }), `< ${TARGETS.healthzMs} ms: ${verdict(names.every((n) => results[n]!.duringRecompute.healthz.max < TARGETS.healthzMs))}`]));
  lines.push(row(['/healthz during the first tick (sync refused at once, then the alerts step over every SLO): max, p99 (probes); the tick ended after', ...names.map((n) => {
    const h = results[n]!.duringStartTick;
    return `${healthzText(h)}; ${ms(results[n]!.startTickMs)}`;
  }), '(the tick, not the read path)']));
  lines.push('');
  lines.push(`Load average (1, 5, 15 min) before each ledger: ${loads.join('; ')}.`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1]);
if (isMain && process.argv[2] === '--child') {
  const job = JSON.parse(process.argv[3]!) as ServeJob | ProbeJob | LoadJob;
  if (job.kind === 'serve') await serve(job);
  else if (job.kind === 'load') await runLoadJob(job);
  else await probe(job);
} else if (isMain) {
  await main();
}
