import { afterAll, describe, expect, it } from 'vitest';
import { BUCKET_MS } from '../../src/domain/duration.js';
import type { GroupLabels, SloDefinition } from '../../src/domain/slo.js';
import type { GroupStatus } from '../../src/domain/slo-status.js';
import type { LedgerBucket } from '../../src/domain/bucket.js';
import { openLedger } from '../../src/ledger/open-ledger.js';
import { buildHttpServer } from '../../src/server/http-server.js';
import { groupMetricLabels, metricGroupLabelNames } from '../../src/server/metric-labels.js';
import { ServiceMetrics, boundGroups } from '../../src/server/metrics.js';
import { BadParameterError, parseGroupParam } from '../../src/server/query-params.js';
import { cellData, groupRows, labelsText, parseSamples, sampleValue, samplesWith } from './grouped-helpers.js';
import { AT_MS, memoryLogger, serverDeps, testConfig } from './helpers.js';

const DAY = 86_400_000;

// A grouped SLO whose first group label clashes with the gauges' own `slo` label.
const SHOP: SloDefinition = {
  name: 'checkout-by-region', service: 'shop', description: '', objectiveRatio: 0.99, windowMs: 30 * DAY,
  groupBy: ['slo', 'region'],
  sli: { kind: 'events', badQuery: 'sum by (slo, region) (bad)', totalQuery: 'sum by (slo, region) (total)' },
};

/**
 * The 288 buckets of the last 24 h before AT_MS, per group. Ground truth over 24h (and 7d, 30d):
 * - A checkout/eu: 100 a bucket, one bad in each of the last 12 → total 28 800, bad 12 (1h: 1 200, 12)
 * - B checkout/us: 100 a bucket, none bad → 28 800, 0
 * - C every label absent: 10 a bucket, none bad → 2 880, 0
 * - D hostile strings: 10 a bucket, one bad each → 2 880, bad 288: SLI 0.9, budget left 1 − 288/28.8 = −9
 * Worst first by budget consumed: D (10), A (12/288), then C and B (0) in label order.
 */
const GROUPS: Array<{ labels: GroupLabels; perBucket: number; bad: (i: number) => number }> = [
  { labels: { slo: 'checkout', region: 'eu' }, perBucket: 100, bad: (i) => (i < 12 ? 1 : 0) },
  { labels: { slo: 'checkout', region: 'us' }, perBucket: 100, bad: () => 0 },
  { labels: { slo: '', region: '' }, perBucket: 10, bad: () => 0 },
  { labels: { slo: '<b>x</b>', region: 'eu"\\' }, perBucket: 10, bad: () => 1 },
];
const A = GROUPS[0]!.labels;
const D = GROUPS[3]!.labels;

const ledger = openLedger(':memory:');
const write = async (seriesId: number, counts: (i: number) => { good: number; total: number }) => {
  const buckets: LedgerBucket[] = Array.from({ length: 288 }, (_, i) => ({ endMs: AT_MS - i * BUCKET_MS, status: 'ok' as const, ...counts(i) }));
  await ledger.buckets.writeBuckets(seriesId, buckets, AT_MS + 3_600_000);
};
for (const g of GROUPS) await write(await ledger.buckets.ensureSeries(SHOP, AT_MS, g.labels), (i) => ({ good: g.perBucket - g.bad(i), total: g.perBucket }));
await write(await ledger.buckets.ensureSeries(SHOP, AT_MS), (i) => {
  const total = GROUPS.reduce((n, g) => n + g.perBucket, 0);
  return { good: total - GROUPS.reduce((n, g) => n + g.bad(i), 0), total };
});

const config = testConfig();
config.slos = [SHOP, config.slos[0]!];
const app = buildHttpServer(serverDeps(config, ledger, memoryLogger([]).logger));
afterAll(async () => {
  await app.close();
  await ledger.close();
});

describe('group label names on /metrics', () => {
  it('keeps a label\'s own name unless it clashes with slo, service, window or kind, or starts with __', () => {
    expect([...metricGroupLabelNames(['tenant', 'endpoint'])]).toEqual([['tenant', 'tenant'], ['endpoint', 'endpoint']]);
    expect([...metricGroupLabelNames(['slo', 'service', 'window', 'kind', '__meta'])].map(([, n]) => n)).toEqual(['group_slo', 'group_service', 'group_window', 'group_kind', 'group___meta']);
  });

  it('prefixes again when the prefixed name is another group label, so no two share a name', () => {
    expect(Object.fromEntries(metricGroupLabelNames(['slo', 'group_slo']))).toEqual({ slo: 'group_group_slo', group_slo: 'group_slo' });
  });

  it('leaves out the group whose labels are all absent: Prometheus would read its samples as the SLO\'s own', () => {
    const names = metricGroupLabelNames(['slo', 'region']);
    expect(groupMetricLabels({ slo: '', region: '' }, names)).toBeUndefined();
    expect(groupMetricLabels({ slo: 'a', region: '' }, names)).toEqual({ group_slo: 'a', region: '' });
  });

  it('bounds the groups to max_groups, keeping those with the most events in the SLO window', () => {
    const group = (tenant: string, total: number): GroupStatus => ({ labels: { tenant }, windows: [{ window: '30d', total } as GroupStatus['windows'][number]] });
    const groups = [group('a', 5), group('b', 50), group('c', 10)];
    expect(boundGroups({ ...SHOP, maxGroups: 2 }, groups).map((g) => g.labels.tenant)).toEqual(['b', 'c']);
    expect(boundGroups({ ...SHOP, maxGroups: 3 }, groups)).toBe(groups);
  });
});

