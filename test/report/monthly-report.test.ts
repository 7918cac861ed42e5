import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdapters, type OpenAdapters } from '../../src/runtime/open-adapters.js';
import { generatePeriodReport, type PeriodReportResult } from '../../src/app/period-report.js';
import { resolvePeriod } from '../../src/domain/period.js';
import { loadConfig } from '../../src/config/load-config.js';
import { RENDIFF_SCENARIO } from '../../src/fixture/scenarios.js';
import { sumTruth, type TrafficTruth } from '../../src/fixture/traffic.js';
import type { PeriodReport, SloReport } from '../../src/report/period-report.js';
import { REPO_ROOT, startFixturePrometheus, type FixturePrometheus } from '../helpers/fixture.js';
import { htmlNestingProblems, inkRatio, readPgm, readPng } from './images.js';

const run = promisify(execFile);
const at = (iso: string) => Date.parse(iso);
const MIN = 60_000;
const BUCKET = 5 * MIN;
const GENERATED_AT = at('2026-11-01T06:00:00Z');

/**
 * Tolerances against the fixture's ground truth, measured on this scenario (largest deviation seen
 * in brackets): the ledger's 5-minute `increase()` buckets lose or gain a little at counter resets
 * and bucket edges, so small counts (bad events, one day) deviate more than the month's totals.
 */
const TOLERANCE = {
  monthTotalRelative: 1e-3, // [3e-5]
  monthBadRelative: 5e-3, // [3.0e-3, job failures]
  monthSliAbsolute: 1e-4, // [6.4e-5]
  dayTotalRelative: 2e-3, // [1.4e-3, the day of a counter reset]
  daySliAbsolute: 1e-3, // [8.6e-4, job success on the day of a counter reset]
  dayRemainingAbsolute: 5e-3, // [3.3e-3]
  incidentBadRelative: 1e-2, // [4.6e-3]
};

/** True good/bad/total of an SLO of the default config over (fromMs, toMs]. */
function truthOf(truth: TrafficTruth, slo: string, fromMs: number, toMs: number): { total: number; bad: number } {
  const t = sumTruth(truth, fromMs, toMs);
  if (slo === 'api-availability') return { total: t.requests, bad: t.errors };
  if (slo === 'api-latency') return { total: t.requests, bad: t.requests - t.fastRequests };
  return { total: t.jobsCompleted + t.jobsFailed, bad: t.jobsFailed };
}

const relative = (value: number, expected: number) => Math.abs(value - expected) / Math.abs(expected);

