import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateSlos } from '../../src/app/evaluate-slos.js';
import type { SloStatus } from '../../src/domain/slo-status.js';
import { ServiceMetrics, metricsWindowsFor, sloSamples } from '../../src/server/metrics.js';
import { AT_MS, knownLedger, memoryLogger, parseMetrics, serverDeps, testConfig } from './helpers.js';

const config = testConfig();
const ledger = await knownLedger(config);
afterAll(() => ledger.close());

const labels = (slo: string, window: string) => `{slo="${slo}",service="rendiff-api",window="${window}"}`;

describe('/metrics rendering from the ledger', () => {
  const { logger } = memoryLogger([]);
  const deps = serverDeps(config, ledger, logger);
  const metrics = new ServiceMetrics(deps);

  it('reports SLI, budget, burn rate and events per window as the hand-computed ground truth', async () => {
    const m = parseMetrics(await metrics.render());
    const a = (window: string) => labels('api-availability', window);
    expect(m.get(`slo_ledger_sli_ratio${a('1h')}`)).toBeCloseTo(0.999, 12);
    expect(m.get(`slo_ledger_burn_rate${a('1h')}`)).toBeCloseTo(1, 9);
    expect(m.get(`slo_ledger_error_budget_remaining_ratio${a('1h')}`)).toBeCloseTo(0, 9);
    expect(m.get(`slo_ledger_sli_ratio${a('24h')}`)).toBeCloseTo(1 - 12 / 288_000, 12);
    expect(m.get(`slo_ledger_error_budget_remaining_ratio${a('24h')}`)).toBeCloseTo(1 - 12 / 288, 9);
    expect(m.get(`slo_ledger_burn_rate${a('30d')}`)).toBeCloseTo(12 / 288, 9);
    expect(m.get(`slo_ledger_events_total{slo="api-availability",service="rendiff-api",window="7d",kind="total"}`)).toBe(288_000);
    expect(m.get(`slo_ledger_events_total{slo="api-availability",service="rendiff-api",window="7d",kind="good"}`)).toBe(287_988);
    expect(m.get(`slo_ledger_objective_ratio${a('30d')}`)).toBe(0.999);
    expect(m.get('slo_ledger_tier{slo="api-availability",service="rendiff-api"}')).toBe(0);
  });

  it('leaves out the SLI, budget and burn rate of a window without traffic instead of writing 0 or NaN', async () => {
    const m = parseMetrics(await metrics.render());
    const l = labels('job-success', '24h');
    expect(m.has(`slo_ledger_sli_ratio${l}`)).toBe(false);
    expect(m.has(`slo_ledger_burn_rate${l}`)).toBe(false);
    expect(m.has(`slo_ledger_error_budget_remaining_ratio${l}`)).toBe(false);
    expect(m.get(`slo_ledger_events_total{slo="job-success",service="rendiff-api",window="24h",kind="total"}`)).toBe(0);
    expect([...m].filter(([k, v]) => k.startsWith('slo_ledger_') && Number.isNaN(v))).toEqual([]);
  });

  it('uses only the labels slo, service, window (and kind, severity) on SLO metrics', async () => {
    const text = await metrics.render();
    for (const line of text.split('\n').filter((l) => l.startsWith('slo_ledger_') && l.includes('{') && !l.includes('_bucket'))) {
      const names = [...line.matchAll(/([a-z_]+)="/g)].map((x) => x[1]);
      for (const name of names) expect(['slo', 'service', 'window', 'kind', 'severity', 'le']).toContain(name);
    }
  });

  it('exposes its own health: sync durations, query errors per SLO, outbox backlog and the last successful sync', async () => {
    const before = parseMetrics(await metrics.render());
    expect(before.get('slo_ledger_prometheus_query_errors_total{slo="api-latency"}')).toBe(0);
    expect(before.get('slo_ledger_last_successful_sync_timestamp_seconds')).toBe(0);
    expect(before.get('slo_ledger_outbox_backlog')).toBe(0);
    deps.health.record({ endedAtMs: 1_800_000_000_000, durationMs: 1500, ok: true, failures: [] });
    deps.health.record({ endedAtMs: 1_800_000_060_000, durationMs: 300, ok: false, failures: [{ slo: 'api-latency', error: 'connection refused' }] });
    const after = parseMetrics(await metrics.render());
    expect(after.get('slo_ledger_prometheus_query_errors_total{slo="api-latency"}')).toBe(1);
    expect(after.get('slo_ledger_last_successful_sync_timestamp_seconds')).toBe(1_800_000_000);
    expect(after.get('slo_ledger_tick_duration_seconds_count')).toBe(2);
    expect(after.get('slo_ledger_tick_duration_seconds_sum')).toBeCloseTo(1.8, 9);
    expect(after.get('slo_ledger_tick_duration_seconds_bucket{le="1"}')).toBe(1);
  });

  it('writes the registry once for the scrapes of one event-loop turn, and again for a later scrape', async () => {
    let backlog = 3;
    // A ledger revision: the SLO gauges are kept, so only the registry is written per scrape.
    const shared = new ServiceMetrics({ ...serverDeps(config, ledger, logger), outboxBacklog: async () => backlog, ledgerRevision: () => 'r1' });
    await shared.render();
    let written = 0;
    const write = shared.registry.metrics.bind(shared.registry);
    shared.registry.metrics = () => {
      written++;
      return write();
    };
    // Five scrapes read in one turn, each in a callback of its own (as requests on five connections are).
    const scrapes = await Promise.all(
      Array.from({ length: 5 }, () => new Promise<Buffer[]>((resolve, reject) => setImmediate(() => shared.renderChunks().then(resolve, reject)))),
    );
    expect(written).toBe(1);
    // The very buffer, sent by every scrape of that turn.
    expect(new Set(scrapes.map(([, registry]) => registry)).size).toBe(1);
    expect(parseMetrics(scrapes[0]!.map(String).join('')).get('slo_ledger_outbox_backlog')).toBe(3);
    backlog = 4;
    expect(parseMetrics(await shared.render()).get('slo_ledger_outbox_backlog')).toBe(4);
    expect(written).toBe(2);
    shared.close();
  });

  it('keeps the text of the per-SLO metrics until a sync ends, and writes it again after', async () => {
    const own = serverDeps(config, ledger, logger);
    const kept = new ServiceMetrics({ ...own, ledgerRevision: () => 'r1' });
    const first = await kept.renderChunks();
    const second = await kept.renderChunks();
    // The same buffer (not an equal copy) for every scrape between two syncs.
    expect(second[2]).toBe(first[2]);
    expect(parseMetrics(Buffer.concat(second).toString()).get('slo_ledger_slo_no_series{slo="job-success"}')).toBe(0);
    own.health.record({ endedAtMs: 1_800_000_120_000, durationMs: 10, ok: true, failures: [], noSeries: [{ slo: 'job-success', fromMs: 0, toMs: 1 }] });
    const after = await kept.renderChunks();
    expect(after[2]).not.toBe(first[2]);
    expect(parseMetrics(Buffer.concat(after).toString()).get('slo_ledger_slo_no_series{slo="job-success"}')).toBe(1);
    kept.close();
  });

  it('reads the outbox backlog through the hook when one is given', async () => {
    const withOutbox = new ServiceMetrics({ ...serverDeps(config, ledger, logger), outboxBacklog: async () => 7 });
    expect(parseMetrics(await withOutbox.render()).get('slo_ledger_outbox_backlog')).toBe(7);
  });
});

describe('sloSamples', () => {
  let statuses: SloStatus[];
  beforeAll(async () => {
    statuses = await evaluateSlos(ledger.buckets, config.slos, metricsWindowsFor(30 * 86_400_000), AT_MS, 'UTC');
  });

  it('reports every SLO over 1h, 24h, 7d and 30d, and its own window only once', () => {
    expect(metricsWindowsFor(30 * 86_400_000).map((w) => w.name)).toEqual(['1h', '24h', '7d', '30d']);
    expect(metricsWindowsFor(28 * 86_400_000).map((w) => w.name)).toEqual(['1h', '24h', '7d', '30d', '4w']);
  });

  it('has no alert samples until alert states are known, then one per severity', () => {
    expect(sloSamples(statuses, undefined).some((s) => s.metric === 'alert_firing')).toBe(false);
    const alerts = new Map([['api-availability', { state: 'firing' as const, severity: 'ticket' as const }]]);
    const firing = sloSamples(statuses, alerts).filter((s) => s.metric === 'alert_firing');
    expect(firing).toEqual([
      { metric: 'alert_firing', labels: { slo: 'api-availability', service: 'rendiff-api', severity: 'page' }, value: 0 },
      { metric: 'alert_firing', labels: { slo: 'api-availability', service: 'rendiff-api', severity: 'ticket' }, value: 1 },
    ]);
  });

  it('maps tiers to 0 ok, 1 warning, 2 critical from the SLO window', () => {
    const status = statuses[0]!;
    const critical = { ...status, windows: status.windows.map((w) => ({ ...w, tier: 'critical' as const })) };
    expect(sloSamples([critical], undefined).find((s) => s.metric === 'tier')?.value).toBe(2);
  });
});
