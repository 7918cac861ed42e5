/**
 * The ledger in PostgreSQL against SQLite, and replicas sharing a tick, on the fixture Prometheus
 * (42 days of Rendiff traffic). Run by hand: `npx tsx bench/postgres-bench.ts` (needs prometheus,
 * promtool and PostgreSQL's server binaries: initdb, pg_ctl; about 15 minutes on 2 cores, most of it the
 * two backfills and the reports; the ledgers take about 6.5 GB of temporary disk).
 * 1,000 SLOs (the three Rendiff SLOs over different label selections, as bench/sync-bench.ts makes
 * them; every third a latency SLO with a 10-bound histogram per bucket), measured in child
 * processes of this script (`--worker`), each with its own adapters (`openAdapters`):
 * - the first backfill (35 days of 5-minute buckets), one process each, into PostgreSQL and SQLite;
 * - a steady tick's sync (one new 5-minute bucket per SLO; each repeat one bucket later, median of
 *   3) by (a) 1 replica on PostgreSQL, (b) 3 replicas on PostgreSQL sharing the SLOs by claims
 *   (`syncClaimedSlos`, batches of 25, as `serve` does; each replica a separate process with its
 *   own holder id), (c) 1 process on SQLite (`syncAllSlos`). The replicas start together at a
 *   shared instant; a tick is the last replica's end minus the first one's start;
 * - October's monthly report figures read from each ledger (`generatePeriodReport` offline, as
 *   `report --month 2026-10 --format json --offline` builds them), median of 3, and whether the two
 *   reports' JSON are identical.
 * PostgreSQL is test/helpers/postgres.ts's throwaway server (fsync off, shared_buffers 16MB).
 * Prints a Markdown table and notes for the README. `PG_BENCH_SLOS=N` runs with N SLOs instead
 * (a quick check of the script).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { generatePeriodReport } from '../src/app/period-report.js';
import { syncAllSlos, syncClaimedSlos, type SyncClaims } from '../src/app/sync-all-slos.js';
import { postgresSyncClaims } from '../src/runtime/replication.js';
import { PostgresBucketStore } from '../src/ledger/postgres/bucket-store.js';
import { slos } from './bench-slos.js';
import type { SyncResult } from '../src/app/sync-ledger.js';
import { loadConfig } from '../src/config/load-config.js';
import { BUCKET_MS } from '../src/domain/duration.js';
import { localDays, monthBounds, parseMonth, resolvePeriod } from '../src/domain/period.js';
import { buildFixture, startPrometheus } from '../src/fixture/prometheus-server.js';
import { RENDIFF_EVALUATION_MS, RENDIFF_SCENARIO } from '../src/fixture/scenarios.js';
import { toReportJson } from '../src/report/report-json.js';
import { openAdapters, type OpenAdapters } from '../src/runtime/open-adapters.js';
import { startPostgres } from '../test/helpers/postgres.js';

const DAY = 24 * 3_600_000;
const COUNT = Number(process.env.PG_BENCH_SLOS ?? 1000);
const REPLICAS = 3;
/** The default `cluster.claim_batch`. */
const BATCH = 25;
const REPEATS = 3;
const REPORT_RUNS = 3;
/**
 * Within a tick, an SLO another replica synced less than this long ago is passed over (serve uses
 * half the time to the next tick): longer than any tick here, so none is synced twice. Between two
 * measured ticks the claims' done marks are cleared, as a tick interval would let them age.
 */
const REST_MS = 10 * 60_000;
const MONTH = '2026-10';
/** The first backfill's instant; the steady ticks follow it one bucket at a time (the data goes on to 01:00). */
const BACKFILL_AT_MS = RENDIFF_EVALUATION_MS;
/** A report's "generated" time, fixed so both engines' JSON can be compared. */
const GENERATED_AT_MS = Date.parse('2026-11-01T06:00:00Z');


/** Wall-clock milliseconds since the epoch, sub-millisecond: comparable across the processes. */
const wallMs = () => performance.timeOrigin + performance.now();
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

// ---------------------------------------------------------------------------------------------
// The worker: one process with its own adapters, doing what the parent asks, one request at a time.