describe('monthly report of October 2026 from the Rendiff fixture (real Prometheus, SQLite file)', () => {
  let fixture: FixturePrometheus;
  let services: OpenAdapters;
  let dir: string;
  let result: PeriodReportResult;
  let report: PeriodReport;
  const slo = (name: string): SloReport => report.slos.find((s) => s.name === name)!;

  beforeAll(async () => {
    fixture = await startFixturePrometheus(RENDIFF_SCENARIO);
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-report-'));
    const config = loadConfig({ env: {} });
    config.prometheus.url = fixture.prometheus.url;
    config.databasePath = join(dir, 'ledger.db');
    // A fixed clock: buckets count as settled, and retention is measured from the report's time, not today's.
    services = openAdapters(config, { nowMs: () => GENERATED_AT });
    result = await generatePeriodReport(services, {
      period: resolvePeriod({ kind: 'month', month: { year: 2026, month: 10 } }, services.clock.nowMs(), services.config.timeZone),
      generatedAtMs: GENERATED_AT,
      offline: false,
      formats: ['pdf', 'html', 'json'],
      outDir: join(dir, 'out'),
    });
    report = result.report;
  });

  afterAll(async () => {
    await services?.close();
    await fixture?.prometheus.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('syncs the month and writes report.pdf, report.html and report.json into the output folder', () => {
    expect(result.sync?.slos.every((s) => s.error === undefined)).toBe(true);
    expect(result.paths.map((p) => p.slice(dir.length))).toEqual(['/out/report.pdf', '/out/report.html', '/out/report.json']);
    expect(report.period).toMatchObject({ startMs: at('2026-10-01T00:00:00Z'), endMs: at('2026-11-01T00:00:00Z') });
  });

  it.each(['api-availability', 'api-latency', 'job-success'])('%s: month SLI, events and budget agree with the true counts', (name) => {
    const s = slo(name);
    const truth = truthOf(fixture.fixture.truth, name, report.period.startMs, report.period.endMs);
    expect(relative(s.total, truth.total)).toBeLessThan(TOLERANCE.monthTotalRelative);
    expect(relative(s.errorBudget.bad, truth.bad)).toBeLessThan(TOLERANCE.monthBadRelative);
    expect(Math.abs(s.sliRatio! - (1 - truth.bad / truth.total))).toBeLessThan(TOLERANCE.monthSliAbsolute);
    const trueConsumed = truth.bad / ((1 - s.objectiveRatio) * truth.total);
    expect(relative(s.errorBudget.consumedRatio!, trueConsumed)).toBeLessThan(TOLERANCE.monthBadRelative);
    expect(s.tier).toBe('ok');
    expect(s.coverageRatio).toBe(1);
  });

  it.each(['api-availability', 'api-latency', 'job-success'])('%s: every local day and the burn-down agree with the true counts', (name) => {
    const s = slo(name);
    expect(s.days).toHaveLength(31);
    const month = truthOf(fixture.fixture.truth, name, report.period.startMs, report.period.endMs);
    const allowed = (1 - s.objectiveRatio) * month.total;
    let badSoFar = 0;
    for (const day of s.days) {
      const truth = truthOf(fixture.fixture.truth, name, day.startMs, day.endMs);
      badSoFar += truth.bad;
      expect(relative(day.total, truth.total), day.date).toBeLessThan(TOLERANCE.dayTotalRelative);
      expect(Math.abs(day.sliRatio! - (1 - truth.bad / truth.total)), day.date).toBeLessThan(TOLERANCE.daySliAbsolute);
      expect(Math.abs(day.remainingRatio! - (1 - badSoFar / allowed)), day.date).toBeLessThan(TOLERANCE.dayRemainingAbsolute);
    }
  });

  it('reports the latency SLO\'s daily p95 above 2 s only on the day of the slow period', () => {
    const days = slo('api-latency').days;
    const slowDays = days.filter((d) => d.p95Seconds! > 2).map((d) => d.date);
    expect(slowDays).toEqual(['2026-10-20']);
    expect(days.every((d) => d.p95Seconds !== null && d.p95Seconds! > 0)).toBe(true);
  });

  it('finds the scenario\'s incidents at their true times (±1 bucket) with their true bad events, sorted by budget', () => {
    const expected = [
      { slo: 'api-availability', start: '2026-10-14T03:10:00Z', end: '2026-10-14T03:55:00Z' },
      { slo: 'api-availability', start: '2026-10-31T15:00:00Z', end: '2026-10-31T15:20:00Z' },
      { slo: 'job-success', start: '2026-10-05T08:00:00Z', end: '2026-10-05T10:00:00Z' },
    ];
    for (const e of expected) {
      const found = report.incidents.filter((i) => i.slo === e.slo && Math.abs(i.startMs - at(e.start)) <= BUCKET);
      expect(found, `${e.slo} ${e.start}`).toHaveLength(1);
      const incident = found[0]!;
      expect(Math.abs(incident.endMs - at(e.end))).toBeLessThanOrEqual(BUCKET);
      const truth = truthOf(fixture.fixture.truth, e.slo, at(e.start), at(e.end));
      expect(relative(incident.bad, truth.bad)).toBeLessThan(TOLERANCE.incidentBadRelative);
      const month = truthOf(fixture.fixture.truth, e.slo, report.period.startMs, report.period.endMs);
      const share = truth.bad / ((1 - slo(e.slo).objectiveRatio) * month.total);
      expect(relative(incident.budgetConsumedRatio!, share)).toBeLessThan(TOLERANCE.incidentBadRelative);
    }
    const shares = report.incidents.map((i) => i.budgetConsumedRatio!);
    expect([...shares].sort((a, b) => b - a)).toEqual(shares);
    expect(report.incidents[0]).toMatchObject({ slo: 'api-availability', startMs: at('2026-10-14T03:10:00Z') });
    // The 9-hour scrape gap is reconciled, not an incident, and named as such.
    expect(slo('api-availability').reconciledPeriods).toEqual([{ startMs: at('2026-10-22T01:00:00Z'), endMs: at('2026-10-22T10:00:00Z'), durationMs: 9 * 60 * MIN }]);
  });

  it('finds the slow period 2026-10-20 10:00–12:00 (30 % slow, a burn rate of 6.0) as an incident at factor 5', async () => {
    // 30 % slow requests against a 95 % objective burn at exactly (0.3 / 0.05 =) 6×, on the default
    // factor itself, so whether it is "above 6" is noise; a factor just below settles it.
    const lower = await generatePeriodReport(services, {
      period: resolvePeriod({ kind: 'month', month: { year: 2026, month: 10 } }, services.clock.nowMs(), services.config.timeZone),
      generatedAtMs: GENERATED_AT,
      offline: true,
      formats: [],
      rules: { incidents: { factor: 5, mergeGapMs: 30 * MIN } },
    });
    const slow = lower.report.incidents.filter((i) => i.slo === 'api-latency');
    expect(slow.map((i) => [new Date(i.startMs).toISOString(), new Date(i.endMs).toISOString()])).toEqual([
      ['2026-10-20T10:00:00.000Z', '2026-10-20T12:00:00.000Z'],
    ]);
    const truth = truthOf(fixture.fixture.truth, 'api-latency', at('2026-10-20T10:00:00Z'), at('2026-10-20T12:00:00Z'));
    expect(relative(slow[0]!.bad, truth.bad)).toBeLessThan(TOLERANCE.incidentBadRelative);
    expect(lower.paths).toEqual([]);
  });

  it('reports a --from/--to range with its own days and only the incidents inside it', async () => {
    const range = await generatePeriodReport(services, {
      period: resolvePeriod({ kind: 'range', fromMs: at('2026-10-14T00:00:00Z'), toMs: at('2026-10-16T00:00:00Z') }, services.clock.nowMs(), services.config.timeZone),
      generatedAtMs: GENERATED_AT,
      offline: true,
      formats: [],
    });
    expect(range.report.period.name).toBe('2026-10-14--2026-10-16');
    const availability = range.report.slos.find((s) => s.name === 'api-availability')!;
    expect(availability.days.map((d) => d.date)).toEqual(['2026-10-14', '2026-10-15']);
    const truth = truthOf(fixture.fixture.truth, 'api-availability', at('2026-10-14T00:00:00Z'), at('2026-10-16T00:00:00Z'));
    expect(relative(availability.total, truth.total)).toBeLessThan(TOLERANCE.dayTotalRelative);
    expect(range.report.incidents.map((i) => [i.slo, new Date(i.startMs).toISOString()])).toEqual([['api-availability', '2026-10-14T03:10:00.000Z']]);
  });

  it('recommends from the data: the costliest incident first, then the scrape gap all three SLOs share, once', () => {
    expect(report.recommendations.map((r) => [r.kind, r.slos])).toEqual([
      ['costliest-incident', ['api-availability']],
      ['reconciled-data', ['api-availability', 'api-latency', 'job-success']],
    ]);
    expect(report.recommendations[0]!.value).toBe(report.incidents[0]!.budgetConsumedRatio);
    expect(report.recommendations[1]!.value).toBe(9 * 60 * MIN);
    expect(report.breaches).toEqual([]);
    expect(report.overall).toMatchObject({ tier: 'ok', slos: 3, ok: 3, coverageRatio: 1 });
  });

  it('has no NaN or infinite number anywhere in the model', () => {
    const visit = (value: unknown, path: string): void => {
      if (typeof value === 'number') expect(Number.isFinite(value), path).toBe(true);
      else if (Array.isArray(value)) value.forEach((v, i) => visit(v, `${path}[${i}]`));
      else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) visit(v, `${path}.${k}`);
    };
    visit(report, 'report');
  });

  it('writes the model as JSON with ISO times and the same figures', () => {
    const json = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8'));
    expect(json.period).toMatchObject({ name: '2026-10', start: '2026-10-01T00:00:00.000Z', end: '2026-11-01T00:00:00.000Z' });
    expect(json.generated_at).toBe('2026-11-01T06:00:00.000Z');
    expect(json.slos[0].sli_ratio).toBe(report.slos[0]!.sliRatio);
    expect(json.incidents[0].start).toBe('2026-10-14T03:10:00.000Z');
    expect(readFileSync(join(dir, 'out', 'report.json'), 'utf8')).not.toMatch(/NaN|Infinity/);
  });

  describe('PDF', () => {
    const pdf = () => join(dir, 'out', 'report.pdf');

    it('shows the same SLI, budget and incident figures as the model (pdftotext)', async () => {
      const { stdout: text } = await run('pdftotext', ['-layout', pdf(), '-'], { timeout: 30_000 });
      for (const s of report.slos) {
        expect(text).toContain(`${(s.sliRatio! * 100).toFixed(3)}%`);
        expect(text).toContain(`${(s.errorBudget.consumedRatio! * 100).toFixed(1)}%`);
        expect(text).toContain(`${(s.errorBudget.remainingRatio! * 100).toFixed(1)}%`);
        expect(text).toContain(`${s.name} — ok`);
      }
      for (const i of report.incidents) expect(text).toContain(`${(i.budgetConsumedRatio! * 100).toFixed(1)}%`);
      expect(text).toContain('2026-10-14 03:10–03:55');
      expect(text).toContain('2026-10-05 08:00–10:00');
      expect(text).toContain('rendiff-api — SLO report October 2026');
      expect(text).toContain('Generated 2026-11-01 06:00 UTC · data coverage 100.00%');
      const pages = Number(/Page 1 of (\d+)/.exec(text)?.[1]);
      expect(pages).toBeGreaterThanOrEqual(4);
      expect(text).toContain(`Page ${pages} of ${pages}`);
    });

    it('embeds every font it uses (pdffonts)', async () => {
      const { stdout } = await run('pdffonts', [pdf()], { timeout: 30_000 });
      const rows = stdout.trim().split('\n').slice(2);
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) expect(row, row).toMatch(/DejaVuSans.*\byes\s+yes\s+yes\b/);
    });

    it('renders every page to an image with ink on it (pdftoppm)', async () => {
      const out = join(dir, 'pages');
      mkdirSync(out);
      await run('pdftoppm', ['-gray', '-r', '40', pdf(), join(out, 'page')], { timeout: 60_000 });
      const pages = readdirSync(out).filter((f) => f.endsWith('.pgm')).sort();
      expect(pages.length).toBeGreaterThanOrEqual(4);
      for (const page of pages) {
        const ratio = inkRatio(readPgm(readFileSync(join(out, page))));
        // Content pages measure 0.07–0.09 at 40 dpi; a page with only its header and footer measures 0.005.
        expect(ratio, page).toBeGreaterThan(0.03);
      }
    });
  });

  describe('slo-ledger report --format pdf,html,json (the command line)', () => {
    const cli = (args: string[]) =>
      run(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli.ts'), '--db', join(dir, 'ledger.db'), '--prometheus', fixture.prometheus.url, ...args], {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '' },
        timeout: 90_000,
      }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? 1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
      );

    it('writes the three files into --out and prints their paths, with the same figures as the model', async () => {
      const out = join(dir, 'cli');
      const result = await cli(['report', '--month', '2026-10', '--format', 'pdf,html,json', '--out', out]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout.trim().split('\n')).toEqual(['pdf', 'html', 'json'].map((f) => join(out, `report.${f}`)));
      const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
      expect(json.slos.map((s: { sli_ratio: number }) => s.sli_ratio)).toEqual(report.slos.map((s) => s.sliRatio));
      expect(json.incidents.length).toBe(report.incidents.length);
      expect(statSync(join(out, 'report.pdf')).size).toBeGreaterThan(10_000);
    });

    it.each([
      [['report', '--format', 'pdf,html'], 'need a period'],
      [['report', '--format', 'pdf,csv', '--month', '2026-10'], 'csv prints the status to stdout'],
      [['report', '--format', 'html', '--month', '2026-10', '--from', '2026-10-01', '--to', '2026-10-02'], '--month and --from/--to'],
      [['report', '--format', 'json', '--from', '2026-10-01', '--to', '2026-10-02'], '--from applies to report files'],
    ])('rejects %j as bad usage with exit 2', async (args, message) => {
      const result = await cli(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stdout).toBe('');
    });
  });

  describe('HTML', () => {
    const html = () => readFileSync(join(dir, 'out', 'report.html'), 'utf8');

    it('is well-formed, self-contained and shows the same figures as the model', () => {
      const page = html();
      expect(htmlNestingProblems(page)).toEqual([]);
      expect(page).not.toMatch(/<script|<link|\ssrc=|url\(|@import|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
      for (const s of report.slos) {
        expect(page).toContain(`${(s.sliRatio! * 100).toFixed(3)}%`);
        expect(page).toContain(`${(s.errorBudget.consumedRatio! * 100).toFixed(1)}%`);
      }
      expect(page).toContain('2026-10-14 03:10–03:55');
      expect((page.match(/<svg /g) ?? []).length).toBe(7); // burn-down and daily SLI per SLO, p95 for latency
    });

    it('renders in headless Chromium to a screenshot (test-artifacts/report-2026-10.png)', async () => {
      const artifacts = join(REPO_ROOT, 'test-artifacts');
      mkdirSync(artifacts, { recursive: true });
      const screenshot = join(artifacts, 'report-2026-10.png');
      rmSync(screenshot, { force: true });
      const profile = mkdtempSync(join(tmpdir(), 'slo-ledger-chromium-'));
      try {
        await run('chromium', [
          '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
          '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, `--screenshot=${screenshot}`,
          '--window-size=1280,2000', `file://${join(dir, 'out', 'report.html')}`,
        ], { timeout: 90_000 });
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
      expect(statSync(screenshot).size).toBeGreaterThan(20_000);
      const image = readPng(readFileSync(screenshot));
      expect([image.width, image.height]).toEqual([1280, 2000]);
      expect(inkRatio(image)).toBeGreaterThan(0.02);
    });
  });
});
