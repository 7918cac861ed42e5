/**
 * Grouped SLOs against one SLO per group, on one Prometheus with the same data (run by hand:
 * `npx tsx bench/group-bench.ts`; needs prometheus and promtool; takes a few minutes).
 *
 * Data: 1,000 tenants with uneven traffic (1 to 1,000 requests a minute, log-uniform, a daily
 * wave), scraped every 60 s for 3 days: `api_requests_total{tenant, code="200"}` for every tenant
 * and `{code="500"}` for every tenth (bench/group-bench-data.ts; the TSDB is cached under
 * `.tmp/group-bench/` by a hash of the generator's parameters).
 *
 * Variants, each with its own fresh SQLite ledger:
 * - A: one SLO with `group_by: [tenant]`, `max_groups: 1000`, queries `sum by (tenant) (increase(…))`;
 * - B: the same tenants as 1,000 SLOs, `sum(increase(api_requests_total{tenant="tNNNN",…}[…]))`.
 *
 * Phases, each in its own child process (so `process.resourceUsage().maxRSS` is that phase's
 * alone), with `syncLedger` (src/app/sync-ledger.ts) on a `PrometheusMetricsSource` over a
 * `PrometheusClient` wrapped in a counting decorator, and a fixed clock one day after the synced
 * instant (every bucket is settled):
 * 1. the first backfill, to one hour before the end of the data (35 days of buckets);
 * 2. the first tick after it, 5 minutes later;
 * 3. five more ticks, 5 minutes apart (the steady state);
 * and, for A, the period report of the data's range read offline from A's ledger (PDF, HTML, JSON).
 * Prometheus's engine time per phase is the difference of `prometheus_engine_query_duration_seconds_sum`
 * on its /metrics before and after. Prints a Markdown table.
 *
 * Options (environment): GROUP_BENCH_CPU_PROF=DIR writes a V8 CPU profile of every child to DIR;
 * GROUP_BENCH_KEEP=1 keeps the ledgers and configs (their folder is printed).
 */
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { stringify } from 'yaml';
import { generatePeriodReport } from '../src/app/period-report.js';
import type { Adapters } from '../src/app/ports.js';
import { syncLedger } from '../src/app/sync-ledger.js';
import { loadConfig } from '../src/config/load-config.js';
import { fixedClock } from '../src/domain/clock.js';
import { BUCKET_MS } from '../src/domain/duration.js';
import { resolvePeriod } from '../src/domain/period.js';
import { startPrometheus } from '../src/fixture/prometheus-server.js';
import { openLedger } from '../src/ledger/open-ledger.js';
import { PrometheusClient } from '../src/prometheus/prometheus-client.js';
import { PrometheusMetricsSource } from '../src/prometheus/metrics-source.js';
import type { InstantSample, PrometheusQueryApi, QueryContext, RangeSeries } from '../src/prometheus/query-api.js';
import { buildGroupData, DEFAULT_GROUP_DATA, tenantName } from './group-bench-data.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const STEADY_TICKS = 5;
const GROUPED_SLO = 'api-availability-by-tenant';
const TARGETS = { tickMs: 1000, engineRatio: 10, backfillMs: 120_000, backfillRssMb: 300, reportMs: 5000 };

// ---------------------------------------------------------------------------------------------
// Shared between the parent and the children

type Variant = 'A' | 'B';

interface SyncJob {
  kind: 'sync';
  variant: Variant;
  configPath: string;
  prometheusUrl: string;
  /** One sync per instant, in order. */
  atMs: number[];
}

interface ReportJob {
  kind: 'report';
  configPath: string;
  fromMs: number;
  toMs: number;
  atMs: number;
  outDir: string;
}

/** Seconds of Prometheus engine time, from its own /metrics. */
interface EngineTime {
  /** Every slice of prometheus_engine_query_duration_seconds_sum (queue, prepare, inner_eval, result_sort). */
  allSeconds: number;
  innerEvalSeconds: number;
  /** prometheus_engine_query_duration_seconds_count{slice="inner_eval"}: queries the engine evaluated. */
  queries: number;
}