type Request =
  | { op: 'open'; databasePath: string; prometheusUrl: string; count: number; holder: string }
  | { op: 'backfill'; atMs: number }
  | { op: 'tick'; atMs: number; startAtMs: number; claimed: boolean }
  | { op: 'report'; outFile: string; outDir: string }
  | { op: 'reads' }
  | { op: 'close' };

/** What one process's sync did, for the parent's checks. */
interface SyncOutcome {
  startMs: number;
  endMs: number;
  /** The SLOs it synced. */
  slos: string[];
  fetchedBuckets: number;
  /** SLOs that did not fetch exactly one bucket. */
  notOneBucket: number;
  errors: string[];
}

interface ReportOutcome {
  ms: number;
  sha256: string;
}

/** What single reads behind a report cost, median of 3 each (ms): one latency SLO's month. */
interface ReadCosts {
  dailyHistograms: number;
  monthColumns: number;
  monthSum: number;
}

function outcome(startMs: number, result: SyncResult): SyncOutcome {
  return {
    startMs,
    endMs: wallMs(),
    slos: result.slos.map((s) => s.slo),
    fetchedBuckets: result.slos.reduce((n, s) => n + s.fetchedBuckets, 0),
    notOneBucket: result.slos.filter((s) => s.fetchedBuckets !== 1).length,
    errors: result.slos.flatMap((s) => (s.error === undefined ? [] : [`${s.slo}: ${s.error}`])),
  };
}


async function worker(): Promise<void> {
  let adapters: OpenAdapters | undefined;
  let claims: SyncClaims | undefined;
  let claimTtlMs = 0;
  const handle = async (request: Request): Promise<unknown> => {
    if (request.op === 'open') {
      const config = loadConfig({ env: {} });
      config.slos = slos(request.count);
      config.databasePath = request.databasePath;
      config.timeZone = 'UTC';
      config.retentionMs = 400 * DAY;
      config.prometheus.url = request.prometheusUrl;
      config.prometheus.timeoutMs = 120_000;
      adapters = openAdapters(config);
      if (adapters.postgres !== undefined) {
        await adapters.postgres.ready;
        // A claim lasts four lease times and is renewed every third of it, as in serve.
        claimTtlMs = 4 * config.cluster.leaseTimeMs;
        claims = postgresSyncClaims(adapters.postgres.pool, request.holder, claimTtlMs);
      }
      return undefined;
    }
    if (adapters === undefined) throw new Error('the worker has no adapters: open first');
    const open = adapters;
    if (request.op === 'backfill') {
      const started = wallMs();
      return outcome(started, await syncAllSlos(open, request.atMs));
    }
    if (request.op === 'tick') {
      // The barrier: every process of the tick starts at the same instant.
      const wait = request.startAtMs - wallMs();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      while (wallMs() < request.startAtMs) {
        // the last fraction of a millisecond
      }
      const started = wallMs();
      if (!request.claimed) return outcome(started, await syncAllSlos(open, request.atMs));
      if (claims === undefined) throw new Error('claimed sync needs a PostgreSQL ledger');
      return outcome(started, await syncClaimedSlos(open, request.atMs, claims, { batch: BATCH, restMs: REST_MS, renewEveryMs: claimTtlMs / 3 }));
    }
    if (request.op === 'report') {
      const period = resolvePeriod({ kind: 'month', month: parseMonth(MONTH) }, RENDIFF_EVALUATION_MS, open.config.timeZone);
      const started = performance.now();
      const { report } = await generatePeriodReport(open, { period, generatedAtMs: GENERATED_AT_MS, offline: true, formats: [], outDir: request.outDir });
      const ms = performance.now() - started;
      const json = `${JSON.stringify(toReportJson(report), null, 2)}\n`;
      writeFileSync(request.outFile, json);
      return { ms, sha256: createHash('sha256').update(json).digest('hex') } satisfies ReportOutcome;
    }
    if (request.op === 'reads') {
      const slo = open.config.slos.find((s) => s.sli.kind === 'latency')!;
      const { startMs, endMs } = monthBounds(parseMonth(MONTH), open.config.timeZone);
      const id = (await open.ledger.buckets.findSeries(slo))!;
      const days = localDays(startMs, endMs, open.config.timeZone);
      const cost = async (read: () => Promise<unknown>) => {
        const runs: number[] = [];
        for (let i = 0; i < 3; i++) {
          const started = performance.now();
          await read();
          runs.push(performance.now() - started);
        }
        return median(runs);
      };
      return {
        dailyHistograms: await cost(() => open.ledger.buckets.sumWindows(id, days, true)),
        monthColumns: await cost(() => open.ledger.buckets.readBucketColumns(id, startMs + BUCKET_MS, endMs)),
        monthSum: await cost(() => open.ledger.buckets.sumWindow(id, startMs, endMs, false)),
      } satisfies ReadCosts;
    }
    await open.close();
    adapters = undefined;
    return undefined;
  };
  // Never outlive the parent.
  process.on('disconnect', () => process.exit(1));
  process.on('message', (message: { id: number; request: Request }) => {
    handle(message.request).then(
      (value) => process.send!({ id: message.id, ok: true, value }, () => {
        if (message.request.op === 'close') process.exit(0);
      }),
      (error: unknown) => process.send!({ id: message.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  });
}

// ---------------------------------------------------------------------------------------------
// The parent

interface Worker {
  name: string;
  pid: number;
  call<T>(request: Request): Promise<T>;
  kill(): void;
}

function startWorker(name: string): Worker {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--worker'], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let next = 0;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  child.on('message', (message: { id: number; ok: boolean; value?: unknown; error?: string }) => {
    const waiting = pending.get(message.id);
    pending.delete(message.id);
    if (message.ok) waiting?.resolve(message.value);
    else waiting?.reject(new Error(`worker ${name}: ${message.error}`));
  });
  child.on('exit', (code, signal) => {
    for (const waiting of pending.values()) waiting.reject(new Error(`worker ${name} exited (${code ?? signal})`));
    pending.clear();
  });
  return {
    name,
    pid: child.pid!,
    call: <T>(request: Request) =>
      new Promise<T>((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ id, request });
      }),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** CPU seconds (user and system) a process has used, from /proc (Linux); 0 once it is gone. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime, in clock ticks of 1/100 s.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** The processes running `command` (by /proc/PID/comm). */
function pidsOf(command: string): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === command;
    } catch {
      return false;
    }
  });
}

