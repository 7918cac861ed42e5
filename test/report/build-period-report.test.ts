import { describe, expect, it } from 'vitest';
import type { ReportPeriod } from '../../src/domain/period.js';
import type { SloDefinition } from '../../src/domain/slo.js';
import { toBucketColumns, type BucketCounts } from '../../src/report/bucket-columns.js';
import { buildPeriodReport } from '../../src/report/build-period-report.js';
import type { HistoryMonth, PeriodReport, SloReportInput } from '../../src/report/period-report.js';
import { toReportJson } from '../../src/report/report-json.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const BUCKET = 5 * MIN;
const OCT_START = Date.parse('2026-10-01T00:00:00Z');
const NOV_START = Date.parse('2026-11-01T00:00:00Z');
const OCTOBER: ReportPeriod = { kind: 'month', name: '2026-10', label: 'October 2026', startMs: OCT_START, endMs: NOV_START, fullEndMs: NOV_START };

const availability: SloDefinition = {
  name: 'api-availability',
  service: 'api',
  description: 'availability',
  objectiveRatio: 0.999,
  windowMs: 30 * 24 * HOUR,
  tiers: { criticalRatio: 0.99, warningRatio: 0.995 },
  sli: { kind: 'events', badQuery: 'bad', totalQuery: 'total' },
};

/** Buckets with end in (fromMs, toMs]; `bad(endMs)` gives the bad events of a bucket of `total` events. */
function buckets(fromMs: number, toMs: number, total: number, bad: (endMs: number) => number): BucketCounts[] {
  const out: BucketCounts[] = [];
  for (let t = fromMs + BUCKET; t <= toMs; t += BUCKET) out.push({ endMs: t, status: 'ok', good: total - bad(t), total });
  return out;
}

const during = (startIso: string, endIso: string, inside: number, outside = 0) => {
  const s = Date.parse(startIso);
  const e = Date.parse(endIso);
  return (endMs: number) => (endMs > s && endMs <= e ? inside : outside);
};

function build(slo: SloDefinition, data: BucketCounts[], options: { period?: ReportPeriod; timeZone?: string; history?: HistoryMonth[] } = {}): Promise<PeriodReport> {
  const input: SloReportInput = { slo, buckets: toBucketColumns(data), history: options.history ?? [] };
  return buildPeriodReport({ period: options.period ?? OCTOBER, timeZone: options.timeZone ?? 'UTC', generatedAtMs: NOV_START, slos: [input] });
}

/** Every number in the model is finite: no NaN or Infinity reaches a renderer. */
function expectAllFinite(value: unknown, path = 'report'): void {
  if (typeof value === 'number') expect(Number.isFinite(value), `${path} = ${value}`).toBe(true);
  else if (Array.isArray(value)) value.forEach((v, i) => expectAllFinite(v, `${path}[${i}]`));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) expectAllFinite(v, `${path}.${k}`);
}

