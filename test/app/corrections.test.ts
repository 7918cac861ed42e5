import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { correctedBuckets } from '../../src/app/corrected-buckets.js';
import { evaluateSlos } from '../../src/app/evaluate-slos.js';
import { syncLedger } from '../../src/app/sync-ledger.js';
import { DEFAULT_SLOS } from '../../src/config/defaults.js';
import { loadConfig } from '../../src/config/load-config.js';
import { systemClock } from '../../src/domain/clock.js';
import type { Correction } from '../../src/domain/correction.js';
import { BUCKET_MS } from '../../src/domain/duration.js';
import { selectTier } from '../../src/domain/tier.js';
import type { SloDefinition } from '../../src/domain/slo.js';
import { monthWindowSpec, parseWindowSpec } from '../../src/domain/window.js';
import { RENDIFF_EVALUATION_MS, RENDIFF_SCENARIO } from '../../src/fixture/scenarios.js';
import type { RunningPrometheus } from '../../src/fixture/prometheus-server.js';
import type { LedgerStores } from '../../src/ledger/ledger-stores.js';
import { openLedger } from '../../src/ledger/open-ledger.js';
import { PrometheusMetricsSource } from '../../src/prometheus/metrics-source.js';
import { PrometheusClient } from '../../src/prometheus/prometheus-client.js';
import { runCli } from '../helpers/cli.js';
import { startFixturePrometheus, type FixturePrometheus } from '../helpers/fixture.js';
import { groupedTruth, startGroupedPrometheus, TENANT_SCENARIO, type GroupedTruth } from '../helpers/grouped-traffic.js';
import { countTolerance, trueCounts, trueTotal, type Tolerance } from '../helpers/truth.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const at = (iso: string) => Date.parse(iso);

/** The config's weekly maintenance window: Sundays 02:00–04:00 local time, every SLO of the Rendiff service. */
const WEEKLY_WINDOW_YAML = [
  '  - service: rendiff-api',
  '    every: FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0',
  '    duration: 2h',
  '    category: planned-maintenance',
  '    reason: weekly window',
];

