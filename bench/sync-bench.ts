/**
 * The ledger's cost against the naive approach, on the fixture Prometheus (42 days of Rendiff
 * traffic). Run by hand: `npx tsx bench/sync-bench.ts` (needs prometheus and promtool).
 * For 10 and 100 SLOs it measures, on one Prometheus, side by side:
 * - the first backfill (35 days of 5-minute buckets);
 * - a steady-state sync (one new bucket per SLO), the median of several;
 * - the naive tick: an instant query of increase(...[W]) for W = 24h, 7d, 30d per SLO;
 * and the peak RSS of the real CLI (`node bin/slo-ledger.js sync`, built dist/) doing the first
 * backfill and a steady sync of the 100 SLOs. Prints a Markdown table for the README.
 * Build first (`npm run build`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../src/domain/clock.js';
import { syncLedger } from '../src/app/sync-ledger.js';
import { BUCKET_MS } from '../src/domain/duration.js';
import type { SloDefinition } from '../src/domain/slo.js';
import { buildFixture, startPrometheus } from '../src/fixture/prometheus-server.js';
import { RENDIFF_EVALUATION_MS, RENDIFF_SCENARIO } from '../src/fixture/scenarios.js';
import { openLedger } from '../src/ledger/open-ledger.js';
import type { LedgerStores } from '../src/ledger/ledger-stores.js';
import { fetchSpanCounts } from '../src/prometheus/fetch-buckets.js';
import { PrometheusClient } from '../src/prometheus/prometheus-client.js';
import { PrometheusMetricsSource } from '../src/prometheus/metrics-source.js';
import { stringify } from 'yaml';
import { slos } from './bench-slos.js';

const DAY = 24 * 3_600_000;

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await run();
  return { ms: performance.now() - start, value };
}

/** The SLOs in the config file's own form (percent objectives, snake_case). */
function toConfigEntry(slo: SloDefinition): Record<string, unknown> {
  const sli =
    slo.sli.kind === 'latency'
      ? { latency: { histogram: slo.sli.histogram, selector: slo.sli.selector, threshold: slo.sli.thresholdSeconds, quantile: slo.sli.quantile } }
      : { events: { ...(slo.sli.goodQuery ? { good_query: slo.sli.goodQuery } : { bad_query: slo.sli.badQuery }), total_query: slo.sli.totalQuery } };
  return { name: slo.name, service: slo.service, description: slo.description, objective: Math.round(slo.objectiveRatio * 1e6) / 1e4, sli };
}

/** Runs the built CLI and samples its peak resident memory (VmHWM) until it exits; MB. */
function cliPeakRssMb(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(process.cwd(), 'bin', 'slo-ledger.js'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let peakKb = 0;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setInterval(() => {
      try {
        const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (match) peakKb = Math.max(peakKb, Number(match[1]));
      } catch {
        // exited between two samples
      }
    }, 10);
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code === 0) resolve(peakKb / 1024);
      else reject(new Error(`slo-ledger ${args.join(' ')} exited ${code}: ${stderr}`));
    });
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function naiveTick(client: PrometheusClient, list: SloDefinition[], atMs: number): Promise<void> {
  const queue = list.flatMap((slo) => [DAY, 7 * DAY, 30 * DAY].map((w) => ({ slo, w })));
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let job = queue.shift(); job; job = queue.shift()) await fetchSpanCounts(client, job.slo, atMs, job.w);
    }),
  );
}

const fixture = await buildFixture(RENDIFF_SCENARIO, join(process.cwd(), '.tmp', 'fixtures'));
const prometheus = await startPrometheus(fixture.tsdbDir);
const rows: string[] = [];
const rss: string[] = [];
try {
  const client = new PrometheusClient({ url: prometheus.url, timeoutMs: 120_000 });
  for (const count of [10, 100]) {
    const list = slos(count);
    const dir = mkdtempSync(join(tmpdir(), 'slo-ledger-bench-'));
    const ledger = openLedger(join(dir, 'bench.db'));
    try {
      const sync = (atMs: number) => syncLedger({ buckets: ledger.buckets, source: new PrometheusMetricsSource(client), slos: list, clock: systemClock, timeZone: 'UTC', atMs, retentionMs: 400 * DAY });
      const backfill = await timed(() => sync(RENDIFF_EVALUATION_MS));
      const failed = backfill.value.slos.filter((s) => s.error);
      if (failed.length > 0) throw new Error(`backfill failed: ${failed[0]!.error}`);
      const steady: number[] = [];
      for (let i = 1; i <= 7; i++) {
        const step = await timed(() => sync(RENDIFF_EVALUATION_MS + i * BUCKET_MS));
        if (step.value.slos.some((s) => s.fetchedBuckets !== 1)) throw new Error('a steady sync fetched other than one bucket per SLO');
        steady.push(step.ms);
      }
      const naive: number[] = [];
      for (let i = 1; i <= 3; i++) naive.push((await timed(() => naiveTick(client, list, RENDIFF_EVALUATION_MS + i * BUCKET_MS))).ms);
      const steadyMs = median(steady);
      const naiveMs = median(naive);
      rows.push(
        `| ${count} | ${(backfill.ms / 1000).toFixed(2)} s (${backfill.value.slos.reduce((n, s) => n + s.fetchedBuckets, 0).toLocaleString('en')} buckets) | ${steadyMs.toFixed(0)} ms | ${naiveMs.toFixed(0)} ms | ${(naiveMs / steadyMs).toFixed(1)}× |`,
      );
      if (count === 100) {
        const config = join(dir, 'slos.yaml');
        writeFileSync(config, stringify({ slos: list.map(toConfigEntry) }));
        const cli = (at: string) => ['--config', config, '--prometheus', prometheus.url, '--db', join(dir, 'cli.db'), 'sync', '--at', at];
        rss.push(`peak RSS of \`slo-ledger sync\` with 100 SLOs: first backfill ${(await cliPeakRssMb(cli('2026-11-01T00:00:00Z'))).toFixed(0)} MB, steady sync ${(await cliPeakRssMb(cli('2026-11-01T00:05:00Z'))).toFixed(0)} MB`);
      }
      process.stderr.write(`${count} SLOs done\n`);
    } finally {
      await ledger.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
} finally {
  await prometheus.stop();
}
process.stdout.write(
  ['| SLOs | first backfill (35 days) | steady sync (1 bucket each) | naive tick (24h, 7d, 30d increase per SLO) | naive / steady |', '|---|---|---|---|---|', ...rows, '', ...rss, ''].join('\n'),
);