interface SyncStep {
  atMs: number;
  wallMs: number;
  cpuMs: number;
  rangeQueries: number;
  instantQueries: number;
  /** Points (range) and samples (instant) Prometheus returned. */
  points: number;
  engine: EngineTime;
  /** Buckets of the SLOs' own series fetched (SyncResult; groups' rows are not counted there). */
  fetchedBuckets: number;
}

interface SyncChildResult {
  kind: 'sync';
  steps: SyncStep[];
  peakRssMb: number;
  rssBeforeMb: number;
}

interface ReportChildResult {
  kind: 'report';
  wallMs: number;
  cpuMs: number;
  peakRssMb: number;
  rssBeforeMb: number;
  groups: number;
  incidents: number;
  pdfPages: number;
  bytes: Record<string, number>;
}

/** The Prometheus query API, counting what goes through it. */
class CountingQueryApi implements PrometheusQueryApi {
  rangeQueries = 0;
  instantQueries = 0;
  points = 0;

  constructor(private readonly inner: PrometheusQueryApi) {}

  async rangeQuery(query: string, startMs: number, endMs: number, stepMs: number, context?: QueryContext): Promise<RangeSeries[]> {
    this.rangeQueries++;
    const result = await this.inner.rangeQuery(query, startMs, endMs, stepMs, context);
    for (const series of result) this.points += series.points.length;
    return result;
  }

  async instantQuery(query: string, atMs: number, context?: QueryContext): Promise<InstantSample[]> {
    this.instantQueries++;
    const result = await this.inner.instantQuery(query, atMs, context);
    this.points += result.length;
    return result;
  }

  reset(): void {
    this.rangeQueries = this.instantQueries = this.points = 0;
  }
}

async function engineTime(prometheusUrl: string): Promise<EngineTime> {
  const text = await (await fetch(`${prometheusUrl}/metrics`)).text();
  const out: EngineTime = { allSeconds: 0, innerEvalSeconds: 0, queries: 0 };
  for (const match of text.matchAll(/^prometheus_engine_query_duration_seconds_(sum|count)\{slice="([a-z_]+)"\} (\S+)$/gm)) {
    const value = Number(match[3]);
    if (match[1] === 'sum') {
      out.allSeconds += value;
      if (match[2] === 'inner_eval') out.innerEvalSeconds += value;
    } else if (match[2] === 'inner_eval') {
      out.queries += value;
    }
  }
  return out;
}

const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

// ---------------------------------------------------------------------------------------------
// The children

async function runSyncJob(job: SyncJob): Promise<SyncChildResult> {
  const rssBeforeMb = process.memoryUsage().rss / 1024 / 1024;
  const config = loadConfig({ file: job.configPath, env: {} });
  const ledger = openLedger(config.databasePath);
  const api = new CountingQueryApi(new PrometheusClient({ url: config.prometheus.url, timeoutMs: config.prometheus.timeoutMs }));
  const source = new PrometheusMetricsSource(api);
  const steps: SyncStep[] = [];
  try {
    for (const atMs of job.atMs) {
      const before = await engineTime(job.prometheusUrl);
      api.reset();
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      const result = await syncLedger({
        buckets: ledger.buckets,
        source,
        slos: config.slos,
        // Far enough past atMs that every bucket is settled, so a tick fetches only the new one.
        clock: fixedClock(atMs + DAY),
        timeZone: config.timeZone,
        atMs,
        retentionMs: config.retentionMs,
      });
      const wallMs = performance.now() - started;
      const cpu = process.cpuUsage(cpuBefore);
      const after = await engineTime(job.prometheusUrl);
      const failed = result.slos.filter((s) => s.error !== undefined);
      if (failed.length > 0) throw new Error(`${failed.length} SLOs failed to sync, e.g. ${failed[0]!.slo}: ${failed[0]!.error}`);
      steps.push({
        atMs,
        wallMs,
        cpuMs: (cpu.user + cpu.system) / 1000,
        rangeQueries: api.rangeQueries,
        instantQueries: api.instantQueries,
        points: api.points,
        engine: { allSeconds: after.allSeconds - before.allSeconds, innerEvalSeconds: after.innerEvalSeconds - before.innerEvalSeconds, queries: after.queries - before.queries },
        fetchedBuckets: result.slos.reduce((n, s) => n + s.fetchedBuckets, 0),
      });
    }
  } finally {
    await ledger.close();
  }
  return { kind: 'sync', steps, peakRssMb: peakRssMb(), rssBeforeMb };
}