describe('corrections against ground truth', () => {
  let rendiff: FixturePrometheus;
  let grouped: RunningPrometheus;
  let groupedTruthData: GroupedTruth;
  let dir: string;
  let ledger: LedgerStores;
  let groupedLedger: LedgerStores;

  const GROUPED_SCENARIO = TENANT_SCENARIO;
  const TENANTS: SloDefinition = {
    name: 'tenant-availability', service: 'api', description: '', objectiveRatio: 0.999, windowMs: 30 * DAY,
    tiers: { criticalRatio: 0.99, warningRatio: 0.995 }, groupBy: ['tenant'], maxGroups: 1000,
    sli: { kind: 'events', badQuery: 'sum by (tenant) (increase(api_requests_total{code="500"}[{{.window}}]))', totalQuery: 'sum by (tenant) (increase(api_requests_total[{{.window}}]))' },
  };
  const AVAILABILITY = structuredClone(DEFAULT_SLOS[0]!);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-corrections-'));
    rendiff = await startFixturePrometheus(RENDIFF_SCENARIO);
    ({ prometheus: grouped, truth: groupedTruthData } = await startGroupedPrometheus(GROUPED_SCENARIO));
    ledger = openLedger(join(dir, 'rendiff.db'));
    groupedLedger = openLedger(join(dir, 'grouped.db'));
    const sync = (l: LedgerStores, url: string, slos: SloDefinition[], atMs: number) =>
      syncLedger({ buckets: l.buckets, source: new PrometheusMetricsSource(new PrometheusClient({ url, timeoutMs: 30_000 })), slos, clock: systemClock, timeZone: 'UTC', atMs, retentionMs: 400 * DAY });
    await sync(ledger, rendiff.prometheus.url, [AVAILABILITY], RENDIFF_EVALUATION_MS);
    await sync(groupedLedger, grouped.url, [TENANTS], GROUPED_SCENARIO.endMs);
  }, 300_000);

  afterAll(async () => {
    await ledger?.close();
    await groupedLedger?.close();
    await rendiff?.prometheus.stop();
    await grouped?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('turns a critical period into ok when a maintenance window covers the outage, with the truth of the minutes outside it', async () => {
    const window = { kind: 'range' as const, name: '3d', startMs: GROUPED_SCENARIO.startMs, endMs: GROUPED_SCENARIO.endMs };
    const maintenance: Correction = {
      id: 'm1', scope: { slo: TENANTS.name, group: { tenant: 't20' } }, category: 'planned-maintenance', reason: 'announced migration',
      timing: { kind: 'once', fromMs: at('2026-10-31T06:00:00Z'), toMs: at('2026-10-31T09:00:00Z') },
    };
    const tenant = async (reader: ReturnType<typeof correctedBuckets>) =>
      (await evaluateSlos(reader, [TENANTS], [window], window.endMs, 'UTC', { groups: { tenant: 't20' } }))[0]!;
    const raw = await tenant(groupedLedger.buckets);
    const corrected = await tenant(correctedBuckets(groupedLedger.buckets, [maintenance], 'UTC'));
    expect(raw.groups![0]!.windows[0]!.tier).toBe('critical');
    const w = corrected.groups![0]!.windows[0]!;
    expect(w.tier).toBe('ok');
    // The truth without the three hours.
    const outside = (tenantName: string | undefined) => {
      const all = groupedTruth(groupedTruthData, window.startMs, window.endMs, tenantName);
      const cut = groupedTruth(groupedTruthData, maintenance.timing.kind === 'once' ? maintenance.timing.fromMs : 0, at('2026-10-31T09:00:00Z'), tenantName);
      return { total: all.total - cut.total, bad: all.bad - cut.bad };
    };
    const truth = outside('t20');
    const tolerance = { relative: 5e-4, scrapeIntervalMs: 30_000, bucketMs: BUCKET_MS };
    const totalOf = (f: number, t: number) => groupedTruth(groupedTruthData, f, t, 't20').total;
    const badOf = (f: number, t: number) => groupedTruth(groupedTruthData, f, t, 't20').bad;
    // Four edges now: the period's and the window's.
    const totalTolerance = countTolerance(window.startMs, window.endMs, totalOf, tolerance) + countTolerance(at('2026-10-31T06:00:00Z'), at('2026-10-31T09:00:00Z'), totalOf, tolerance);
    const badTolerance = countTolerance(window.startMs, window.endMs, badOf, tolerance) + countTolerance(at('2026-10-31T06:00:00Z'), at('2026-10-31T09:00:00Z'), badOf, tolerance);
    expect(Math.abs(w.total - truth.total)).toBeLessThanOrEqual(totalTolerance);
    expect(Math.abs(w.total - w.good - truth.bad)).toBeLessThanOrEqual(badTolerance);
    expect(w.excludedRatio).toBeCloseTo(3 / 72, 6);
    expect(w.coverageRatio).toBe(1);
    expect(w.raw).toMatchObject({ good: raw.groups![0]!.windows[0]!.good, total: raw.groups![0]!.windows[0]!.total });
    // The SLO as a whole loses exactly the group's excluded events, not the other tenants'.
    const sloRaw = raw.windows[0]!;
    const sloCorrected = corrected.windows[0]!;
    expect(sloRaw.total - sloCorrected.total).toBeCloseTo(raw.groups![0]!.windows[0]!.total - w.total, 6);
    expect(sloCorrected.coverageRatio).toBe(1);
    // The SLO's buckets (what a report's days and incidents read) add up to its corrected sums.
    const reader = correctedBuckets(groupedLedger.buckets, [maintenance], 'UTC');
    const own = (await reader.findSeries(TENANTS))!;
    const columns = await reader.readBucketColumns(own, window.startMs + BUCKET_MS, window.endMs);
    expect(columns.total.reduce((n, t) => n + t, 0)).toBeCloseTo(sloCorrected.total, 6);
    expect(columns.good.reduce((n, g) => n + g, 0)).toBeCloseTo((await reader.sumWindow(own, window.startMs, window.endMs, false)).good, 6);
    expect((await reader.readBuckets(own, window.startMs + BUCKET_MS, window.endMs)).reduce((n, b) => n + b.total, 0)).toBeCloseTo(sloCorrected.total, 6);
  });

  it('excludes exactly the local hours of a weekly Sunday 02:00–04:00 window in Europe/Berlin across the October DST change', async () => {
    const weekly: Correction = {
      id: 'w1', scope: { service: 'rendiff-api' }, category: 'planned-maintenance', reason: 'weekly window',
      timing: { kind: 'recurring', rule: 'RRULE:FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0', durationMs: 2 * HOUR },
    };
    const month = [monthWindowSpec({ year: 2026, month: 10 })];
    const raw = (await evaluateSlos(ledger.buckets, [AVAILABILITY], month, RENDIFF_EVALUATION_MS + HOUR, 'Europe/Berlin'))[0]!.windows[0]!;
    const corrected = (await evaluateSlos(correctedBuckets(ledger.buckets, [weekly], 'Europe/Berlin'), [AVAILABILITY], month, RENDIFF_EVALUATION_MS + HOUR, 'Europe/Berlin'))[0]!.windows[0]!;
    // The Sundays of October 2026 in Berlin, as UTC: 02:00–04:00 CEST, and on the 25th 02:00 CEST–04:00 CET.
    const excluded = [
      ['2026-10-04T00:00:00Z', '2026-10-04T02:00:00Z'], ['2026-10-11T00:00:00Z', '2026-10-11T02:00:00Z'],
      ['2026-10-18T00:00:00Z', '2026-10-18T02:00:00Z'], ['2026-10-25T00:00:00Z', '2026-10-25T03:00:00Z'],
    ].map(([from, to]) => [at(from!), at(to!)] as const);
    expect(corrected.excludedRatio).toBeCloseTo((9 * 12) / ((31 * 24 + 1) * 12), 9);
    // The ledger's own sums over those hours are exactly what left the month.
    const seriesId = (await ledger.buckets.findSeries(AVAILABILITY))!;
    const cut = await Promise.all(excluded.map(([from, to]) => ledger.buckets.sumWindow(seriesId, from, to, false)));
    expect(raw.total - corrected.total).toBeCloseTo(cut.reduce((n, s) => n + s.total, 0), 6);
    expect(raw.good - corrected.good).toBeCloseTo(cut.reduce((n, s) => n + s.good, 0), 6);
    // And against the truth: the month less those nine hours.
    const truth = RENDIFF_SCENARIO;
    const all = trueCounts(AVAILABILITY.name, rendiff.fixture.truth, corrected.startMs, corrected.endMs);
    const hours = excluded.map(([from, to]) => trueCounts(AVAILABILITY.name, rendiff.fixture.truth, from, to));
    const expectedTotal = all.total - hours.reduce((n, h) => n + h.total, 0);
    const tolerance: Tolerance = { relative: 1e-4, scrapeIntervalMs: truth.scrapeIntervalMs, bucketMs: BUCKET_MS };
    const totalOf = trueTotal(AVAILABILITY.name, rendiff.fixture.truth);
    const slack = countTolerance(corrected.startMs, corrected.endMs, totalOf, tolerance) + excluded.reduce((n, [from, to]) => n + countTolerance(from, to, totalOf, tolerance), 0);
    expect(Math.abs(corrected.total - expectedTotal)).toBeLessThanOrEqual(slack);
    expect(corrected.coverageRatio).toBe(raw.coverageRatio);
  });

  it('reads corrections from the config, shows them in config print, and refuses one for an SLO that does not exist at its line', async () => {
    const file = join(dir, 'corrections.yaml');
    writeFileSync(file, [
      'timezone: Europe/Berlin',
      'corrections:',
      ...WEEKLY_WINDOW_YAML,
      '  - slo: api-availability',
      '    from: 2026-10-14T05:00',
      '    to: 2026-10-14T06:00',
      '    category: deployment',
      '    reason: bad deploy caught by the synthetic check',
      '',
    ].join('\n'));
    const config = loadConfig({ file, env: {} });
    expect(config.corrections.map((c) => c.timing)).toEqual([
      { kind: 'recurring', rule: 'RRULE:FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0', durationMs: 2 * HOUR },
      // Without an offset: local time in the configured zone (CEST on 14 October).
      { kind: 'once', fromMs: at('2026-10-14T03:00:00Z'), toMs: at('2026-10-14T04:00:00Z') },
    ]);
    const printed = await runCli(['--config', file, 'config', 'print']);
    expect(printed.stdout).toContain('from: 2026-10-14T03:00:00.000Z');
    expect(printed.stdout).toContain('every: FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0');
    const reloaded = join(dir, 'printed.yaml');
    writeFileSync(reloaded, printed.stdout);
    expect(loadConfig({ file: reloaded, env: {} }).corrections).toEqual(config.corrections);
    const bad = join(dir, 'bad-corrections.yaml');
    writeFileSync(bad, ['corrections:', '  - slo: api-avialability', '    from: 2026-10-14T05:00:00Z', '    to: 2026-10-14T06:00:00Z', '    category: deployment', '    reason: typo', ''].join('\n'));
    const check = await runCli(['config', 'check', bad]);
    expect(check.code).toBe(2);
    expect(check.stderr).toContain(`${bad}:2:10: corrections[0].slo: no SLO is named "api-avialability"`);
  });

  it('shows corrected and raw figures and a Corrections section in the month\'s report, each against the truth', async () => {
    const db = join(dir, 'report.db');
    // The synced ledger, with its write-ahead log (no process writes to it meanwhile).
    copyFileSync(join(dir, 'rendiff.db'), db);
    if (existsSync(join(dir, 'rendiff.db-wal'))) copyFileSync(join(dir, 'rendiff.db-wal'), `${db}-wal`);
    const file = join(dir, 'report-corrections.yaml');
    writeFileSync(file, [
      'timezone: Europe/Berlin',
      `database: ${db}`,
      'corrections:',
      ...WEEKLY_WINDOW_YAML,
      '',
    ].join('\n'));
    // The error burst of 14 October (03:10–03:55 UTC), taken out at run time by a named author; 03:07 is widened to the bucket start 03:05.
    const added = await runCli(['--config', file, 'corrections', 'add', '--slo', 'api-availability', '--from', '2026-10-14T03:07:00Z', '--to', '2026-10-14T04:00:00Z',
      '--category', 'deployment', '--reason', 'bad deploy caught by the synthetic check', '--author', 'alice', '--format', 'json']);
    expect(added.stderr).toBe('');
    const id = (JSON.parse(added.stdout) as { id: string }).id;
    const run = await runCli(['--config', file, 'report', '--month', '2026-10', '--offline', '--format', 'json', '--out', join(dir, 'report-out')]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'report-out', 'report.json'), 'utf8')) as ReportJson;
    const slo = report.slos.find((s) => s.name === 'api-availability')!;

    const sundays = [
      ['2026-10-04T00:00:00.000Z', '2026-10-04T02:00:00.000Z'], ['2026-10-11T00:00:00.000Z', '2026-10-11T02:00:00.000Z'],
      ['2026-10-18T00:00:00.000Z', '2026-10-18T02:00:00.000Z'], ['2026-10-25T00:00:00.000Z', '2026-10-25T03:00:00.000Z'],
    ];
    const burst = ['2026-10-14T03:05:00.000Z', '2026-10-14T04:00:00.000Z'];
    const spans = (pairs: string[][]) => pairs.map(([start, end]) => ({ start, end, duration_ms: at(end!) - at(start!) }));
    expect(slo.excluded_periods).toEqual(spans([sundays[0]!, sundays[1]!, burst, sundays[2]!, sundays[3]!]));
    expect(slo.coverage_ratio).toBe(1);

    // Ground truth: the Berlin month, and the month less the excluded hours.
    const monthStart = at('2026-09-30T22:00:00Z');
    const monthEnd = at('2026-10-31T23:00:00Z');
    const truthOf = (from: number, to: number) => trueCounts(AVAILABILITY.name, rendiff.fixture.truth, from, to);
    const excluded = [...sundays, burst].map(([from, to]) => truthOf(at(from!), at(to!)));
    const all = truthOf(monthStart, monthEnd);
    const corrected = { good: all.good - excluded.reduce((n, e) => n + e.good, 0), total: all.total - excluded.reduce((n, e) => n + e.total, 0) };
    const tolerance: Tolerance = { relative: 1e-4, scrapeIntervalMs: RENDIFF_SCENARIO.scrapeIntervalMs, bucketMs: BUCKET_MS };
    const totalOf = trueTotal(AVAILABILITY.name, rendiff.fixture.truth);
    const edges = (pairs: string[][]) => pairs.reduce((n, [from, to]) => n + countTolerance(at(from!), at(to!), totalOf, tolerance), 0);
    const slack = countTolerance(monthStart, monthEnd, totalOf, tolerance) + edges([...sundays, burst]);
    expect(Math.abs(slo.total - corrected.total)).toBeLessThanOrEqual(slack);
    expect(Math.abs(slo.total - slo.good - (corrected.total - corrected.good))).toBeLessThanOrEqual(slack);
    expect(Math.abs(slo.raw!.total - all.total)).toBeLessThanOrEqual(countTolerance(monthStart, monthEnd, totalOf, tolerance));
    expect(Math.abs(slo.raw!.total - slo.raw!.good - (all.total - all.good))).toBeLessThanOrEqual(countTolerance(monthStart, monthEnd, totalOf, tolerance));
    // The tiers follow from the truth: with both corrections, as fetched, and with the weekly window alone.
    const tier = (c: { good: number; total: number }) => selectTier(c.good / c.total, AVAILABILITY.objectiveRatio, AVAILABILITY.tiers);
    const burstTruth = excluded[excluded.length - 1]!;
    const weeklyOnly = { good: corrected.good + burstTruth.good, total: corrected.total + burstTruth.total };
    expect(slo.tier).toBe(tier(corrected));
    expect(slo.raw!.tier).toBe(tier(all));

    const [weekly, deploy] = report.corrections!;
    expect(weekly).toMatchObject({ id: 'config:0', source: 'config', category: 'planned-maintenance', author: null, added_at: null, excluded_ms: 9 * HOUR, periods: spans(sundays) });
    expect(deploy).toMatchObject({ id, source: 'ledger', category: 'deployment', reason: 'bad deploy caught by the synthetic check', author: 'alice', excluded_ms: 55 * MINUTE, periods: spans([burst]) });
    const effect = deploy!.effects.find((e) => e.slo === 'api-availability')!;
    const burstSlack = countTolerance(at(burst[0]!), at(burst[1]!), totalOf, tolerance);
    expect(Math.abs(effect.bad - (burstTruth.total - burstTruth.good))).toBeLessThanOrEqual(burstSlack);
    expect(Math.abs(effect.good - burstTruth.good)).toBeLessThanOrEqual(burstSlack);
    expect(effect.tier).toBe(tier(corrected));
    expect(effect.tier_without).toBe(tier(weeklyOnly));
    expect(effect.changed_tier).toBe(tier(corrected) !== tier(weeklyOnly));
    // The weekly window covers every SLO of the service; the other two have no data in this ledger.
    expect(weekly!.effects.map((e) => e.slo)).toContain('api-availability');

    const html = await runCli(['--config', file, 'report', '--month', '2026-10', '--offline', '--format', 'html', '--out', join(dir, 'report-out')]);
    expect(html.code).toBe(0);
    const page = readFileSync(join(dir, 'report-out', 'report.html'), 'utf8');
    expect(page).toContain('<h2>Corrections</h2>');
    expect(page).toContain('bad deploy caught by the synthetic check');
    expect(page).toContain(`raw ${(100 * slo.raw!.sli_ratio!).toFixed(3)}% ${slo.raw!.tier}`);
  }, 120_000);
});

interface ReportJson {
  slos: Array<{
    name: string; good: number; total: number; tier: string; coverage_ratio: number;
    excluded_periods?: Array<{ start: string; end: string; duration_ms: number }>;
    raw?: { good: number; total: number; sli_ratio: number | null; tier: string };
  }>;
  corrections?: Array<{
    id: string; source: string; category: string; reason: string; author: string | null; added_at: string | null; excluded_ms: number;
    periods: Array<{ start: string; end: string; duration_ms: number }>;
    effects: Array<{ slo: string; good: number; bad: number; tier: string; tier_without: string; changed_tier: boolean }>;
  }>;
}
