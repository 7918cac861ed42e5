import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateSlos } from '../../src/app/evaluate-slos.js';
import { syncLedger } from '../../src/app/sync-ledger.js';
import { systemClock } from '../../src/domain/clock.js';
import type { GroupLabels, SloDefinition } from '../../src/domain/slo.js';
import { parseWindowSpec } from '../../src/domain/window.js';
import type { RunningPrometheus } from '../../src/fixture/prometheus-server.js';
import type { LedgerStores } from '../../src/ledger/ledger-stores.js';
import { openLedger } from '../../src/ledger/open-ledger.js';
import { PrometheusMetricsSource } from '../../src/prometheus/metrics-source.js';
import { PrometheusClient } from '../../src/prometheus/prometheus-client.js';
import { buildHttpServer } from '../../src/server/http-server.js';
import { groupedTruth, startGroupedPrometheus, TENANT_SCENARIO, type GroupedTruth } from '../helpers/grouped-traffic.js';
import { countTolerance } from '../helpers/truth.js';
import { cellData, groupRows, parseSamples, sampleValue, samplesWith, type ParsedSample } from './grouped-helpers.js';
import { AT_MS, memoryLogger, serverDeps, testConfig } from './helpers.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const at = (iso: string) => Date.parse(iso);
const AT = AT_MS; // 2026-11-01T00:00:00Z, the server helpers' evaluation instant

const SCENARIO = TENANT_SCENARIO;
const TENANTS = SCENARIO.tenants.map((t) => t.tenant);

