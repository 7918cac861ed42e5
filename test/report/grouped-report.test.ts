import { beforeAll, describe, expect, it } from 'vitest';
import type { ReportPeriod } from '../../src/domain/period.js';
import type { GroupLabels, SloDefinition } from '../../src/domain/slo.js';
import { toBucketColumns, type BucketCounts } from '../../src/report/bucket-columns.js';
import { buildPeriodReport } from '../../src/report/build-period-report.js';
import type { GroupReportInput, PeriodReport, SloReport, SloReportInput } from '../../src/report/period-report.js';
import { toReportJson } from '../../src/report/report-json.js';
import { toReportView } from '../../src/report/report-view.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const BUCKET = 5 * MIN;
const OCT = Date.parse('2026-10-01T00:00:00Z');
const NOV = Date.parse('2026-11-01T00:00:00Z');
const OCTOBER: ReportPeriod = { kind: 'month', name: '2026-10', label: 'October 2026', startMs: OCT, endMs: NOV, fullEndMs: NOV };
const MONTH_BUCKETS = 31 * 288;
const BURST = { start: Date.parse('2026-10-14T06:00:00Z'), end: Date.parse('2026-10-14T09:00:00Z') };

const grouped: SloDefinition = {
  name: 'tenant-availability',
  service: 'api',
  description: 'availability per tenant',
  objectiveRatio: 0.999,
  windowMs: 30 * 24 * HOUR,
  tiers: { criticalRatio: 0.99, warningRatio: 0.995 },
  groupBy: ['tenant'],
  sli: { kind: 'events', badQuery: 'bad', totalQuery: 'total' },
};

/** Buckets with end in (OCT − 1h, NOV] of `total` events each, `bad(endMs)` of them bad. */
function rows(total: number, bad: (endMs: number) => number): BucketCounts[] {
  const out: BucketCounts[] = [];
  for (let t = OCT - HOUR + BUCKET; t <= NOV; t += BUCKET) out.push({ endMs: t, status: 'ok', good: total - bad(t), total });
  return out;
}

/** A group's input as the use case reads it: the period's sums (with coverage) and its buckets. */
function groupInput(labels: GroupLabels, data: BucketCounts[]): GroupReportInput {
  const inPeriod = data.filter((b) => b.endMs > OCT && b.endMs <= NOV);
  return {
    labels,
    sums: {
      good: inPeriod.reduce((n, b) => n + b.good, 0),
      total: inPeriod.reduce((n, b) => n + b.total, 0),
      coverageRatio: inPeriod.filter((b) => b.status !== 'no-data').length / MONTH_BUCKETS,
    },
    buckets: toBucketColumns(data),
  };
}

/** The SLO's own series: the sum of its groups' buckets. */
function sumOf(groups: BucketCounts[][]): BucketCounts[] {
  return groups[0]!.map((b, i) => ({ ...b, good: groups.reduce((n, g) => n + g[i]!.good, 0), total: groups.reduce((n, g) => n + g[i]!.total, 0) }));
}

const inBurst = (t: number) => t > BURST.start && t <= BURST.end;
// t-big: 2 bad in 10,000 (budget 20 %); t-mid: 5.5 in 1,000 (SLI 99.45 %: warning, burn 5.5 < 6: no incident);
// t-small: no errors but a 3-hour burst at 50 % (1,800 bad of 892,800: 201.6 % of its budget, SLI 99.798 %: ok tier);
// t-quiet: data, but no traffic.
const DATA: Record<string, BucketCounts[]> = {
  't-big': rows(10_000, () => 2),
  't-mid': rows(1000, () => 5.5),
  't-small': rows(100, (t) => (inBurst(t) ? 50 : 0)),
  't-quiet': rows(0, () => 0),
};

function build(slo: SloDefinition = grouped, extra: SloReportInput[] = []): Promise<PeriodReport> {
  const groups = Object.entries(DATA).map(([tenant, data]) => groupInput({ tenant }, data));
  return buildPeriodReport({
    period: OCTOBER, timeZone: 'UTC', generatedAtMs: NOV,
    slos: [{ slo, buckets: toBucketColumns(sumOf(Object.values(DATA))), history: [], groups }, ...extra],
  });
}