async function runReportJob(job: ReportJob): Promise<ReportChildResult> {
  const rssBeforeMb = process.memoryUsage().rss / 1024 / 1024;
  const config = loadConfig({ file: job.configPath, env: {} });
  const ledger = openLedger(config.databasePath);
  const offline = (): never => {
    throw new Error('the benchmark reports offline');
  };
  const adapters: Adapters = { config, ledger, figures: ledger.buckets, source: { fetchBuckets: offline, fetchSpan: offline }, clock: fixedClock(job.atMs) };
  try {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const result = await generatePeriodReport(adapters, {
      period: resolvePeriod({ kind: 'range', fromMs: job.fromMs, toMs: job.toMs }, job.atMs, config.timeZone),
      generatedAtMs: job.atMs,
      offline: true,
      formats: ['pdf', 'html', 'json'],
      outDir: job.outDir,
    });
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const bytes = Object.fromEntries(result.paths.map((path) => [path.slice(path.lastIndexOf('.') + 1), statSync(path).size]));
    const pdfPages = (readFileSync(result.paths[0]!).toString('latin1').match(/\/Type \/Page\b/g) ?? []).length;
    const slo = result.report.slos.find((s) => s.name === GROUPED_SLO);
    return {
      kind: 'report',
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      peakRssMb: peakRssMb(),
      rssBeforeMb,
      groups: slo?.groups?.length ?? 0,
      incidents: result.report.incidents.length,
      pdfPages,
      bytes,
    };
  } finally {
    await ledger.close();
  }
}

// ---------------------------------------------------------------------------------------------
// The parent

function configFor(variant: Variant, prometheusUrl: string, databasePath: string): unknown {
  const common = { service: 'api', objective: 99.5, window: '30d' };
  const slos =
    variant === 'A'
      ? [
          {
            name: GROUPED_SLO,
            description: 'Share of requests without a 5xx, per tenant',
            ...common,
            group_by: ['tenant'],
            max_groups: 1000,
            sli: {
              events: {
                bad_query: 'sum by (tenant) (increase(api_requests_total{code="500"}[{{.window}}]))',
                total_query: 'sum by (tenant) (increase(api_requests_total[{{.window}}]))',
              },
            },
          },
        ]
      : Array.from({ length: DEFAULT_GROUP_DATA.tenants }, (_, i) => {
          const tenant = tenantName(i);
          return {
            name: `api-availability-${tenant}`,
            description: `Share of requests without a 5xx, tenant ${tenant}`,
            ...common,
            sli: {
              events: {
                bad_query: `sum(increase(api_requests_total{tenant="${tenant}",code="500"}[{{.window}}]))`,
                total_query: `sum(increase(api_requests_total{tenant="${tenant}"}[{{.window}}]))`,
              },
            },
          };
        });
  return { prometheus: { url: prometheusUrl, timeout: '120s' }, database: databasePath, timezone: 'UTC', retention: '400d', slos };
}

function runChild<T>(job: SyncJob | ReportJob): Promise<T> {
  const profileDir = process.env.GROUP_BENCH_CPU_PROF;
  const execArgv = profileDir ? [...process.execArgv, '--cpu-prof', `--cpu-prof-dir=${resolve(profileDir)}`] : process.execArgv;
  const child = fork(fileURLToPath(import.meta.url), ['--child', JSON.stringify(job)], { execArgv });
  return new Promise<T>((resolvePromise, reject) => {
    let answer: T | undefined;
    child.once('message', (message) => {
      const m = message as { error?: string };
      if (m.error !== undefined) reject(new Error(m.error));
      else answer = message as T;
    });
    child.once('exit', (code) => (answer !== undefined && code === 0 ? resolvePromise(answer) : reject(new Error(`child ${job.kind} exited with ${code}`))));
  });
}

