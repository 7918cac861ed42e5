import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateSlos } from '../../src/app/evaluate-slos.js';
import { systemClock } from '../../src/domain/clock.js';
import { syncLedger, type SyncResult } from '../../src/app/sync-ledger.js';
import { DEFAULT_SLOS } from '../../src/config/defaults.js';
import { BUCKET_MS } from '../../src/domain/duration.js';
import { monthWindowSpec, parseWindowSpec, type WindowSpec } from '../../src/domain/window.js';
import { RENDIFF_EVALUATION_MS, RENDIFF_SCENARIO } from '../../src/fixture/scenarios.js';
import { openLedger } from '../../src/ledger/open-ledger.js';
import type { LedgerStores } from '../../src/ledger/ledger-stores.js';
import { fetchSpanCounts } from '../../src/prometheus/fetch-buckets.js';
import { PrometheusClient } from '../../src/prometheus/prometheus-client.js';
import { PrometheusMetricsSource } from '../../src/prometheus/metrics-source.js';
import { startFixturePrometheus, type FixturePrometheus } from '../helpers/fixture.js';
import { countTolerance, sliTolerance, trueBad, trueCounts, trueTotal, type Tolerance } from '../helpers/truth.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const at = (iso: string) => Date.parse(iso);
/** Summing 5-minute buckets adds each bucket's extrapolation noise; measured, see the README. */
const TOLERANCE: Tolerance = { relative: 1e-4, scrapeIntervalMs: RENDIFF_SCENARIO.scrapeIntervalMs, bucketMs: BUCKET_MS };
const SLOS = DEFAULT_SLOS.map((slo) => structuredClone(slo));
const ROLLING = ['5m', '30m', '1h', '2h', '6h', '1d', '3d', '7d', '30d'].map(parseWindowSpec);

/** Evaluation instants that put a window edge on each hard place of the scenario. */
const INSTANTS: Array<{ name: string; atMs: number; windows: WindowSpec[] }> = [
  { name: 'the evaluation instant (a reset at a bucket edge 6 h before)', atMs: RENDIFF_EVALUATION_MS, windows: ROLLING },
  { name: 'just after the reset at the bucket edge 2026-10-31T18:00', atMs: at('2026-10-31T18:30:00Z'), windows: ROLLING },
  { name: 'right after the outage at a low-traffic hour', atMs: at('2026-10-14T04:00:00Z'), windows: ROLLING.filter((w) => w.name !== '30d') },
  { name: 'the day that holds the 9-hour scrape gap', atMs: at('2026-10-23T00:00:00Z'), windows: ['1d', '3d', '7d'].map(parseWindowSpec) },
  { name: 'after the mid-bucket reset of 2026-10-10T12:02', atMs: at('2026-10-10T13:00:00Z'), windows: ['5m', '1h', '6h', '1d'].map(parseWindowSpec) },
];