describe('grouped SLOs in the period report model', () => {
  let report: PeriodReport;
  let slo: SloReport;
  beforeAll(async () => {
    report = await build();
    slo = report.slos[0]!;
  });
  const group = (tenant: string) => slo.groups!.find((g) => g.labels.tenant === tenant)!;

  it('lists every group, the most budget consumed first, a group without traffic last', () => {
    expect(slo.groupBy).toEqual(['tenant']);
    expect(slo.groups!.map((g) => g.labels.tenant)).toEqual(['t-mid', 't-small', 't-big', 't-quiet']);
  });

  it('computes each group\'s figures by the SLO\'s definitions from the group\'s own counts', () => {
    expect(group('t-big')).toMatchObject({ total: 10_000 * MONTH_BUCKETS, tier: 'ok', objectiveMet: true, coverageRatio: 1, incidentCount: 0 });
    expect(group('t-big').sliRatio).toBeCloseTo(0.9998, 12);
    expect(group('t-big').errorBudget.consumedRatio).toBeCloseTo(0.2, 9);
    expect(group('t-big').burnRate).toBeCloseTo(0.2, 9);
    expect(group('t-mid')).toMatchObject({ tier: 'warning', objectiveMet: false });
    expect(group('t-mid').sliRatio).toBeCloseTo(0.9945, 12);
    expect(group('t-mid').errorBudget.consumedRatio).toBeCloseTo(5.5, 9);
    const small = group('t-small');
    expect(small.errorBudget).toMatchObject({ bad: 1800 });
    expect(small.errorBudget.allowed).toBeCloseTo(0.001 * 100 * MONTH_BUCKETS, 9);
    expect(small.errorBudget.consumedRatio).toBeCloseTo(1800 / (0.1 * MONTH_BUCKETS), 9);
    expect(small.errorBudget.remainingRatio).toBeCloseTo(1 - 1800 / (0.1 * MONTH_BUCKETS), 9);
    // Below the objective, yet above both tiers: ok, not a breach.
    expect(small).toMatchObject({ tier: 'ok', objectiveMet: false, incidentCount: 1 });
    expect(group('t-quiet')).toMatchObject({ total: 0, sliRatio: null, reason: 'no-traffic', burnRate: null, tier: 'ok', objectiveMet: null, coverageRatio: 1 });
    expect(group('t-quiet').errorBudget.consumedRatio).toBeNull();
  });

  it('keeps the SLO\'s own figures those of its own series (the sum of its groups)', () => {
    const bad = MONTH_BUCKETS * 7.5 + 1800;
    const total = MONTH_BUCKETS * 11_100;
    expect(slo.total).toBe(total);
    expect(slo.sliRatio).toBeCloseTo(1 - bad / total, 12);
    expect(slo.tier).toBe('ok');
    expect(slo.incidentCount).toBe(0);
  });

  it('finds a group\'s incident, names its group, and measures it against the group\'s own budget', () => {
    expect(report.incidents).toHaveLength(1);
    const incident = report.incidents[0]!;
    expect(incident).toMatchObject({ slo: 'tenant-availability', group: { tenant: 't-small' }, startMs: BURST.start, endMs: BURST.end, bad: 1800 });
    expect(incident.budgetConsumedRatio).toBeCloseTo(1800 / group('t-small').errorBudget.allowed, 12);
  });

  it('lists a group below its SLO\'s tiers as a breach with its labels, and not the SLO that meets them', () => {
    expect(report.breaches).toHaveLength(1);
    expect(report.breaches[0]).toMatchObject({ slo: 'tenant-availability', group: { tenant: 't-mid' }, tier: 'warning', thresholdRatio: 0.995 });
    expect(report.breaches[0]!.sliRatio).toBeCloseTo(0.9945, 12);
    expect(report.overall).toMatchObject({ tier: 'ok', ok: 1, warning: 0 });
  });

  it('holds a group of an SLO without tiers to the objective', async () => {
    const untiered: SloDefinition = { ...grouped, name: 'untiered' };
    delete (untiered as { tiers?: unknown }).tiers;
    const breaches = (await build(untiered)).breaches;
    expect(breaches.map((b) => [b.group?.tenant, b.tier, b.thresholdRatio])).toEqual([['t-mid', 'warning', 0.999], ['t-small', 'warning', 0.999]]);
  });

  it('recommends looking at the groups that overspent their budget, with the worst group\'s figure and the whole\'s', () => {
    const recommendation = report.recommendations.find((r) => r.kind === 'group-budget')!;
    expect(recommendation).toMatchObject({ slos: ['tenant-availability'], group: { tenant: 't-mid' }, unit: 'ratio', figure: '550.0%' });
    expect(recommendation.value).toBeCloseTo(5.5, 9);
    const whole = (slo.errorBudget.consumedRatio! * 100).toFixed(1);
    expect(recommendation.text).toContain(`tenant=t-mid of tenant-availability consumed 550.0% of its error budget (SLI 99.450%); the SLO as a whole ${whole}%`);
    expect(recommendation.text).toContain('1 more of its 4 groups overspent too (tenant=t-small 201.6%)');
    // The group's incident is the costliest; its share is of the group's budget, and the text says so.
    const costliest = report.recommendations.find((r) => r.kind === 'costliest-incident')!;
    expect(costliest.group).toEqual({ tenant: 't-small' });
    expect(costliest.text).toContain("tenant-availability (tenant=t-small) 2026-10-14 06:00–09:00 (3 h), consumed 201.6% of that group's error budget");
    // No SLO-level breach line for a group's breach: the group line covers it.
    expect(report.recommendations.map((r) => r.kind)).not.toContain('breach');
  });

  it('writes groups, and the group of incidents, breaches and recommendations, in the JSON; label names as they are', async () => {
    const camel: SloDefinition = { ...grouped, groupBy: ['tenantId'] };
    const json = toReportJson(await buildPeriodReport({
      period: OCTOBER, timeZone: 'UTC', generatedAtMs: NOV,
      slos: [{ slo: camel, buckets: toBucketColumns(sumOf(Object.values(DATA))), history: [], groups: Object.entries(DATA).map(([t, d]) => groupInput({ tenantId: t }, d)) }],
    })) as { slos: Array<Record<string, unknown>>; incidents: Array<Record<string, unknown>>; breaches: Array<Record<string, unknown>>; recommendations: Array<Record<string, unknown>> };
    const s = json.slos[0]!;
    expect(s.group_by).toEqual(['tenantId']);
    const groups = s.groups as Array<Record<string, unknown>>;
    expect(Object.keys(groups[0]!)).toEqual(['labels', 'good', 'total', 'sli_ratio', 'error_budget', 'burn_rate', 'tier', 'objective_met', 'coverage_ratio', 'incident_count']);
    expect(groups[0]!.labels).toEqual({ tenantId: 't-mid' });
    expect(Object.keys(groups[0]!.error_budget as object)).toEqual(['allowed', 'bad', 'consumed_ratio', 'remaining_ratio']);
    expect(groups[3]).toMatchObject({ labels: { tenantId: 't-quiet' }, sli_ratio: null, reason: 'no-traffic', objective_met: null });
    expect(json.incidents[0]).toMatchObject({ slo: 'tenant-availability', group: { tenantId: 't-small' }, start: '2026-10-14T06:00:00.000Z' });
    expect(Object.keys(json.incidents[0]!).slice(0, 3)).toEqual(['slo', 'group', 'start']);
    expect(json.breaches[0]).toMatchObject({ group: { tenantId: 't-mid' } });
    expect(json.recommendations.find((r) => r.kind === 'group-budget')).toMatchObject({ group: { tenantId: 't-mid' } });
  });

  it('adds no key to an ungrouped SLO beside a grouped one', async () => {
    const plain: SloDefinition = { ...grouped, name: 'plain' };
    delete (plain as { groupBy?: unknown }).groupBy;
    const mixed = await build(grouped, [{ slo: plain, buckets: toBucketColumns(rows(1000, (t) => (inBurst(t) ? 300 : 0))), history: [] }]);
    const json = toReportJson(mixed) as { slos: Array<Record<string, unknown>>; incidents: Array<Record<string, unknown>> };
    expect(json.slos[1]).not.toHaveProperty('groups');
    expect(json.slos[1]).not.toHaveProperty('group_by');
    const own = json.incidents.find((i) => i.slo === 'plain')!;
    expect(own).not.toHaveProperty('group');
    expect(mixed.slos[1]!.groups).toBeUndefined();
  });

  it('reads one SLO at a time and each of its groups once, before the next SLO', async () => {
    const log: string[] = [];
    function* groupsOf(name: string): Generator<GroupReportInput> {
      for (const [tenant, data] of Object.entries(DATA)) {
        log.push(`${name}/${tenant}`);
        yield groupInput({ tenant }, data);
      }
    }
    function* slos(): Generator<SloReportInput> {
      for (const name of ['a', 'b']) {
        log.push(name);
        yield { slo: { ...grouped, name }, buckets: toBucketColumns(sumOf(Object.values(DATA))), history: [], groups: groupsOf(name) };
      }
    }
    const result = await buildPeriodReport({ period: OCTOBER, timeZone: 'UTC', generatedAtMs: NOV, slos: slos() });
    const tenants = Object.keys(DATA);
    expect(log).toEqual(['a', ...tenants.map((t) => `a/${t}`), 'b', ...tenants.map((t) => `b/${t}`)]);
    expect(result.slos.map((s) => s.groups!.length)).toEqual([4, 4]);
  });

  it('keeps the summary to the 20 costliest incidents across SLOs and groups, and names each group', async () => {
    // 26 tenants with a burst each, of growing size: t00's 5 minutes … t25's 130 minutes at 60 % errors.
    const tenants = Array.from({ length: 26 }, (_, i) => ({ tenant: `t${String(i).padStart(2, '0')}`, data: rows(100, (t) => (t > BURST.start && t <= BURST.start + (i + 1) * 5 * MIN ? 60 : 0)) }));
    const many = await buildPeriodReport({
      period: OCTOBER, timeZone: 'UTC', generatedAtMs: NOV,
      slos: [{ slo: grouped, buckets: toBucketColumns(sumOf(tenants.map((t) => t.data))), history: [], groups: tenants.map((t) => groupInput({ tenant: t.tenant }, t.data)) }],
    });
    const view = toReportView(many);
    // The SLO's own series has an incident too (its 21,060 bad are 90.7 % of its budget): it ranks among the groups'.
    const ranked = many.incidents.map((i) => (i.group === undefined ? i.slo : `tenant=${i.group.tenant}`));
    const expected = [...Array.from({ length: 13 }, (_, k) => `tenant=t${25 - k}`), 'tenant-availability', ...Array.from({ length: 13 }, (_, k) => `tenant=t${String(12 - k).padStart(2, '0')}`)];
    expect(ranked).toEqual(expected);
    expect(many.incidents[13]!.budgetConsumedRatio).toBeCloseTo(21_060 / (0.001 * 2600 * MONTH_BUCKETS), 9);
    expect(view.incidents).toHaveLength(20);
    expect(view.incidents.map((r) => (r.group === null ? r.slo : r.group))).toEqual(expected.slice(0, 20));
    expect(view.incidentsNote).toBe("The 20 costliest of 27 incidents; each SLO's section lists all of its own and the 20 costliest of its groups'; the JSON report has every one.");
    // The SLO's section lists its own incident, and its groups' 20 costliest beside it.
    expect(view.slos[0]!.incidents.map((r) => r.group)).toEqual([null]);
    expect(view.slos[0]!.groupIncidents.map((r) => r.group)).toEqual(expected.filter((e) => e.startsWith('tenant=')).slice(0, 20));
    expect(view.slos[0]!.groupIncidentsNote).toBe('The 20 costliest of 26 incidents of its groups; the JSON report lists them all.');
  });
});