/** The ledger's bucket rows (the SLOs' own series and the groups', and how many are no-data) and the counts over (fromMs, toMs]. */
function ledgerFacts(path: string, fromMs: number, toMs: number) {
  const db = new Database(path, { readonly: true });
  try {
    const byKind = db
      .prepare(
        `SELECT s.group_key != '' AS grouped, COUNT(*) AS rows, SUM(b.status = 'no-data') AS noData
         FROM buckets b JOIN slo_series s ON s.id = b.series_id GROUP BY grouped`,
      )
      .all() as Array<{ grouped: number; rows: number; noData: number }>;
    const kind = (grouped: boolean) => byKind.find((r) => r.grouped === (grouped ? 1 : 0)) ?? { rows: 0, noData: 0 };
    const sums = (grouped: boolean) =>
      db
        .prepare(
          `SELECT COALESCE(SUM(b.good), 0) AS good, COALESCE(SUM(b.total), 0) AS total FROM buckets b JOIN slo_series s ON s.id = b.series_id
           WHERE s.group_key ${grouped ? "!= ''" : "= ''"} AND b.bucket_end_ms > ? AND b.bucket_end_ms <= ?`,
        )
        .get(fromMs, toMs) as { good: number; total: number };
    return { rows: kind(false).rows + kind(true).rows, own: { ...kind(false), ...sums(false) }, groups: { ...kind(true), ...sums(true) } };
  } finally {
    db.close();
  }
}

