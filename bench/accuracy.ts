/**
 * How close the ledger's figures are to the truth the fixture generator recorded, over many
 * windows of the 42-day Rendiff scenario (diurnal traffic, resets, a 9-hour scrape gap, an idle
 * hour). Run by hand: `npx tsx bench/accuracy.ts`. Prints a Markdown table for the README.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateSlos } from '../src/app/evaluate-slos.js';
import { systemClock } from '../src/domain/clock.js';
import { syncLedger } from '../src/app/sync-ledger.js';
import { DEFAULT_SLOS } from '../src/config/defaults.js';
import { parseWindowSpec } from '../src/domain/window.js';
import { buildFixture, startPrometheus } from '../src/fixture/prometheus-server.js';
import { RENDIFF_EVALUATION_MS, RENDIFF_SCENARIO } from '../src/fixture/scenarios.js';
import { sumTruth } from '../src/fixture/traffic.js';
import { openLedger } from '../src/ledger/open-ledger.js';
import type { LedgerStores } from '../src/ledger/ledger-stores.js';
import { PrometheusClient } from '../src/prometheus/prometheus-client.js';
import { PrometheusMetricsSource } from '../src/prometheus/metrics-source.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function truthOf(slo: string, fromMs: number, toMs: number, truth: Parameters<typeof sumTruth>[0]): { good: number; total: number } {
  const s = sumTruth(truth, fromMs, toMs);
  if (slo === 'api-availability') return { good: s.requests - s.errors, total: s.requests };
  if (slo === 'api-latency') return { good: s.fastRequests, total: s.requests };
  return { good: s.jobsCompleted, total: s.jobsCompleted + s.jobsFailed };
}

const fixture = await buildFixture(RENDIFF_SCENARIO, join(process.cwd(), '.tmp', 'fixtures'));
const prometheus = await startPrometheus(fixture.tsdbDir);
const dir = mkdtempSync(join(tmpdir(), 'slo-ledger-accuracy-'));
const ledger = openLedger(join(dir, 'a.db'));
const rows: string[] = [];
const GAPS = RENDIFF_SCENARIO.events.filter((e) => e.kind === 'scrape-gap') as Array<{ startMs: number; endMs: number }>;
let gapCut = 0;
try {
  const client = new PrometheusClient({ url: prometheus.url, timeoutMs: 60_000 });
  const slos = DEFAULT_SLOS.map((s) => structuredClone(s));
  await syncLedger({ buckets: ledger.buckets, source: new PrometheusMetricsSource(client), slos, clock: systemClock, timeZone: 'UTC', atMs: RENDIFF_EVALUATION_MS, retentionMs: 400 * DAY });
  const firstMs = RENDIFF_EVALUATION_MS - 35 * DAY;
  for (const window of ['1h', '6h', '1d', '7d', '30d']) {
    const spec = parseWindowSpec(window);
    if (spec.kind !== 'rolling') continue;
    for (const slo of slos) {
      let maxTotal = 0;
      let maxBad = 0;
      let maxSli = 0;
      let n = 0;
      // Every window end on a 55-minute grid (it walks across day and night) whose window has data.
      for (let end = firstMs + spec.durationMs; end <= RENDIFF_EVALUATION_MS; end += 11 * 300_000) {
        const [status] = await evaluateSlos(ledger.buckets, [slo], [spec], end, 'UTC');
        const w = status!.windows[0]!;
        const truth = truthOf(slo.name, w.startMs, w.endMs, fixture.truth);
        if (truth.total < 100 || w.coverageRatio < 1) continue;
        // A window that cuts through the scrape gap gets the gap's events pro rata (when in the gap
        // they happened is unknowable); reported in its own row.
        const cutsGap = GAPS.some((g) => w.startMs < g.endMs && w.endMs > g.startMs && !(w.startMs <= g.startMs && w.endMs >= g.endMs + HOUR));
        if (cutsGap) {
          gapCut = Math.max(gapCut, Math.abs(w.total - truth.total) / truth.total);
          continue;
        }
        n++;
        maxTotal = Math.max(maxTotal, Math.abs(w.total - truth.total) / truth.total);
        const trueBad = truth.total - truth.good;
        maxBad = Math.max(maxBad, Math.abs(w.total - w.good - trueBad) / Math.max(trueBad, 1));
        maxSli = Math.max(maxSli, Math.abs(w.sliRatio! - truth.good / truth.total));
      }
      rows.push(`| ${slo.name} | ${window} | ${n} | ${(maxTotal * 100).toFixed(3)} % | ${(maxBad * 100).toFixed(2)} % | ${maxSli.toExponential(1)} |`);
    }
  }
} finally {
  await ledger.close();
  rmSync(dir, { recursive: true, force: true });
  await prometheus.stop();
}
process.stdout.write(`windows that cut through the 9-hour scrape gap (its events booked evenly across it): max error of total ${(gapCut * 100).toFixed(1)} %\n\n`);
process.stdout.write(['| SLO | window | windows checked | max error of total | max error of bad events | max error of SLI (absolute) |', '|---|---|---|---|---|---|', ...rows, ''].join('\n'));