/** CPU seconds the benchmark's processes used over one measured step, per kind of process. */
interface CpuUse {
  replicas: number;
  postgres: number;
  prometheus: number;
}

function cpuNow(workers: Worker[]): CpuUse {
  const sum = (pids: number[]) => pids.reduce((total, pid) => total + cpuSeconds(pid), 0);
  return { replicas: sum(workers.map((w) => w.pid)), postgres: sum(pidsOf('postgres')), prometheus: sum(pidsOf('prometheus')) };
}

/** One tick by `workers` started together; checks every SLO was synced once with one new bucket. */
async function tick(workers: Worker[], atMs: number, claimed: boolean, expectOneBucket: boolean, admin?: pg.Client): Promise<{ ms: number; shares: number[]; cpu: CpuUse }> {
  // The last tick's done marks, aged as by a tick interval.
  if (claimed) await admin!.query('UPDATE sync_claims SET done_at = NULL');
  const startAtMs = wallMs() + 300;
  const cpuBefore = cpuNow(workers);
  const outcomes = await Promise.all(workers.map((w) => w.call<SyncOutcome>({ op: 'tick', atMs, startAtMs, claimed })));
  const cpuAfter = cpuNow(workers);
  const cpu = { replicas: cpuAfter.replicas - cpuBefore.replicas, postgres: cpuAfter.postgres - cpuBefore.postgres, prometheus: cpuAfter.prometheus - cpuBefore.prometheus };
  const errors = outcomes.flatMap((o) => o.errors);
  if (errors.length > 0) throw new Error(`a sync failed: ${errors[0]}`);
  const synced = outcomes.flatMap((o) => o.slos);
  if (synced.length !== COUNT || new Set(synced).size !== COUNT) throw new Error(`a tick at ${new Date(atMs).toISOString()} synced ${synced.length} SLOs (${new Set(synced).size} distinct), not each of ${COUNT} once`);
  if (expectOneBucket && outcomes.some((o) => o.notOneBucket > 0)) throw new Error(`a steady tick at ${new Date(atMs).toISOString()} fetched other than one bucket per SLO`);
  return { ms: Math.max(...outcomes.map((o) => o.endMs)) - Math.min(...outcomes.map((o) => o.startMs)), shares: outcomes.map((o) => o.slos.length), cpu };
}