describe('the ledger against ground truth (Rendiff scenario: 42 days of diurnal traffic, synced up to 2026-11-01T00:00Z)', () => {
  let fixture: FixturePrometheus;
  let dir: string;
  let ledger: LedgerStores;
  let client: PrometheusClient;
  let sync: SyncResult;

  beforeAll(async () => {
    fixture = await startFixturePrometheus(RENDIFF_SCENARIO);
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-correctness-'));
    ledger = openLedger(join(dir, 'ledger.db'));
    client = new PrometheusClient({ url: fixture.prometheus.url, timeoutMs: 30_000 });
    sync = await syncLedger({
      buckets: ledger.buckets, source: new PrometheusMetricsSource(client), slos: SLOS, clock: systemClock, timeZone: 'UTC', atMs: RENDIFF_EVALUATION_MS, retentionMs: 400 * 24 * HOUR,
    });
  });
  afterAll(async () => {
    await ledger?.close();
    await fixture?.prometheus.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('backfills 35 days on the first sync (October, the previous month, starts later), every SLO without error', () => {
    const firstStart = RENDIFF_EVALUATION_MS - 35 * 24 * HOUR;
    expect(sync.fromMs).toBe(firstStart + BUCKET_MS);
    for (const s of sync.slos) {
      expect(s.error).toBeUndefined();
      expect(s.fetchedBuckets).toBe((RENDIFF_EVALUATION_MS - firstStart) / BUCKET_MS);
      // The 9-hour gap of 2026-10-22 is one run of no-data buckets, closed on both sides.
      expect(s.reconciledGaps).toBe(1);
    }
  });

  for (const { name, atMs, windows } of INSTANTS) {
    for (const slo of SLOS) {
      it(`${slo.name}: every window ending at ${name} matches the true good and total events`, async () => {
        const [status] = await evaluateSlos(ledger.buckets, [slo], windows, atMs, 'UTC');
        for (const w of status!.windows) {
          const truth = trueCounts(slo.name, fixture.fixture.truth, w.startMs, w.endMs);
          const label = `${w.window} ending ${new Date(w.endMs).toISOString()}`;
          const totalTolerance = countTolerance(w.startMs, w.endMs, trueTotal(slo.name, fixture.fixture.truth), TOLERANCE);
          const badTolerance = countTolerance(w.startMs, w.endMs, trueBad(slo.name, fixture.fixture.truth), TOLERANCE);
          expect(Math.abs(w.total - truth.total), `${label}: total ${w.total} vs true ${truth.total}`).toBeLessThanOrEqual(totalTolerance);
          expect(Math.abs(w.total - w.good - (truth.total - truth.good)), `${label}: bad ${w.total - w.good} vs true ${truth.total - truth.good}`).toBeLessThanOrEqual(badTolerance);
          expect(w.coverageRatio, label).toBe(1);
          if (truth.total > 1000) {
            expect(Math.abs(w.sliRatio! - truth.good / truth.total), `${label}: SLI`).toBeLessThanOrEqual(sliTolerance(truth.good, truth.total, badTolerance, totalTolerance));
          }
        }
      });
    }
  }

  it('agrees with what Prometheus itself says over each long window (Σ buckets ≈ increase over W at its end)', async () => {
    for (const slo of SLOS) {
      const [status] = await evaluateSlos(ledger.buckets, [slo], ['1d', '7d', '30d'].map(parseWindowSpec), RENDIFF_EVALUATION_MS, 'UTC');
      for (const w of status!.windows) {
        const prometheus = await fetchSpanCounts(client, slo, w.endMs, w.endMs - w.startMs);
        const tolerance = countTolerance(w.startMs, w.endMs, trueTotal(slo.name, fixture.fixture.truth), TOLERANCE);
        expect(Math.abs(w.total - prometheus.total), `${slo.name} ${w.window}`).toBeLessThanOrEqual(tolerance);
        const badTolerance = countTolerance(w.startMs, w.endMs, trueBad(slo.name, fixture.fixture.truth), TOLERANCE);
        expect(Math.abs(w.total - w.good - (prometheus.total - prometheus.good)), `${slo.name} ${w.window} bad`).toBeLessThanOrEqual(badTolerance);
      }
    }
  });

  it('books the events of the 9-hour scrape gap, which no 5-minute increase sees, to the gap (reconciled)', async () => {
    const day = { startMs: at('2026-10-22T00:00:00Z'), endMs: at('2026-10-23T00:00:00Z') };
    for (const slo of SLOS) {
      const seriesId = (await ledger.buckets.findSeries(slo))!;
      const buckets = await ledger.buckets.readBuckets(seriesId, day.startMs + BUCKET_MS, day.endMs);
      const reconciled = buckets.filter((b) => b.status === 'reconciled');
      // 01:00 to 10:00 holds no sample; the buckets ending 01:05 … 10:00 have none in their range.
      expect(reconciled.length).toBeGreaterThanOrEqual(9 * 12 - 2);
      expect(reconciled.length).toBeLessThanOrEqual(9 * 12 + 1);
      const truth = trueCounts(slo.name, fixture.fixture.truth, day.startMs, day.endMs);
      const tolerance = countTolerance(day.startMs, day.endMs, trueTotal(slo.name, fixture.fixture.truth), TOLERANCE);
      const all = buckets.reduce((n, b) => n + b.total, 0);
      const withoutReconciliation = buckets.filter((b) => b.status === 'ok').reduce((n, b) => n + b.total, 0);
      expect(Math.abs(all - truth.total)).toBeLessThanOrEqual(tolerance);
      // Without reconciliation the day would miss the gap's events: far outside the tolerance.
      expect(truth.total - withoutReconciliation).toBeGreaterThan(10 * tolerance);
    }
  });

  it('books a gap only once the bucket after it has settled and its own empty answers are older than the settle time', async () => {
    const gapDir = mkdtempSync(join(tmpdir(), 'slo-ledger-settle-'));
    const fresh = openLedger(join(gapDir, 'ledger.db'));
    try {
      const slo = SLOS[0]!;
      const sync = (atIso: string, nowIso: string) =>
        syncLedger({ buckets: fresh.buckets, source: new PrometheusMetricsSource(client), slos: [slo], clock: { nowMs: () => at(nowIso) }, timeZone: 'UTC', atMs: at(atIso), retentionMs: 400 * 24 * HOUR });
      // The gap ends at 10:00; the bucket ending 10:05 holds the first samples after it.
      expect((await sync('2026-10-22T10:05:00Z', '2026-10-22T10:06:00Z')).slos[0]!.reconciledGaps).toBe(0);
      // The bucket after the gap has settled, but the gap's own last bucket (ending 10:00) is younger
      // than the settle time for empty answers (15 min): that answer may still change.
      expect((await sync('2026-10-22T10:10:00Z', '2026-10-22T10:10:30Z')).slos[0]!.reconciledGaps).toBe(0);
      expect((await sync('2026-10-22T10:15:00Z', '2026-10-22T10:15:30Z')).slos[0]!.reconciledGaps).toBe(1);
    } finally {
      await fresh.close();
      rmSync(gapDir, { recursive: true, force: true });
    }
  });

  it('reports an hour without traffic as no SLI (null), not 100 % and not NaN', async () => {
    const statuses = await evaluateSlos(ledger.buckets, SLOS, [parseWindowSpec('1h')], at('2026-10-26T05:00:00Z'), 'UTC');
    for (const { windows } of statuses) {
      expect(windows[0]!.total).toBe(0);
      expect(windows[0]!.sliRatio).toBeNull();
      expect(windows[0]!.reason).toBe('no-traffic');
      expect(windows[0]!.burnRate).toBeNull();
      expect(windows[0]!.errorBudget.remainingRatio).toBeNull();
    }
  });

  it('sums calendar months in the configured time zone (October 2026 in UTC and in Berlin, 745 hours)', async () => {
    for (const timeZone of ['UTC', 'Europe/Berlin']) {
      const statuses = await evaluateSlos(ledger.buckets, SLOS, [monthWindowSpec({ year: 2026, month: 10 })], RENDIFF_EVALUATION_MS + HOUR, timeZone);
      for (const { slo, windows } of statuses) {
        const w = windows[0]!;
        const expectedStart = timeZone === 'UTC' ? at('2026-10-01T00:00:00Z') : at('2026-09-30T22:00:00Z');
        expect(w.startMs).toBe(expectedStart);
        if (timeZone === 'Europe/Berlin') expect(w.endMs - w.startMs).toBe(745 * HOUR);
        const truth = trueCounts(slo.name, fixture.fixture.truth, w.startMs, w.endMs);
        expect(Math.abs(w.total - truth.total), `${slo.name} ${timeZone}`).toBeLessThanOrEqual(
          countTolerance(w.startMs, w.endMs, trueTotal(slo.name, fixture.fixture.truth), TOLERANCE),
        );
        expect(Math.abs(w.total - w.good - (truth.total - truth.good)), `${slo.name} ${timeZone} bad`).toBeLessThanOrEqual(
          countTolerance(w.startMs, w.endMs, trueBad(slo.name, fixture.fixture.truth), TOLERANCE),
        );
      }
    }
  });

  it('gives September 2026 the coverage of the days Prometheus has (data starts 2026-09-20) once it is synced', async () => {
    const september = monthWindowSpec({ year: 2026, month: 9 });
    const before = await evaluateSlos(ledger.buckets, SLOS, [september], RENDIFF_EVALUATION_MS, 'UTC');
    // The first sync reached back to 09-27 only: 4 of 30 days.
    for (const { windows } of before) expect(windows[0]!.coverageRatio).toBeCloseTo(4 / 30, 3);
    await syncLedger({
      buckets: ledger.buckets, source: new PrometheusMetricsSource(client), slos: SLOS, clock: systemClock, timeZone: 'UTC', atMs: RENDIFF_EVALUATION_MS,
      fromMs: at('2026-09-01T00:00:00Z'), retentionMs: 400 * 24 * HOUR,
    });
    const statuses = await evaluateSlos(ledger.buckets, SLOS, [monthWindowSpec({ year: 2026, month: 9 })], RENDIFF_EVALUATION_MS, 'UTC');
    for (const { windows } of statuses) {
      // The bucket ending 09-20 00:05 holds the first samples; 11 of 30 days have data.
      expect(windows[0]!.coverageRatio).toBeCloseTo(11 / 30, 3);
    }
  });

  it('an average of per-bucket ratios would fail the same check that the ratio of sums passes', async () => {
    const slo = SLOS.find((s) => s.name === 'api-availability')!;
    const seriesId = (await ledger.buckets.findSeries(slo))!;
    const start = RENDIFF_EVALUATION_MS - 30 * 24 * HOUR;
    const buckets = (await ledger.buckets.readBuckets(seriesId, start + BUCKET_MS, RENDIFF_EVALUATION_MS)).filter((b) => b.total > 0);
    const averageOfRatios = buckets.reduce((acc, b) => acc + b.good / b.total, 0) / buckets.length;
    const [status] = await evaluateSlos(ledger.buckets, [slo], [parseWindowSpec('30d')], RENDIFF_EVALUATION_MS, 'UTC');
    const truth = trueCounts(slo.name, fixture.fixture.truth, start, RENDIFF_EVALUATION_MS);
    const tolerance = sliTolerance(
      truth.good,
      truth.total,
      countTolerance(start, RENDIFF_EVALUATION_MS, trueBad(slo.name, fixture.fixture.truth), TOLERANCE),
      countTolerance(start, RENDIFF_EVALUATION_MS, trueTotal(slo.name, fixture.fixture.truth), TOLERANCE),
    );
    const trueSli = truth.good / truth.total;
    expect(Math.abs(status!.windows[0]!.sliRatio! - trueSli)).toBeLessThanOrEqual(tolerance);
    // Night buckets weigh as much as day buckets: the night outage counts several times over.
    expect(Math.abs(averageOfRatios - trueSli)).toBeGreaterThan(3 * tolerance);
  });

  it('a second sync of the same instant fetches nothing and changes no figure', async () => {
    const before = await evaluateSlos(ledger.buckets, SLOS, ROLLING, RENDIFF_EVALUATION_MS, 'UTC');
    const again = await syncLedger({
      buckets: ledger.buckets, source: new PrometheusMetricsSource(client), slos: SLOS, clock: systemClock, timeZone: 'UTC', atMs: RENDIFF_EVALUATION_MS, retentionMs: 400 * 24 * HOUR,
    });
    expect(again.slos.map((s) => s.fetchedBuckets)).toEqual([0, 0, 0]);
    expect(await evaluateSlos(ledger.buckets, SLOS, ROLLING, RENDIFF_EVALUATION_MS, 'UTC')).toEqual(before);
  });
});
