/**
 * Monthly report benchmark (run by hand: `npx tsx bench/report-bench.ts`): for 10 and 100 SLOs,
 * time and peak memory to read a month from a SQLite ledger, build the report model and render
 * it as PDF, HTML and JSON. Target: under 3 s and 300 MB for 100 SLOs. Each size runs
 * in its own process, so peak RSS is that size's alone.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OpenAdapters } from '../src/runtime/open-adapters.js';
import { generatePeriodReport } from '../src/app/period-report.js';
import { resolvePeriod } from '../src/domain/period.js';
import { loadConfig } from '../src/config/load-config.js';
import type { SloDefinition } from '../src/domain/slo.js';
import type { LedgerBucket } from '../src/domain/bucket.js';
import type { LedgerStores } from '../src/ledger/ledger-stores.js';
import { openLedger } from '../src/ledger/open-ledger.js';

const SIZES = [10, 100];
const BUCKET_MS = 5 * 60_000;
const START = Date.parse('2026-10-01T00:00:00Z') - 3 * 31 * 24 * 3_600_000;
const END = Date.parse('2026-11-01T00:00:00Z');
const BOUNDS = [0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 5, 10, Infinity];

export function sloDefinitions(count: number): SloDefinition[] {
  return Array.from({ length: count }, (_, i): SloDefinition => ({
    name: `service-${String(i + 1).padStart(3, '0')}-${i % 5 === 4 ? 'latency' : 'availability'}`,
    service: `service-${String(i + 1).padStart(3, '0')}`,
    description: `Synthetic SLO ${i + 1} of ${count}`,
    objectiveRatio: i % 5 === 4 ? 0.95 : 0.999,
    windowMs: 30 * 24 * 3_600_000,
    sli:
      i % 5 === 4
        ? { kind: 'latency', histogram: `h${i}`, selector: '', thresholdSeconds: 2, quantile: 0.95 }
        : { kind: 'events', badQuery: `bad${i}`, totalQuery: `total${i}` },
  }));
}

/** Four months of buckets per SLO (the month, the hour before and two comparison months), with a burst per week. */
export async function fillLedger(ledger: LedgerStores, slos: SloDefinition[]): Promise<void> {
  for (const [index, slo] of slos.entries()) {
    const seriesId = await ledger.buckets.ensureSeries(slo, END);
    const buckets: LedgerBucket[] = [];
    for (let t = START + BUCKET_MS, k = 0; t <= END; t += BUCKET_MS, k++) {
      const total = 1000 + 800 * Math.sin((k / 288) * 2 * Math.PI + index);
      const burst = k % 2016 >= 100 + index && k % 2016 < 110 + index;
      const badRatio = slo.sli.kind === 'latency' ? (burst ? 0.5 : 0.02) : burst ? 0.2 : 0.0004;
      const good = total * (1 - badRatio);
      const bucket: LedgerBucket = { endMs: t, status: 'ok', good, total };
      if (slo.sli.kind === 'latency') bucket.histogram = BOUNDS.map((le, b) => ({ le, count: le <= 2 ? (good * (b + 1)) / 6 : total - ((total - good) * (BOUNDS.length - 1 - b)) / 4 }));
      buckets.push(bucket);
    }
    await ledger.buckets.writeBuckets(seriesId, buckets, END);
  }
}

/** The child: reports the month from a filled ledger; peak RSS is this process's alone. */
async function measure(count: number, databasePath: string): Promise<void> {
  const config = loadConfig({ env: {} });
  config.databasePath = databasePath;
  config.slos = sloDefinitions(count);
  const ledger = openLedger(config.databasePath);
  const unused = (): never => {
    throw new Error('the benchmark reports offline');
  };
  const services: OpenAdapters = { config, ledger, figures: ledger.buckets, source: { fetchBuckets: unused, fetchSpan: unused }, clock: { nowMs: () => END }, close: () => ledger.close() };
  const rssBefore = process.memoryUsage().rss;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const result = await generatePeriodReport(services, {
    period: resolvePeriod({ kind: 'month', month: { year: 2026, month: 10 } }, services.clock.nowMs(), services.config.timeZone),
    generatedAtMs: END,
    offline: true,
    formats: ['pdf', 'html', 'json'],
    outDir: join(databasePath, '..', 'out'),
  });
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  await services.close();
  const pdfPages = (readFileSync(result.paths[0]!).toString('latin1').match(/\/Type \/Page\b/g) ?? []).length;
  process.send?.({ count, elapsedMs, cpuMs: (cpu.user + cpu.system) / 1000, peakMb: process.resourceUsage().maxRSS / 1024, rssBeforeMb: rssBefore / 1024 / 1024, incidents: result.report.incidents.length, pdfPages });
}

interface Measurement {
  count: number;
  elapsedMs: number;
  cpuMs: number;
  peakMb: number;
  rssBeforeMb: number;
  incidents: number;
  pdfPages: number;
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (!isMain) {
  // imported (e.g. by a profiling script): nothing to run
} else if (process.argv[2] !== undefined) {
  await measure(Number(process.argv[2]), process.argv[3] ?? '');
} else {
  console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${availableParallelism()} cores`);
  console.log('| SLOs | wall time: read + build + render PDF, HTML, JSON | CPU time | peak RSS of the process | RSS before the report | incidents | PDF pages |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const count of SIZES) {
    const dir = mkdtempSync(join(tmpdir(), 'slo-ledger-report-bench-'));
    try {
      const databasePath = join(dir, 'ledger.db');
      const ledger = openLedger(databasePath);
      await fillLedger(ledger, sloDefinitions(count));
      await ledger.close();
      const child = fork(fileURLToPath(import.meta.url), [String(count), databasePath]);
      const m = await new Promise<Measurement>((resolve, reject) => {
        child.once('message', (message) => resolve(message as Measurement));
        child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`benchmark for ${count} SLOs exited with ${code}`))));
      });
      await new Promise((resolve) => child.once('exit', resolve));
      console.log(`| ${m.count} | ${(m.elapsedMs / 1000).toFixed(2)} s | ${(m.cpuMs / 1000).toFixed(2)} s | ${m.peakMb.toFixed(0)} MB | ${m.rssBeforeMb.toFixed(0)} MB | ${m.incidents} | ${m.pdfPages} |`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