const query = (by: string, code?: string) => `sum${by}(increase(api_requests_total${code === undefined ? '' : `{code="${code}"}`}[{{.window}}]))`;
const GROUPED: SloDefinition = {
  name: 'tenant-availability', service: 'api', description: '', objectiveRatio: 0.999, windowMs: 30 * DAY,
  groupBy: ['tenant'], maxGroups: 1000,
  sli: { kind: 'events', badQuery: query(' by (tenant) ', '500'), totalQuery: query(' by (tenant) ') },
};
const WHOLE: SloDefinition = { name: 'availability', service: 'api', description: '', objectiveRatio: 0.999, windowMs: 30 * DAY, sli: { kind: 'events', badQuery: query('', '500'), totalQuery: query('') } };
const METRICS_WINDOWS = { '1h': HOUR, '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY } as const;
const TOLERANCE = { relative: 5e-4, scrapeIntervalMs: 30_000, bucketMs: 5 * MINUTE };

describe('the server\'s groups against a real Prometheus with known per-tenant counts', () => {
  let prometheus: RunningPrometheus;
  let truth: GroupedTruth;
  let dir: string;
  let ledger: LedgerStores;
  let app: FastifyInstance;
  let metrics: ParsedSample[];

  /** The ledger's own sums of a series over (AT − window, AT]: what every figure must be computed from. */
  const ledgerSums = async (seriesId: number, windowMs: number) => {
    const s = await ledger.buckets.sumWindow(seriesId, AT - windowMs, AT, false);
    return { good: Math.min(Math.max(s.good, 0), s.total), total: s.total };
  };
  const groupsInLedger = () => ledger.buckets.listGroups(GROUPED);
  /** Budget consumed in the SLO window, straight from the ledger's sums: (total − good) / ((1 − objective) × total). */
  const consumed = async (seriesId: number) => {
    const s = await ledgerSums(seriesId, GROUPED.windowMs);
    return s.total === 0 ? 0 : (s.total - s.good) / ((1 - GROUPED.objectiveRatio) * s.total);
  };

  beforeAll(async () => {
    ({ prometheus, truth } = await startGroupedPrometheus(SCENARIO));
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-grouped-server-'));
    ledger = openLedger(join(dir, 'ledger.db'));
    const source = new PrometheusMetricsSource(new PrometheusClient({ url: prometheus.url, timeoutMs: 30_000 }));
    for (let i = 0; i < 2; i++) {
      const result = await syncLedger({ buckets: ledger.buckets, source, slos: [GROUPED, WHOLE], clock: systemClock, timeZone: 'UTC', atMs: AT, retentionMs: 400 * DAY });
      expect(result.slos.map((s) => s.error)).toEqual([undefined, undefined]);
    }
    const config = testConfig({ reportsDir: join(dir, 'reports') });
    config.slos = [GROUPED, WHOLE];
    app = buildHttpServer(serverDeps(config, ledger, memoryLogger([]).logger));
    metrics = parseSamples((await app.inject({ url: '/metrics' })).body);
  }, 300_000);

  afterAll(async () => {
    await app?.close();
    await ledger?.close();
    await prometheus?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('/metrics', () => {
    const own = { slo: GROUPED.name, service: 'api' };

    it('has one sample per tenant and window, with the tenant label beside the SLO\'s, equal to the ledger and to the truth', async () => {
      expect((await groupsInLedger()).map((g) => g.labels.tenant)).toEqual(TENANTS);
      for (const [window, windowMs] of Object.entries(METRICS_WINDOWS)) {
        const groupTotals = samplesWith(metrics, 'slo_ledger_events_total', { ...own, window, kind: 'total' }).filter((s) => 'tenant' in s.labels);
        expect(groupTotals.map((s) => s.labels.tenant).sort(), window).toEqual(TENANTS);
        for (const { seriesId, labels } of await groupsInLedger()) {
          const tenant = labels.tenant!;
          const l = { ...own, tenant, window };
          const sums = await ledgerSums(seriesId, windowMs);
          expect(sampleValue(metrics, 'slo_ledger_events_total', { ...l, kind: 'total' }), `${tenant} ${window}`).toBe(sums.total);
          expect(sampleValue(metrics, 'slo_ledger_events_total', { ...l, kind: 'good' }), `${tenant} ${window}`).toBe(sums.good);
          if (sums.total > 0) expect(sampleValue(metrics, 'slo_ledger_sli_ratio', l)).toBeCloseTo(sums.good / sums.total, 12);
          else expect(samplesWith(metrics, 'slo_ledger_sli_ratio', l, true)).toEqual([]);
          // And the ledger's sums are the truth, within the tolerance the ledger meets (see test/app/grouped-slo.test.ts).
          const expected = groupedTruth(truth, AT - windowMs, AT, tenant);
          const of = (key: 'total' | 'bad') => (from: number, to: number) => groupedTruth(truth, from, to, tenant)[key];
          expect(Math.abs(sums.total - expected.total), `${tenant} ${window} total`).toBeLessThanOrEqual(countTolerance(AT - windowMs, AT, of('total'), TOLERANCE));
          expect(Math.abs(sums.total - sums.good - expected.bad), `${tenant} ${window} bad`).toBeLessThanOrEqual(countTolerance(AT - windowMs, AT, of('bad'), TOLERANCE));
        }
      }
    });

    it('gives each tenant its tier over the SLO window: t20, which breached, is warning', async () => {
      for (const { seriesId, labels } of await groupsInLedger()) {
        const sums = await ledgerSums(seriesId, GROUPED.windowMs);
        const missed = sums.total > 0 && sums.good / sums.total < GROUPED.objectiveRatio;
        expect(sampleValue(metrics, 'slo_ledger_tier', { ...own, tenant: labels.tenant! }), labels.tenant).toBe(missed ? 1 : 0);
      }
      expect(sampleValue(metrics, 'slo_ledger_tier', { ...own, tenant: 't20' })).toBe(1);
    });

    it('keeps the SLO\'s own samples, and those of an SLO without group_by, as they were', async () => {
      const ownSeries = (await ledger.buckets.findSeries(GROUPED))!;
      const wholeSeries = (await ledger.buckets.findSeries(WHOLE))!;
      for (const [window, windowMs] of Object.entries(METRICS_WINDOWS)) {
        expect(sampleValue(metrics, 'slo_ledger_events_total', { ...own, window, kind: 'total' })).toBe((await ledgerSums(ownSeries, windowMs)).total);
        expect(sampleValue(metrics, 'slo_ledger_events_total', { slo: WHOLE.name, service: 'api', window, kind: 'total' })).toBe((await ledgerSums(wholeSeries, windowMs)).total);
      }
      expect(metrics.filter((s) => s.labels.slo === WHOLE.name && 'tenant' in s.labels)).toEqual([]);
      expect(metrics.filter((s) => s.name.startsWith('slo_ledger_') && Number.isNaN(s.value))).toEqual([]);
    });

    it('has no tenant samples with server.metrics_groups: false', async () => {
      const config = testConfig({ reportsDir: join(dir, 'reports') });
      config.slos = [GROUPED, WHOLE];
      config.server.metricsGroups = false;
      const off = buildHttpServer(serverDeps(config, ledger, memoryLogger([]).logger));
      const samples = parseSamples((await off.inject({ url: '/metrics' })).body);
      await off.close();
      expect(samples.filter((s) => 'tenant' in s.labels)).toEqual([]);
      expect(sampleValue(samples, 'slo_ledger_events_total', { ...own, window: '24h', kind: 'total' })).toBe(sampleValue(metrics, 'slo_ledger_events_total', { ...own, window: '24h', kind: 'total' }));
    });
  });

  describe('API', () => {
    const get = async (url: string) => (await app.inject({ url })).json();

    it('lists every tenant of the grouped SLO with the ledger\'s figures, and none for the SLO without group_by', async () => {
      const body = await get('/api/v1/slos?window=24h');
      const [grouped, whole] = body.slos;
      expect(grouped.group_by).toEqual(['tenant']);
      expect(grouped.groups.map((g: { labels: GroupLabels }) => g.labels.tenant)).toEqual(TENANTS);
      for (const { seriesId, labels } of await groupsInLedger()) {
        const g = grouped.groups.find((x: { labels: GroupLabels }) => x.labels.tenant === labels.tenant);
        expect(g.windows[0]).toMatchObject(await ledgerSums(seriesId, DAY));
      }
      expect(whole).not.toHaveProperty('groups');
    });

    it('filters the groups with ?group=tenant=t20, which missed its objective while the SLO met it', async () => {
      const body = await get(`/api/v1/slos/${GROUPED.name}?window=24h&group=tenant=t20`);
      const slo = body.slos[0];
      expect(slo.groups.map((g: { labels: GroupLabels }) => g.labels)).toEqual([{ tenant: 't20' }]);
      expect(slo.groups[0].windows[0].objective_met).toBe(false);
      expect(slo.windows[0].objective_met).toBe(true);
      const t20 = groupedTruth(truth, AT - DAY, AT, 't20');
      expect(Math.abs(slo.groups[0].windows[0].total - t20.total)).toBeLessThan(0.01 * t20.total);
      expect((await get(`/api/v1/slos/${GROUPED.name}?group=tenant=nobody`)).slos[0].groups).toEqual([]);
    });

    it('gives the series of one tenant, whose points agree with the evaluation of that tenant', async () => {
      const series = await get(`/api/v1/slos/${GROUPED.name}/series?group=tenant=t20&window=24h&step=1h&from=2026-10-31T00:00:00Z&to=2026-11-01T00:00:00Z`);
      expect(series.group).toEqual({ tenant: 't20' });
      expect(series.points).toHaveLength(25);
      for (const point of [series.points.at(-1), series.points[9]]) {
        const atMs = Date.parse(point.at);
        const [status] = await evaluateSlos(ledger.buckets, [GROUPED], [parseWindowSpec('24h')], atMs, 'UTC', { groups: { tenant: 't20' } });
        const w = status!.groups![0]!.windows[0]!;
        expect(point.total).toBeCloseTo(w.total, 6);
        expect(point.good).toBeCloseTo(w.good, 6);
        expect(point.sli).toBeCloseTo(w.sliRatio!, 12);
        expect(point.error_budget_remaining).toBeCloseTo(w.errorBudget.remainingRatio!, 9);
        expect(point.coverage).toBe(w.coverageRatio);
      }
      // The SLO's own series, for contrast: the sum over thirty tenants, which t20 is a small part of.
      const whole = await get(`/api/v1/slos/${GROUPED.name}/series?window=24h&step=1h&from=2026-10-31T00:00:00Z`);
      expect(whole).not.toHaveProperty('group');
      expect(whole.points.at(-1).total).toBeGreaterThan(10 * series.points.at(-1).total);
      const missing = await app.inject({ url: `/api/v1/slos/${GROUPED.name}/series?group=tenant=t99` });
      expect(missing.statusCode).toBe(404);
    });
  });

  describe('status page', () => {
    it('lists the five tenants that consumed the most budget first, and links to all thirty', async () => {
      const body = (await app.inject({ url: '/' })).body;
      const section = body.slice(body.indexOf(`data-slo="${GROUPED.name}"`), body.indexOf(`data-slo="${WHOLE.name}"`));
      const expected = (await Promise.all((await groupsInLedger()).map(async (g) => ({ tenant: g.labels.tenant!, consumed: await consumed(g.seriesId) }))))
        .sort((a, b) => b.consumed - a.consumed);
      // The five worst are clearly apart from the sixth, so the order does not depend on ties.
      expect(expected[4]!.consumed).toBeGreaterThan(expected[5]!.consumed);
      const rows = groupRows(section);
      expect(rows.map((r) => r.group)).toEqual(expected.slice(0, 5).map((e) => `tenant=${e.tenant}`));
      expect(rows[0]!.group).toBe('tenant=t20');
      const bySeries = new Map((await groupsInLedger()).map((g) => [`tenant=${g.labels.tenant}`, g.seriesId]));
      for (const { group, row } of rows) {
        const sums = await ledgerSums(bySeries.get(group)!, GROUPED.windowMs);
        const sli = sums.good / sums.total;
        expect(Number(cellData(row, 'sli')), group).toBeCloseTo(sli, 12);
        expect(Number(cellData(row, 'remaining')), group).toBeCloseTo(1 - (await consumed(bySeries.get(group)!)), 9);
        expect(cellData(row, 'tier'), group).toBe(sli < GROUPED.objectiveRatio ? 'warning' : 'ok');
      }
      expect(section).toContain(`<a href="slos/${GROUPED.name}/groups" data-link="groups">all 30 groups</a>`);
      expect(groupRows(body.slice(body.indexOf(`data-slo="${WHOLE.name}"`)))).toEqual([]);
    });

    it('lists all thirty tenants on the linked page, worst first, with the ledger\'s figures', async () => {
      const response = await app.inject({ url: `/slos/${GROUPED.name}/groups` });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-security-policy']).toContain("default-src 'none'");
      const rows = groupRows(response.body);
      expect(rows.map((r) => r.group).sort()).toEqual(TENANTS.map((t) => `tenant=${t}`));
      const bySeries = new Map((await groupsInLedger()).map((g) => [`tenant=${g.labels.tenant}`, g.seriesId]));
      const shown = await Promise.all(rows.map((r) => consumed(bySeries.get(r.group)!)));
      for (let i = 1; i < shown.length; i++) expect(shown[i - 1]!).toBeGreaterThanOrEqual(shown[i]!);
      for (const { group, row } of rows) {
        const sums = await ledgerSums(bySeries.get(group)!, GROUPED.windowMs);
        expect(Number(cellData(row, 'events', 'total')), group).toBe(sums.total);
        expect(Number(cellData(row, 'events', 'good')), group).toBe(sums.good);
      }
    });
  });
});