/** CPU use summed over ticks, and the share of all cores' time it took over their wall time. */
function cpuLine(uses: CpuUse[], wallMs: number[]): string {
  const total = (key: keyof CpuUse) => uses.reduce((sum, use) => sum + use[key], 0);
  const all = total('replicas') + total('postgres') + total('prometheus');
  const wall = wallMs.reduce((sum, ms) => sum + ms, 0) / 1000;
  return `the replicas' processes ${total('replicas').toFixed(1)} s, PostgreSQL ${total('postgres').toFixed(1)} s, Prometheus ${total('prometheus').toFixed(1)} s: ${((100 * all) / (wall * availableParallelism())).toFixed(0)} % of the cores`;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const millis = (ms: number) => (ms >= 10_000 ? seconds(ms) : ms < 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(0)} ms`);
const mb = (bytes: number) => `${(bytes / 1e6).toLocaleString('en', { maximumFractionDigits: bytes < 1e7 ? 1 : 0 })} MB`;

async function main(): Promise<void> {
  const runStarted = Date.now();
  const load = loadavg();
  const machine = `${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB; load average before the run ${load.map((l) => l.toFixed(2)).join(', ')} (1, 5, 15 min); Node ${process.version}`;
  const progress = (text: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`);
  const fixture = await buildFixture(RENDIFF_SCENARIO, join(process.cwd(), '.tmp', 'fixtures'));
  const prometheus = await startPrometheus(fixture.tsdbDir);
  const dir = mkdtempSync(join(tmpdir(), 'slo-ledger-pg-bench-'));
  const workers: Worker[] = [];
  let postgres: Awaited<ReturnType<typeof startPostgres>> | undefined;
  let admin: pg.Client | undefined;
  try {
    postgres = await startPostgres();
    const url = postgres.url;
    const sqlitePath = join(dir, 'bench.db');
    const pgWorkers = Array.from({ length: REPLICAS }, (_, i) => startWorker(`postgres-${i + 1}`));
    const sqliteWorker = startWorker('sqlite');
    workers.push(...pgWorkers, sqliteWorker);
    for (const [i, w] of pgWorkers.entries()) await w.call({ op: 'open', databasePath: url, prometheusUrl: prometheus.url, count: COUNT, holder: `bench-replica-${i + 1}` });
    await sqliteWorker.call({ op: 'open', databasePath: sqlitePath, prometheusUrl: prometheus.url, count: COUNT, holder: 'sqlite' });
    admin = new pg.Client({ connectionString: url });
    // The server is stopped under it when something fails: that must not hide the failure.
    admin.on('error', () => undefined);
    await admin.connect();
    const serverVersion = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;

    // 1. The first backfill, one process each.
    progress(`backfill of ${COUNT} SLOs into SQLite`);
    const sqliteBackfill = await sqliteWorker.call<SyncOutcome>({ op: 'backfill', atMs: BACKFILL_AT_MS });
    progress(`backfill into PostgreSQL`);
    const pgBackfill = await pgWorkers[0]!.call<SyncOutcome>({ op: 'backfill', atMs: BACKFILL_AT_MS });
    for (const b of [sqliteBackfill, pgBackfill]) {
      if (b.errors.length > 0) throw new Error(`the backfill failed: ${b.errors[0]}`);
      if (b.slos.length !== COUNT) throw new Error(`the backfill synced ${b.slos.length} SLOs`);
    }
    if (sqliteBackfill.fetchedBuckets !== pgBackfill.fetchedBuckets) throw new Error(`the backfills fetched ${sqliteBackfill.fetchedBuckets} and ${pgBackfill.fetchedBuckets} buckets`);
    const counts = (await admin.query<{ buckets: string; histogram: string; size: string }>(
      'SELECT (SELECT count(*) FROM buckets) AS buckets, (SELECT count(*) FROM histogram_buckets) AS histogram, pg_database_size(current_database()) AS size',
    )).rows[0]!;
    const sqliteBytes = statSync(sqlitePath).size;
    // What autovacuum does after a bulk load, done now so that it does not run during the measurements.
    progress('VACUUM ANALYZE after the backfill');
    await admin.query('VACUUM ANALYZE');

    // 2. Steady ticks: a first one at the backfill's instant (no new bucket: connections, JIT), then
    // one new bucket per SLO each time. PostgreSQL's 1- and 3-replica ticks take turns on one ledger.
    progress('steady ticks');
    await tick([sqliteWorker], BACKFILL_AT_MS, false, false);
    await tick(pgWorkers, BACKFILL_AT_MS, true, false, admin);
    const one: number[] = [];
    const cpuOne: CpuUse[] = [];
    const cpuThree: CpuUse[] = [];
    const three: number[] = [];
    const sqlite: number[] = [];
    const shares: number[][] = [];
    for (let r = 1; r <= REPEATS; r++) {
      const alone = await tick([pgWorkers[0]!], BACKFILL_AT_MS + (2 * r - 1) * BUCKET_MS, true, true, admin);
      one.push(alone.ms);
      cpuOne.push(alone.cpu);
      const shared = await tick(pgWorkers, BACKFILL_AT_MS + 2 * r * BUCKET_MS, true, true, admin);
      three.push(shared.ms);
      cpuThree.push(shared.cpu);
      shares.push(shared.shares);
      sqlite.push((await tick([sqliteWorker], BACKFILL_AT_MS + r * BUCKET_MS, false, true)).ms);
      progress(`tick ${r}: PostgreSQL 1 replica ${millis(one.at(-1)!)}, 3 replicas ${millis(three.at(-1)!)} (${shared.shares.join('/')}), SQLite ${millis(sqlite.at(-1)!)}`);
    }

    // 3. The month's report from each ledger, taking turns.
    progress(`${MONTH} report`);
    const pgReports: ReportOutcome[] = [];
    const sqliteReports: ReportOutcome[] = [];
    for (let r = 0; r < REPORT_RUNS; r++) {
      pgReports.push(await pgWorkers[0]!.call<ReportOutcome>({ op: 'report', outFile: join(dir, 'postgres.json'), outDir: join(dir, 'reports') }));
      sqliteReports.push(await sqliteWorker.call<ReportOutcome>({ op: 'report', outFile: join(dir, 'sqlite.json'), outDir: join(dir, 'reports') }));
      progress(`report ${r + 1}: PostgreSQL ${millis(pgReports.at(-1)!.ms)}, SQLite ${millis(sqliteReports.at(-1)!.ms)}`);
    }
    const stable = (runs: ReportOutcome[]) => runs.every((run) => run.sha256 === runs[0]!.sha256);
    const identical = stable(pgReports) && stable(sqliteReports) && readFileSync(join(dir, 'postgres.json'), 'utf8') === readFileSync(join(dir, 'sqlite.json'), 'utf8');
    const reportBytes = statSync(join(dir, 'sqlite.json')).size;
    const pgReads = await pgWorkers[0]!.call<ReadCosts>({ op: 'reads' });
    const sqliteReads = await sqliteWorker.call<ReadCosts>({ op: 'reads' });
    // What a replica's tick prunes on PostgreSQL (once per tick), deleting nothing here: median of 3.
    const pruneFloor = BACKFILL_AT_MS - 400 * DAY;
    const pruneTimes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      await new PostgresBucketStore(admin).prune(pruneFloor);
      pruneTimes.push(performance.now() - started);
    }
    const pruneMs = median(pruneTimes);
    await Promise.all(workers.map((w) => w.call({ op: 'close' })));

    const oneMs = median(one);
    const threeMs = median(three);
    const sqliteMs = median(sqlite);
    const pgReportMs = median(pgReports.map((r) => r.ms));
    const sqliteReportMs = median(sqliteReports.map((r) => r.ms));
    const backfillMs = (b: SyncOutcome) => b.endMs - b.startMs;
    const met = (ok: boolean) => (ok ? 'met' : '**missed**');
    const count = COUNT.toLocaleString('en');
    const medianShares = shares[three.indexOf(threeMs)]!;
    const lines = [
      `| ${count} SLOs | PostgreSQL, 1 replica | PostgreSQL, ${REPLICAS} replicas (claims) | SQLite, 1 process | target |`,
      '|---|---:|---:|---:|---|',
      `| steady tick: sync of 1 new bucket per SLO, median of ${REPEATS} | ${millis(oneMs)} | ${millis(threeMs)} (${(threeMs / oneMs).toFixed(2)}× of 1 replica; ${medianShares.join('/')} SLOs) | ${millis(sqliteMs)} | ${REPLICAS} replicas < ½ of 1: ${met(threeMs < oneMs / 2)} |`,
      `| first backfill: 35 days, ${pgBackfill.fetchedBuckets.toLocaleString('en')} buckets | ${seconds(backfillMs(pgBackfill))} | — | ${seconds(backfillMs(sqliteBackfill))} | |`,
      `| ${MONTH} report read from the ledger and built (offline), median of ${REPORT_RUNS} | ${seconds(pgReportMs)} (${(pgReportMs / sqliteReportMs).toFixed(2)}× SQLite) | — | ${seconds(sqliteReportMs)} | ≤ 1.5× SQLite: ${met(pgReportMs <= 1.5 * sqliteReportMs)} |`,
      '',
      `- Machine: ${machine}; Prometheus and PostgreSQL ${serverVersion} on the same cores. The whole run took ${((Date.now() - runStarted) / 60_000).toFixed(1)} min.`,
      `- PostgreSQL is the tests' throwaway server (test/helpers/postgres.ts): fsync, synchronous_commit and full_page_writes off, shared_buffers 16MB, max_connections 60; each process has its own pool (10 connections at most). After the backfill the benchmark runs VACUUM ANALYZE, as autovacuum would after a bulk load, so that autovacuum does not run during the measurements.`,
      `- The ledgers after the backfill: PostgreSQL ${Number(counts.buckets).toLocaleString('en')} bucket rows and ${Number(counts.histogram).toLocaleString('en')} histogram rows, database ${mb(Number(counts.size))}; SQLite file ${mb(sqliteBytes)}.`,
      `- Steady ticks (each repeat one bucket later, PostgreSQL's 1- and ${REPLICAS}-replica ticks taking turns on one ledger): PostgreSQL 1 replica ${one.map(millis).join(', ')}; ${REPLICAS} replicas ${three.map(millis).join(', ')}; SQLite ${sqlite.map(millis).join(', ')}. Claimed batches of ${BATCH}, an SLO synced by one replica passed over by the others for the rest of the tick (its done marks cleared between ticks, as a tick interval would age them); each replica a separate process, started at one shared instant; a tick is the last end minus the first start.`,
      `- CPU used during the steady ticks (the processes' user and system time from /proc, summed over the ${REPEATS} ticks; the share of the ${availableParallelism()} cores' time over the ticks' wall time): 1 replica: ${cpuLine(cpuOne, one)}; ${REPLICAS} replicas: ${cpuLine(cpuThree, three)}.`,
      `- Each replica prunes once per tick, per series by ranges of the primary key: ${millis(pruneMs)} here with nothing to delete (median of 3).`,
      `- Single reads behind the report, one latency SLO's month (median of 3): its 31 daily histogram sums PostgreSQL ${millis(pgReads.dailyHistograms)}, SQLite ${millis(sqliteReads.dailyHistograms)}; its bucket columns PostgreSQL ${millis(pgReads.monthColumns)}, SQLite ${millis(sqliteReads.monthColumns)}; its month's sum PostgreSQL ${millis(pgReads.monthSum)}, SQLite ${millis(sqliteReads.monthSum)}.`,
      `- Report runs: PostgreSQL ${pgReports.map((r) => seconds(r.ms)).join(', ')}; SQLite ${sqliteReports.map((r) => seconds(r.ms)).join(', ')}. The two reports' JSON (${mb(reportBytes)}): ${identical ? 'identical, byte for byte' : '**different**'}.`,
      '',
    ];
    process.stdout.write(lines.join('\n'));
    if (!identical) process.exitCode = 1;
  } finally {
    await admin?.end().catch(() => undefined);
    for (const w of workers) w.kill();
    await postgres?.stop();
    await prometheus.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--worker')) await worker();
else await main();