describe('buildPeriodReport', () => {
  const quiet = buckets(OCT_START - HOUR, NOV_START, 1000, () => 0.5); // 0.05 % errors: half the budget

  it.each([
    { name: 'a steady 0.05 % error rate consumes half of a 99.9 % budget', perBucket: 0.5, sli: 0.9995, consumed: 0.5, tier: 'ok' },
    { name: 'a steady 0.1 % error rate consumes exactly the budget', perBucket: 1, sli: 0.999, consumed: 1, tier: 'ok' },
    { name: 'a steady 0.7 % error rate is a warning (below 99.5 %)', perBucket: 7, sli: 0.993, consumed: 7, tier: 'warning' },
    { name: 'a steady 2 % error rate is critical (below 99 %)', perBucket: 20, sli: 0.98, consumed: 20, tier: 'critical' },
  ])('$name', async ({ perBucket, sli, consumed, tier }) => {
    const report = await build(availability, buckets(OCT_START - HOUR, NOV_START, 1000, () => perBucket));
    const slo = report.slos[0]!;
    expect(slo.total).toBe(1000 * 31 * 288);
    expect(slo.sliRatio).toBeCloseTo(sli, 12);
    expect(slo.errorBudget.consumedRatio).toBeCloseTo(consumed, 9);
    expect(slo.tier).toBe(tier);
    expect(report.overall.tier).toBe(tier);
    expect(slo.days).toHaveLength(31);
    expect(slo.days.every((d) => Math.abs(d.sliRatio! - sli) < 1e-12)).toBe(true);
  });

  it('has a burn-down that falls evenly under steady errors and ends at the month remaining budget', async () => {
    const slo = (await build(availability, quiet)).slos[0]!;
    slo.days.forEach((d, i) => expect(d.remainingRatio).toBeCloseTo(1 - (0.5 * (i + 1)) / 31, 9));
    expect(slo.days[30]!.remainingRatio).toBeCloseTo(slo.errorBudget.remainingRatio!, 12);
    expect(slo.days.reduce((n, d) => n + d.total, 0)).toBe(slo.total);
  });

  it('reports a month without traffic with a null SLI and null budget ratios, ok tier and no NaN', async () => {
    const report = await build(availability, buckets(OCT_START - HOUR, NOV_START, 0, () => 0));
    const slo = report.slos[0]!;
    expect(slo.sliRatio).toBeNull();
    expect(slo.reason).toBe('no-traffic');
    expect(slo.errorBudget.consumedRatio).toBeNull();
    expect(slo.tier).toBe('ok');
    expect(slo.days.every((d) => d.sliRatio === null && d.remainingRatio === null)).toBe(true);
    expect(report.incidents).toEqual([]);
    expectAllFinite(report);
    expect(JSON.stringify(toReportJson(report))).not.toMatch(/NaN|Infinity/);
  });

  it('finds a 45-minute burst at 60 % errors as one incident from its first to its last bucket', async () => {
    const data = buckets(OCT_START - HOUR, NOV_START, 1000, during('2026-10-14T03:10:00Z', '2026-10-14T03:55:00Z', 600, 0.5));
    const report = await build(availability, data);
    expect(report.incidents).toHaveLength(1);
    const incident = report.incidents[0]!;
    expect(new Date(incident.startMs).toISOString()).toBe('2026-10-14T03:10:00.000Z');
    expect(new Date(incident.endMs).toISOString()).toBe('2026-10-14T03:55:00.000Z');
    expect(incident.durationMs).toBe(45 * MIN);
    expect(incident.bad).toBeCloseTo(9 * 600, 9);
    expect(incident.budgetConsumedRatio).toBeCloseTo(5400 / report.slos[0]!.errorBudget.allowed, 12);
    expect(report.recommendations.find((r) => r.kind === 'costliest-incident')?.value).toBeCloseTo(incident.budgetConsumedRatio!, 12);
  });

  it.each([
    { gapMinutes: 20, incidents: 1 },
    { gapMinutes: 25, incidents: 1 },
    { gapMinutes: 30, incidents: 2 },
    { gapMinutes: 40, incidents: 2 },
  ])('merges two 15-minute bursts $gapMinutes min apart into $incidents incident(s) (merge when closer than 30 min)', async ({ gapMinutes, incidents }) => {
    const firstEnd = Date.parse('2026-10-10T12:15:00Z');
    const secondStart = firstEnd + gapMinutes * MIN;
    const data = buckets(OCT_START - HOUR, NOV_START, 1000, (t) =>
      (t > firstEnd - 15 * MIN && t <= firstEnd) || (t > secondStart && t <= secondStart + 15 * MIN) ? 100 : 0,
    );
    const report = await build(availability, data);
    expect(report.incidents).toHaveLength(incidents);
    expect(report.incidents[0]!.bad + (report.incidents[1]?.bad ?? 0)).toBeCloseTo(600, 9);
  });

  it('does not call a single bucket above the factor an incident when the burn rate over 1h stays below it', async () => {
    // One bucket at 50 bad in 1000 (burn 50 over 5m) in an hour of 1000-event buckets: 1h burn = 50/12000/0.001 ≈ 4.2 < 6.
    const data = buckets(OCT_START - HOUR, NOV_START, 1000, during('2026-10-03T10:00:00Z', '2026-10-03T10:05:00Z', 50, 0));
    expect((await build(availability, data)).incidents).toEqual([]);
  });

  it('honours a configured factor: a 5× burn for 2 h is an incident at factor 3, not at 6', async () => {
    const data = buckets(OCT_START - HOUR, NOV_START, 1000, during('2026-10-20T10:00:00Z', '2026-10-20T12:00:00Z', 5, 0));
    expect((await build(availability, data)).incidents).toEqual([]);
    const report = await buildPeriodReport({
      period: OCTOBER, timeZone: 'UTC', generatedAtMs: NOV_START,
      slos: [{ slo: availability, buckets: toBucketColumns(data), history: [] }],
      rules: { incidents: { factor: 3, mergeGapMs: 30 * MIN } },
    });
    expect(report.incidents.map((i) => [new Date(i.startMs).toISOString(), new Date(i.endMs).toISOString()])).toEqual([
      ['2026-10-20T10:00:00.000Z', '2026-10-20T12:00:00.000Z'],
    ]);
  });

  it('sorts incidents of all SLOs by the share of budget consumed', async () => {
    const jobs: SloDefinition = { ...availability, name: 'jobs', objectiveRatio: 0.95, tiers: undefined as never };
    delete (jobs as { tiers?: unknown }).tiers;
    const report = await buildPeriodReport({
      period: OCTOBER, timeZone: 'UTC', generatedAtMs: NOV_START,
      slos: [
        { slo: availability, buckets: toBucketColumns(buckets(OCT_START - HOUR, NOV_START, 1000, during('2026-10-02T00:00:00Z', '2026-10-02T00:10:00Z', 100))), history: [] },
        { slo: jobs, buckets: toBucketColumns(buckets(OCT_START - HOUR, NOV_START, 1000, during('2026-10-05T08:00:00Z', '2026-10-05T10:00:00Z', 400))), history: [] },
      ],
    });
    expect(report.incidents.map((i) => i.slo)).toEqual(['api-availability', 'jobs']);
    const shares = report.incidents.map((i) => i.budgetConsumedRatio!);
    expect(shares[0]).toBeGreaterThan(shares[1]!);
  });

  it('counts the hour before the month for the 1h burn rate but reports no incident before the month', async () => {
    const data = buckets(OCT_START - HOUR, NOV_START, 1000, during('2026-09-30T23:30:00Z', '2026-10-01T00:10:00Z', 100));
    const report = await build(availability, data);
    expect(report.incidents).toHaveLength(1);
    expect(new Date(report.incidents[0]!.startMs).toISOString()).toBe('2026-10-01T00:00:00.000Z');
    expect(report.incidents[0]!.bad).toBeCloseTo(200, 9);
  });

  it('splits a DST month into local days: Europe/Berlin October 2026 has 31 days and a 25-hour 25th', async () => {
    const start = Date.parse('2026-09-30T22:00:00Z'); // 2026-10-01 00:00 CEST
    const end = Date.parse('2026-10-31T23:00:00Z'); // 2026-11-01 00:00 CET
    const period: ReportPeriod = { ...OCTOBER, startMs: start, endMs: end, fullEndMs: end };
    const slo = (await build(availability, buckets(start - HOUR, end, 1000, () => 1), { period, timeZone: 'Europe/Berlin' })).slos[0]!;
    expect(slo.days).toHaveLength(31);
    expect(slo.days[0]!.date).toBe('2026-10-01');
    const hours = slo.days.map((d) => (d.endMs - d.startMs) / HOUR);
    expect(hours[24]).toBe(25);
    expect(hours.filter((h) => h === 24)).toHaveLength(30);
    expect(slo.days[24]!.total).toBe(25 * 12 * 1000);
    expect(slo.total).toBe(745 * 12 * 1000);
    expect(slo.coverageRatio).toBe(1);
  });

  it('splits Europe/Berlin March 2026 into days with a 23-hour 29th', async () => {
    const start = Date.parse('2026-02-28T23:00:00Z');
    const end = Date.parse('2026-03-31T22:00:00Z');
    const period: ReportPeriod = { kind: 'month', name: '2026-03', label: 'March 2026', startMs: start, endMs: end, fullEndMs: end };
    const slo = (await build(availability, buckets(start - HOUR, end, 10, () => 0), { period, timeZone: 'Europe/Berlin' })).slos[0]!;
    expect(slo.days.map((d) => (d.endMs - d.startMs) / HOUR)[28]).toBe(23);
    expect(slo.days.at(-1)!.date).toBe('2026-03-31');
  });

  it('names missing periods, lowers coverage and recommends checking scraping below 99 %', async () => {
    const gapStart = Date.parse('2026-10-22T01:00:00Z');
    const gapEnd = Date.parse('2026-10-22T10:00:00Z');
    const data = quiet.filter((b) => b.endMs <= gapStart || b.endMs > gapEnd);
    const report = await build(availability, data);
    const slo = report.slos[0]!;
    expect(slo.missingPeriods).toEqual([{ startMs: gapStart, endMs: gapEnd, durationMs: 9 * HOUR }]);
    expect(slo.coverageRatio).toBeCloseTo(1 - 9 / (31 * 24), 12);
    expect(slo.days[21]!.coverageRatio).toBeCloseTo(15 / 24, 12);
    const recommendation = report.recommendations.find((r) => r.kind === 'low-coverage');
    expect(recommendation?.value).toBeCloseTo(slo.coverageRatio, 12);
    expect(recommendation?.text).toContain('2026-10-22 01:00–10:00');
  });

  it('names reconciled scrape gaps separately: counted as coverage, but not timed', async () => {
    const gapStart = Date.parse('2026-10-22T01:00:00Z');
    const data = quiet.map((b) => (b.endMs > gapStart && b.endMs <= gapStart + 2 * HOUR ? { ...b, status: 'reconciled' as const } : b));
    const report = await build(availability, data);
    expect(report.slos[0]!.coverageRatio).toBe(1);
    expect(report.slos[0]!.reconciledPeriods).toEqual([{ startMs: gapStart, endMs: gapStart + 2 * HOUR, durationMs: 2 * HOUR }]);
    expect(report.recommendations.map((r) => r.kind)).toContain('reconciled-data');
  });

  it('records when the budget ran out and recommends a freeze, with the day', async () => {
    // 0.2 % errors: the month's budget is spent half-way, at the end of 2026-10-16 12:00.
    const report = await build(availability, buckets(OCT_START - HOUR, NOV_START, 1000, () => 2));
    const slo = report.slos[0]!;
    expect(new Date(slo.budgetExhaustedAtMs!).toISOString()).toBe('2026-10-16T12:05:00.000Z');
    const recommendation = report.recommendations.find((r) => r.kind === 'budget-exhausted');
    expect(recommendation?.text).toContain('day 16 of 31');
  });

  it('lists breaches with the Rendiff monitoring guide\'s breach-response steps for their tier', async () => {
    const report = await build(availability, buckets(OCT_START - HOUR, NOV_START, 1000, () => 20));
    expect(report.breaches).toHaveLength(1);
    const breach = report.breaches[0]!;
    expect(breach).toMatchObject({ slo: 'api-availability', tier: 'critical', thresholdRatio: 0.99 });
    expect(breach.steps.map((s) => s.action)).toEqual(['Page on-call engineer', 'Incident commander assigned', 'War room established', 'Mitigation plan in progress']);
    const warning = (await build(availability, buckets(OCT_START - HOUR, NOV_START, 1000, () => 7))).breaches[0]!;
    expect(warning.steps.map((s) => `${s.after}: ${s.action}`)).toContain('2 hours: Root cause analysis');
  });

  it('recommends once per breach tier and once for all exhausted budgets when more than five SLOs ran out', async () => {
    const slos = Array.from({ length: 7 }, (_, i) => ({ ...availability, name: `svc-${i + 1}` }));
    const report = await buildPeriodReport({
      period: OCTOBER, timeZone: 'UTC', generatedAtMs: NOV_START,
      // 2 % errors for svc-1, 1.9 % for svc-2, …: all critical, all out of budget, svc-1 first.
      slos: slos.map((slo, i) => ({ slo, buckets: toBucketColumns(buckets(OCT_START - HOUR, NOV_START, 1000, () => 20 - i)), history: [] })),
    });
    const byKind = Object.fromEntries(report.recommendations.map((r) => [r.kind, r]));
    expect(report.recommendations.filter((r) => r.kind === 'breach')).toHaveLength(1);
    expect(byKind.breach!.slos).toEqual(['svc-1', 'svc-2', 'svc-3', 'svc-4', 'svc-5', 'svc-6', 'svc-7']);
    expect(byKind.breach!.value).toBeCloseTo(0.98, 12);
    expect(byKind.breach!.text).toContain('7 SLOs ended October 2026 critical, the worst svc-1 at 98.000%');
    expect(report.recommendations.filter((r) => r.kind === 'budget-exhausted')).toHaveLength(1);
    expect(byKind['budget-exhausted']!.slos).toHaveLength(7);
    expect(byKind['budget-exhausted']!.text).toMatch(/^7 SLOs spent their whole error budget before the period ended, the first svc-1 on 2026-10-02 /);
  });

  it('compares with the previous month and recommends a tighter objective after three months with a large margin', async () => {
    const history: HistoryMonth[] = [
      { name: '2026-09', good: 999_900, total: 1_000_000, coverageRatio: 1 },
      { name: '2026-08', good: 999_850, total: 1_000_000, coverageRatio: 1 },
    ];
    const report = await build(availability, buckets(OCT_START - HOUR, NOV_START, 1000, () => 0.1), { history });
    const slo = report.slos[0]!;
    expect(slo.previous).toMatchObject({ name: '2026-09', coverageRatio: 1 });
    expect(slo.previous!.sliRatio).toBeCloseTo(0.9999, 12);
    expect(slo.sliChangeRatio).toBeCloseTo(0.9999 - 0.9999, 12);
    const margin = report.recommendations.find((r) => r.kind === 'large-margin');
    expect(margin?.value).toBeCloseTo(0.15, 9); // the largest of 10 %, 10 %, 15 %
    const noisy = (await build(availability, quiet, { history })).recommendations.map((r) => r.kind);
    expect(noisy).not.toContain('large-margin');
  });

  it('reports a month not yet over up to its evaluation instant, with days cut there', async () => {
    const at = Date.parse('2026-10-10T12:00:00Z');
    const period: ReportPeriod = { ...OCTOBER, endMs: at };
    const slo = (await build(availability, buckets(OCT_START - HOUR, at, 1000, () => 0.5), { period })).slos[0]!;
    expect(slo.days).toHaveLength(10);
    expect(slo.days.at(-1)!.endMs).toBe(at);
    expect(slo.coverageRatio).toBe(1);
  });

  it('writes JSON with ISO instants, snake_case keys and null for undefined figures', async () => {
    const json = toReportJson(await build(availability, quiet)) as { period: Record<string, unknown>; generated_at: string; slos: Array<Record<string, unknown>> };
    expect(json.period.start).toBe('2026-10-01T00:00:00.000Z');
    expect(json.generated_at).toBe('2026-11-01T00:00:00.000Z');
    expect(json.slos[0]!.budget_exhausted_at).toBeNull();
    expect(json.slos[0]!.sli_ratio).toBeCloseTo(0.9995, 12);
  });
});