describe('the group parameter', () => {
  it('reads repeated LABEL=VALUE pairs, an empty value as an absent label', () => {
    expect(parseGroupParam('group', ['slo=checkout', 'region='])).toEqual({ slo: 'checkout', region: '' });
    expect(parseGroupParam('group', 'a=b=c')).toEqual({ a: 'b=c' });
    expect(parseGroupParam('group', undefined)).toEqual({});
    expect(Object.getPrototypeOf(parseGroupParam('group', '__proto__=x'))).toBe(Object.prototype);
  });

  it.each([['region'], ['=eu'], ['re-gion=eu'], [['region=eu', 'region=us']]])('rejects %j', (value) => {
    expect(() => parseGroupParam('group', value)).toThrow(BadParameterError);
  });
});

describe('/metrics of a grouped SLO from a ledger with known counts', () => {
  const own = { slo: SHOP.name, service: 'shop' };
  const ofA = { ...own, group_slo: 'checkout', region: 'eu' };
  const ofD = { ...own, group_slo: '<b>x</b>', region: 'eu"\\' };

  it('adds one sample per group with its labels beside the SLO\'s, equal to the ground truth', async () => {
    const m = parseSamples(await new ServiceMetrics(serverDeps(config, ledger, memoryLogger([]).logger)).render());
    expect(sampleValue(m, 'slo_ledger_events_total', { ...ofA, window: '1h', kind: 'total' })).toBe(1_200);
    expect(sampleValue(m, 'slo_ledger_events_total', { ...ofA, window: '1h', kind: 'good' })).toBe(1_188);
    expect(sampleValue(m, 'slo_ledger_events_total', { ...ofA, window: '24h', kind: 'total' })).toBe(28_800);
    expect(sampleValue(m, 'slo_ledger_sli_ratio', { ...ofA, window: '24h' })).toBeCloseTo(1 - 12 / 28_800, 12);
    expect(sampleValue(m, 'slo_ledger_error_budget_remaining_ratio', { ...ofA, window: '30d' })).toBeCloseTo(1 - 12 / 288, 9);
    expect(sampleValue(m, 'slo_ledger_burn_rate', { ...ofA, window: '24h' })).toBeCloseTo(1 / 24, 9);
    expect(sampleValue(m, 'slo_ledger_objective_ratio', { ...ofA, window: '7d' })).toBe(0.99);
    expect(sampleValue(m, 'slo_ledger_tier', ofA)).toBe(0);
    // Quotes and backslashes in a label value survive the text format.
    expect(sampleValue(m, 'slo_ledger_sli_ratio', { ...ofD, window: '24h' })).toBeCloseTo(0.9, 12);
    expect(sampleValue(m, 'slo_ledger_error_budget_remaining_ratio', { ...ofD, window: '24h' })).toBeCloseTo(-9, 9);
    expect(sampleValue(m, 'slo_ledger_tier', ofD)).toBe(1);
    // The SLO's own samples keep exactly their labels.
    expect(sampleValue(m, 'slo_ledger_events_total', { ...own, window: '24h', kind: 'total' })).toBe(63_360);
    expect(sampleValue(m, 'slo_ledger_events_total', { ...own, window: '24h', kind: 'good' })).toBe(63_360 - 300);
    expect(sampleValue(m, 'slo_ledger_tier', own)).toBe(0);
  });

  it('has three groups per window: the one with every label absent is left out', async () => {
    const m = parseSamples(await new ServiceMetrics(serverDeps(config, ledger, memoryLogger([]).logger)).render());
    const totals = samplesWith(m, 'slo_ledger_events_total', { ...own, window: '24h', kind: 'total' });
    expect(totals.map((s) => s.labels.region ?? '(own)').sort()).toEqual(['(own)', 'eu', 'eu"\\', 'us']);
    expect(samplesWith(m, 'slo_ledger_tier', own)).toHaveLength(4);
    expect(m.filter((s) => s.labels.group_slo === '' && s.labels.region === '')).toEqual([]);
  });

  it('has no group samples with metrics_groups: false, and the same own samples', async () => {
    const off = structuredClone(config);
    off.server.metricsGroups = false;
    const m = parseSamples(await new ServiceMetrics(serverDeps(off, ledger, memoryLogger([]).logger)).render());
    expect(m.filter((s) => 'group_slo' in s.labels || 'region' in s.labels)).toEqual([]);
    expect(sampleValue(m, 'slo_ledger_events_total', { ...own, window: '24h', kind: 'total' })).toBe(63_360);
  });
});