function fileMb(path: string): number {
  return ['', '-wal'].reduce((n, suffix) => n + (existsSync(path + suffix) ? statSync(path + suffix).size : 0), 0) / 1024 / 1024;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const seconds = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 1000).toFixed(2)} s`);
const n = (value: number) => Math.round(value).toLocaleString('en');
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const sumSteps = (steps: SyncStep[], pick: (s: SyncStep) => number) => steps.reduce((acc, s) => acc + pick(s), 0);

function tickWallText(steps: SyncStep[]): string {
  return steps.map((s) => seconds(s.wallMs)).join(', ');
}

async function main(): Promise<void> {
  const started = performance.now();
  const log = (line: string) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
  const loads: string[] = [];
  const phase = (name: string) => {
    const entry = `${name}: ${load()}`;
    loads.push(entry);
    log(`${name} (load average ${load()})`);
  };

  phase('data');
  const data = await buildGroupData(DEFAULT_GROUP_DATA, join(process.cwd(), '.tmp', 'group-bench'), log);
  log(data.built ? `TSDB built in ${seconds(data.buildMs)}` : `TSDB from the cache: ${data.tsdbDir}`);
  const prometheus = await startPrometheus(data.tsdbDir);
  const dir = mkdtempSync(join(tmpdir(), 'slo-ledger-group-bench-'));
  // Backfill to an hour before the data ends; the ticks follow within the data.
  const backfillAt = data.endMs - HOUR;
  const ticks = Array.from({ length: 1 + STEADY_TICKS }, (_, i) => backfillAt + (i + 1) * BUCKET_MS);
  const lastAt = ticks[ticks.length - 1]!;
  const results: Partial<Record<Variant, { backfill: SyncChildResult; first: SyncChildResult; steady: SyncChildResult; facts: ReturnType<typeof ledgerFacts>[]; dbMb: number }>> = {};
  let report: ReportChildResult | undefined;
  try {
    // `--only-grouped`: A alone (a quick check of the grouped SLO's numbers; the comparison needs B).
    for (const variant of process.argv.includes('--only-grouped') ? (['A'] as const) : (['A', 'B'] as const)) {
      const databasePath = join(dir, `ledger-${variant}.db`);
      const configPath = join(dir, `slos-${variant}.yaml`);
      writeFileSync(configPath, stringify(configFor(variant, prometheus.url, databasePath)));
      const job = (atMs: number[]): SyncJob => ({ kind: 'sync', variant, configPath, prometheusUrl: prometheus.url, atMs });
      const facts: ReturnType<typeof ledgerFacts>[] = [];
      phase(`${variant}: first backfill`);
      const backfill = await runChild<SyncChildResult>(job([backfillAt]));
      facts.push(ledgerFacts(databasePath, DEFAULT_GROUP_DATA.startMs, backfillAt));
      log(`${variant}: backfill ${seconds(backfill.steps[0]!.wallMs)}, ${n(facts[0]!.rows)} rows`);
      phase(`${variant}: first tick`);
      const first = await runChild<SyncChildResult>(job([ticks[0]!]));
      facts.push(ledgerFacts(databasePath, DEFAULT_GROUP_DATA.startMs, ticks[0]!));
      log(`${variant}: first tick ${seconds(first.steps[0]!.wallMs)}, ${n(facts[1]!.rows)} rows`);
      phase(`${variant}: ${STEADY_TICKS} steady ticks`);
      const steady = await runChild<SyncChildResult>(job(ticks.slice(1)));
      facts.push(ledgerFacts(databasePath, DEFAULT_GROUP_DATA.startMs, lastAt));
      log(`${variant}: steady ticks ${steady.steps.map((s) => seconds(s.wallMs)).join(', ')}`);
      results[variant] = { backfill, first, steady, facts, dbMb: fileMb(databasePath) };
    }
    phase('A: period report');
    const outDir = join(dir, 'report');
    mkdirSync(outDir, { recursive: true });
    report = await runChild<ReportChildResult>({ kind: 'report', configPath: join(dir, 'slos-A.yaml'), fromMs: DEFAULT_GROUP_DATA.startMs, toMs: lastAt, atMs: lastAt + DAY, outDir });
    log(`report ${seconds(report.wallMs)}`);
  } finally {
    await prometheus.stop();
    if (process.env.GROUP_BENCH_KEEP === '1') log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  const totalMs = performance.now() - started;
  const A = results.A!;
  if (results.B === undefined) {
    process.stdout.write(`A alone: first backfill ${seconds(A.backfill.steps[0]!.wallMs)}, peak RSS ${A.backfill.peakRssMb.toFixed(0)} MB; ` +
      `first tick ${seconds(A.first.steps[0]!.wallMs)}; steady ticks ${tickWallText(A.steady.steps)}\n`);
    return;
  }
  const B = results.B;

  const tickWall = (r: typeof A) => r.steady.steps.map((s) => s.wallMs);
  const engineOf = (steps: SyncStep[]) => sumSteps(steps, (s) => s.engine.allSeconds);
  const innerOf = (steps: SyncStep[]) => sumSteps(steps, (s) => s.engine.innerEvalSeconds);
  const queriesOf = (steps: SyncStep[]) => `${n(sumSteps(steps, (s) => s.rangeQueries))} range + ${n(sumSteps(steps, (s) => s.instantQueries))} instant`;
  const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
  const engineRatio = engineOf(B.steady.steps) / engineOf(A.steady.steps);
  const bf = (r: typeof A) => r.backfill.steps[0]!;
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;

  const ms = (secondsValue: number) => `${(secondsValue * 1000).toFixed(0)} ms`;
  const rowsOf = (f: ReturnType<typeof ledgerFacts>) => `${n(f.own.rows)} / ${f.groups.rows === 0 ? '—' : n(f.groups.rows)}`;
  const noDataOf = (f: ReturnType<typeof ledgerFacts>) => `${n(f.own.noData)} / ${f.groups.rows === 0 ? '—' : n(f.groups.noData)}`;
  const added = (r: typeof A, k: 'own' | 'groups') => r.facts[1]![k].rows - r.facts[0]![k].rows;
  const lines: string[] = [];
  lines.push(`Command: \`npx tsx bench/group-bench.ts\` (${new Date().toISOString().slice(0, 16)}Z, ${availableParallelism()} cores; the whole run took ${seconds(totalMs)}).`);
  lines.push('');
  lines.push(
    `Data: ${n(DEFAULT_GROUP_DATA.tenants)} tenants (${DEFAULT_GROUP_DATA.minRequestsPerMinute} to ${n(DEFAULT_GROUP_DATA.maxRequestsPerMinute)} requests a minute, log-uniform), ` +
      `${DEFAULT_GROUP_DATA.days} days scraped every ${DEFAULT_GROUP_DATA.scrapeIntervalMs / 1000} s: ${n(data.series)} series ` +
      `(code="200" for every tenant, code="500" for every ${DEFAULT_GROUP_DATA.errorTenantEvery}th), ${n(data.samples)} samples` +
      (data.built ? ` (TSDB built in ${seconds(data.buildMs)})` : ', TSDB from the cache') +
      '. A: one SLO with `group_by: [tenant]`, `max_groups: 1000`; B: the same tenants as 1,000 SLOs.',
  );
  lines.push('');
  lines.push(row(['', 'A: 1 grouped SLO, 1,000 groups', 'B: 1,000 SLOs', 'target']));
  lines.push(row(['---', '---:', '---:', '---']));
  lines.push(
    row([
      'first backfill (35 days, 10,080 buckets a series): wall time',
      seconds(bf(A).wallMs),
      seconds(bf(B).wallMs),
      `< 2 min: A ${verdict(bf(A).wallMs < TARGETS.backfillMs)}, B ${verdict(bf(B).wallMs < TARGETS.backfillMs)}`,
    ]),
  );
  lines.push(
    row([
      'first backfill: peak RSS of the process (RSS at its start)',
      `${A.backfill.peakRssMb.toFixed(0)} MB (${A.backfill.rssBeforeMb.toFixed(0)} MB)`,
      `${B.backfill.peakRssMb.toFixed(0)} MB (${B.backfill.rssBeforeMb.toFixed(0)} MB)`,
      `< 300 MB: A ${verdict(A.backfill.peakRssMb < TARGETS.backfillRssMb)}, B ${verdict(B.backfill.peakRssMb < TARGETS.backfillRssMb)}`,
    ]),
  );
  lines.push(row(['first backfill: bucket rows written, SLO series / group series', rowsOf(A.facts[0]!), rowsOf(B.facts[0]!), '']));
  lines.push(row(['first backfill: HTTP queries; Prometheus engine time', `${queriesOf(A.backfill.steps)}; ${engineOf(A.backfill.steps).toFixed(2)} s`, `${queriesOf(B.backfill.steps)}; ${engineOf(B.backfill.steps).toFixed(2)} s`, '']));
  lines.push(
    row([
      'first tick after the backfill (+5 min): wall time; peak RSS',
      `${seconds(A.first.steps[0]!.wallMs)}; ${A.first.peakRssMb.toFixed(0)} MB`,
      `${seconds(B.first.steps[0]!.wallMs)}; ${B.first.peakRssMb.toFixed(0)} MB`,
      '',
    ]),
  );
  lines.push(row(['first tick: bucket rows added, SLO series / group series', `${n(added(A, 'own'))} / ${n(added(A, 'groups'))}`, `${n(added(B, 'own'))} / —`, '']));
  lines.push(row(['first tick: HTTP queries; Prometheus engine time', `${queriesOf(A.first.steps)}; ${ms(engineOf(A.first.steps))}`, `${queriesOf(B.first.steps)}; ${ms(engineOf(B.first.steps))}`, '']));
  lines.push(
    row([
      `steady tick (${STEADY_TICKS} more, 1 new bucket each): median / max wall time`,
      `${seconds(median(tickWall(A)))} / ${seconds(Math.max(...tickWall(A)))}`,
      `${seconds(median(tickWall(B)))} / ${seconds(Math.max(...tickWall(B)))}`,
      `< 1 s: A ${verdict(Math.max(...tickWall(A)) < TARGETS.tickMs)}, B ${verdict(Math.max(...tickWall(B)) < TARGETS.tickMs)}`,
    ]),
  );
  lines.push(row([`steady ticks: HTTP queries, all ${STEADY_TICKS}`, queriesOf(A.steady.steps), queriesOf(B.steady.steps), '']));
  lines.push(
    row([
      `steady ticks: Prometheus engine time, all ${STEADY_TICKS} (all slices / inner_eval)`,
      `${ms(engineOf(A.steady.steps))} / ${ms(innerOf(A.steady.steps))}`,
      `${ms(engineOf(B.steady.steps))} / ${ms(innerOf(B.steady.steps))}`,
      `B ÷ A ≥ 10: ${engineRatio.toFixed(1)}× (inner_eval ${(innerOf(B.steady.steps) / innerOf(A.steady.steps)).toFixed(1)}×), ${verdict(engineRatio >= TARGETS.engineRatio)}`,
    ]),
  );
  lines.push(row(['steady tick: CPU time of the process (median)', seconds(median(A.steady.steps.map((s) => s.cpuMs))), seconds(median(B.steady.steps.map((s) => s.cpuMs))), '']));
  lines.push(row(['ledger after the ticks: no-data rows, SLO series / group series; file size', `${noDataOf(A.facts[2]!)}; ${A.dbMb.toFixed(0)} MB`, `${noDataOf(B.facts[2]!)}; ${B.dbMb.toFixed(0)} MB`, '']));
  if (report) {
    lines.push(
      row([
        'period report of the data from the ledger (offline; PDF, HTML, JSON): wall time / peak RSS',
        `${seconds(report.wallMs)} / ${report.peakRssMb.toFixed(0)} MB`,
        '—',
        `< 5 s: ${verdict(report.wallMs < TARGETS.reportMs)}`,
      ]),
    );
  }
  lines.push('');
  const own = A.facts[2]!.own;
  const groups = A.facts[2]!.groups;
  const bOwn = B.facts[2]!.own;
  lines.push(
    `Same counts both ways, over the data: A's SLO series ${n(own.total)} requests (${n(own.total - own.good)} bad), A's groups ${n(groups.total)} ` +
      `(${n(groups.total - groups.good)}), B's SLOs ${n(bOwn.total)} (${n(bOwn.total - bOwn.good)}).`,
  );
  if (report) {
    lines.push(
      `Report: ${report.groups} groups, ${report.incidents} incidents, ${report.pdfPages} PDF pages; PDF ${(report.bytes.pdf! / 1024).toFixed(0)} kB, ` +
        `HTML ${(report.bytes.html! / 1024).toFixed(0)} kB, JSON ${(report.bytes.json! / 1024).toFixed(0)} kB; CPU ${seconds(report.cpuMs)}, RSS at start ${report.rssBeforeMb.toFixed(0)} MB.`,
    );
  }
  lines.push(`Steady ticks one by one (ms): A ${tickWall(A).map((v) => v.toFixed(0)).join(', ')}; B ${tickWall(B).map((v) => v.toFixed(0)).join(', ')}.`);
  lines.push(`Load average (1, 5, 15 min) before each phase: ${loads.join('; ')}.`);
  lines.push('');
  lines.push(
    'What the numbers are. Each phase runs in its own child process against the same Prometheus, and each variant has its own new SQLite ledger. ' +
      '*First backfill*: one `syncLedger` call (src/app/sync-ledger.ts) on an empty ledger, up to an hour before the data ends, with the default range ' +
      '(35 days back) and a fixed clock one day later, so every bucket counts as settled; wall time of that call, and the peak RSS ' +
      '(`process.resourceUsage().maxRSS`) of the whole process, Node and tsx included (the RSS at its start is in brackets). ' +
      '*Rows*: bucket rows in the ledger, counted in the SLOs\' own series and in the group series. ' +
      '*First tick*: the next sync, 5 minutes later, in a new process; the rows it added show what the backfill left for it. *Steady tick*: the wall time of each of the next ' +
      `${STEADY_TICKS} syncs, 5 minutes apart, in one process; each fetches one new bucket per SLO. ` +
      '*HTTP queries*: calls of `rangeQuery` and `instantQuery`, counted by a decorator around the `PrometheusClient` (a retry is not counted again). ' +
      '*Prometheus engine time*: how much `prometheus_engine_query_duration_seconds_sum` on the Prometheus\'s own /metrics grew during the phase, ' +
      'all slices (queue, prepare, inner_eval, result_sort) and inner_eval alone; nothing else queries that Prometheus. ' +
      '*Period report*: `generatePeriodReport` (src/app/period-report.ts) offline over the range from the start of the data to the last tick, ' +
      `read from A's ledger and written as PDF, HTML and JSON, in its own process. The machine has ${availableParallelism()} cores shared with other work: see the load averages.`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

// ---------------------------------------------------------------------------------------------

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1]);
if (isMain && process.argv[2] === '--child') {
  const job = JSON.parse(process.argv[3]!) as SyncJob | ReportJob;
  // Exit once the answer is sent: an idle keep-alive socket must not hold the process (or its timing) open.
  const answer = (message: unknown, code: number) => process.send!(message, () => process.exit(code));
  try {
    answer(job.kind === 'sync' ? await runSyncJob(job) : await runReportJob(job), 0);
  } catch (error) {
    answer({ error: (error as Error).stack ?? String(error) }, 1);
  }
} else if (isMain) {
  await main();
}