describe('the API and the pages of a grouped SLO with known counts', () => {
  const get = (url: string) => app.inject({ url });

  it('lists every group, the one without labels too, and filters them like report --group', async () => {
    const body = (await get(`/api/v1/slos/${SHOP.name}?window=24h`)).json();
    expect(body.slos[0].group_by).toEqual(['slo', 'region']);
    expect(body.slos[0].groups).toHaveLength(4);
    const eu = (await get(`/api/v1/slos/${SHOP.name}?window=24h&group=region=eu`)).json().slos[0].groups;
    expect(eu.map((g: { labels: GroupLabels }) => g.labels)).toEqual([A]);
    const both = (await get(`/api/v1/slos/${SHOP.name}?window=24h&group=${encodeURIComponent('region=eu"\\')}`)).json().slos[0].groups;
    expect(both[0].windows[0]).toMatchObject({ total: 2_880, good: 2_592, sli: 0.9 });
    const all = (await get('/api/v1/slos?window=24h&group=slo=checkout')).json();
    expect(all.slos[0].groups).toHaveLength(2);
    expect(all.slos[1]).not.toHaveProperty('groups');
  });

  it.each([
    [`/api/v1/slos/${SHOP.name}?group=tenant=x`, /no SLO here groups by "tenant"/],
    [`/api/v1/slos/${SHOP.name}?group=region`, /not LABEL=VALUE/],
    [`/api/v1/slos/${SHOP.name}?group=region=eu&group=region=us`, /a group has one value per label/],
    ['/api/v1/slos/api-availability?group=region=eu', /has no group_by/],
    [`/api/v1/slos/${SHOP.name}/series?group=slo=checkout`, /slo=checkout matches 2 groups of SLO checkout-by-region; .* for region too/],
  ])('answers 400 naming the group parameter for %s', async (url, message) => {
    const response = await get(url);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ parameter: 'group' });
    expect(response.json().error).toMatch(message);
  });

  it('gives one group\'s series, and 404 for a group the SLO does not have', async () => {
    const from = new Date(AT_MS - 3_600_000).toISOString();
    const series = (await get(`/api/v1/slos/${SHOP.name}/series?group=region=eu&group=slo=checkout&window=1h&step=5m&from=${from}`)).json();
    expect(series.group).toEqual(A);
    expect(series.points.at(-1)).toMatchObject({ total: 1_200, good: 1_188, coverage: 1 });
    expect(series.points[0]).toMatchObject({ total: 1_200, good: 1_200 });
    const empty = (await get(`/api/v1/slos/${SHOP.name}/series?group=region=&group=slo=&window=24h`)).json();
    expect(empty.points.at(-1)).toMatchObject({ total: 2_880, good: 2_880 });
    const missing = await get(`/api/v1/slos/${SHOP.name}/series?group=region=mars`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: `SLO ${SHOP.name} has no group region=mars`, parameter: 'group' });
  });

  it('shows the worst groups first on the status page, escaped, with a link to all of them', async () => {
    const response = await get('/?at=2026-11-01T00:00:00Z');
    expect(response.body).not.toContain('<b>x');
    const rows = groupRows(response.body);
    expect(rows.map((r) => r.group)).toEqual([D, A, GROUPS[2]!.labels, GROUPS[1]!.labels].map(labelsText));
    expect(Number(cellData(rows[0]!.row, 'remaining'))).toBeCloseTo(-9, 9);
    expect(response.body).toContain(`<a href="slos/${SHOP.name}/groups?at=2026-11-01T00%3A00%3A00Z" data-link="groups">all 4 groups</a>`);
  });

  it('lists every group on its own page, worst first, escaped, with the same policy', async () => {
    const response = await get(`/slos/${SHOP.name}/groups`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    expect(response.body).not.toContain('<b>x');
    expect(response.body).not.toContain('<script');
    const rows = groupRows(response.body);
    expect(rows.map((r) => r.group)).toEqual([D, A, GROUPS[2]!.labels, GROUPS[1]!.labels].map(labelsText));
    expect(rows.map((r) => Number(cellData(r.row, 'events', 'total')))).toEqual([2_880, 28_800, 2_880, 28_800]);
    for (const url of ['/slos/api-availability/groups', '/slos/nope/groups']) expect((await get(url)).statusCode, url).toBe(404);
    expect((await get(`/slos/${SHOP.name}/groups?x=1`)).statusCode).toBe(400);
  });
});
