import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateSlos } from '../../src/app/evaluate-slos.js';
import { syncLedger } from '../../src/app/sync-ledger.js';
import { systemClock } from '../../src/domain/clock.js';
import type { SloDefinition } from '../../src/domain/slo.js';
import type { SloStatus, StatusWindow } from '../../src/domain/slo-status.js';
import { parseWindowSpec } from '../../src/domain/window.js';
import type { RunningPrometheus } from '../../src/fixture/prometheus-server.js';
import type { LedgerStores } from '../../src/ledger/ledger-stores.js';
import { openLedger } from '../../src/ledger/open-ledger.js';
import { PrometheusMetricsSource } from '../../src/prometheus/metrics-source.js';
import { PrometheusClient } from '../../src/prometheus/prometheus-client.js';
import { runCli } from '../helpers/cli.js';
import { groupedTruth, startGroupedPrometheus, TENANT_SCENARIO, type GroupedTruth } from '../helpers/grouped-traffic.js';
import { countTolerance } from '../helpers/truth.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const at = (iso: string) => Date.parse(iso);
const AT = at('2026-11-01T00:00:00Z');

const SCENARIO = TENANT_SCENARIO;

const query = (by: string, code?: string) =>
  `sum${by}(increase(api_requests_total${code === undefined ? '' : `{code="${code}"}`}[{{.window}}]))`;
const GROUPED: SloDefinition = {
  name: 'tenant-availability', service: 'api', description: '', objectiveRatio: 0.999, windowMs: 30 * DAY,
  groupBy: ['tenant'], maxGroups: 1000,
  sli: { kind: 'events', badQuery: query(' by (tenant) ', '500'), totalQuery: query(' by (tenant) ') },
};
const WHOLE: SloDefinition = { ...GROUPED, name: 'availability', groupBy: undefined, maxGroups: undefined, sli: { kind: 'events', badQuery: query('', '500'), totalQuery: query('') } };
delete WHOLE.groupBy;
delete WHOLE.maxGroups;
const WINDOWS = ['1h', '6h', '24h', '3d'].map(parseWindowSpec);
const TOLERANCE = { relative: 5e-4, scrapeIntervalMs: 30_000, bucketMs: 5 * MINUTE };

function checkAgainstTruth(w: StatusWindow, truth: GroupedTruth, tenant: string | undefined, label: string): void {
  const trueCounts = groupedTruth(truth, w.startMs, w.endMs, tenant);
  const totalOf = (from: number, to: number) => groupedTruth(truth, from, to, tenant).total;
  const badOf = (from: number, to: number) => groupedTruth(truth, from, to, tenant).bad;
  expect(Math.abs(w.total - trueCounts.total), `${label}: total ${w.total} vs true ${trueCounts.total}`).toBeLessThanOrEqual(countTolerance(w.startMs, w.endMs, totalOf, TOLERANCE));
  const bad = w.total - w.good;
  expect(Math.abs(bad - trueCounts.bad), `${label}: bad ${bad} vs true ${trueCounts.bad}`).toBeLessThanOrEqual(countTolerance(w.startMs, w.endMs, badOf, TOLERANCE));
  expect(w.coverageRatio, label).toBe(1);
}

describe('grouped SLOs against a real Prometheus with known per-tenant counts', () => {
  let prometheus: RunningPrometheus;
  let truth: GroupedTruth;
  let dir: string;
  let ledger: LedgerStores;
  let source: PrometheusMetricsSource;
  let early: Awaited<ReturnType<typeof syncLedger>>;
  let earlyTenants: string[];
  let statuses: SloStatus[];

  const sync = (slos: SloDefinition[], atMs: number) =>
    syncLedger({ buckets: ledger.buckets, source, slos, clock: systemClock, timeZone: 'UTC', atMs, retentionMs: 400 * DAY });

  beforeAll(async () => {
    ({ prometheus, truth } = await startGroupedPrometheus(SCENARIO));
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-grouped-'));
    ledger = openLedger(join(dir, 'ledger.db'));
    source = new PrometheusMetricsSource(new PrometheusClient({ url: prometheus.url, timeoutMs: 30_000 }));
    // A first tick before t12 exists, then the tick that discovers it, then the next one.
    early = await sync([GROUPED, WHOLE], at('2026-10-30T06:00:00Z'));
    earlyTenants = (await ledger.buckets.listGroups(GROUPED)).map((g) => String(g.labels.tenant)).sort();
    await sync([GROUPED, WHOLE], AT);
    await sync([GROUPED, WHOLE], AT);
    statuses = await evaluateSlos(ledger.buckets, [GROUPED, WHOLE], WINDOWS, AT, 'UTC', { groups: {} });
  }, 300_000);

  afterAll(async () => {
    await ledger?.close();
    await prometheus?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('discovers groups as they appear: 29 tenants before t12 exists, all 30 afterwards', () => {
    expect(early.slos.map((s) => s.error)).toEqual([undefined, undefined]);
    expect(earlyTenants).toEqual(SCENARIO.tenants.map((t) => t.tenant).filter((t) => t !== 't12'));
    expect(statuses[0]!.groups!.map((g) => g.labels.tenant)).toEqual(SCENARIO.tenants.map((t) => t.tenant));
  });

  it('books every tenant\'s events within the ledger\'s tolerance over 1h, 6h, 24h (with the reconciled gap) and 3d', () => {
    for (const group of statuses[0]!.groups!) {
      for (const w of group.windows) checkAgainstTruth(w, truth, group.labels.tenant, `${group.labels.tenant} ${w.window}`);
    }
  });

  it('gives the SLO the ratio of sums over its groups, equal to the same SLO without group_by', () => {
    const [grouped, whole] = statuses;
    const relative = (a: number, b: number) => Math.abs(a - b) / b;
    grouped!.windows.forEach((w, i) => {
      const sumTotal = grouped!.groups!.reduce((n, g) => n + g.windows[i]!.total, 0);
      const sumGood = grouped!.groups!.reduce((n, g) => n + g.windows[i]!.good, 0);
      expect(relative(w.total, sumTotal)).toBeLessThan(1e-9);
      // Good is clamped to [0, total] per bucket, per group and for the whole: a hair apart at most.
      expect(relative(w.good, sumGood)).toBeLessThan(1e-6);
      expect(relative(w.total, whole!.windows[i]!.total)).toBeLessThan(1e-9);
      expect(relative(w.good, whole!.windows[i]!.good)).toBeLessThan(1e-9);
      checkAgainstTruth(w, truth, undefined, `whole ${w.window}`);
    });
  });

  it('puts the breaching tenant in breach while the SLO as a whole meets its objective', () => {
    const day = (tenant: string) => statuses[0]!.groups!.find((g) => g.labels.tenant === tenant)!.windows[2]!;
    expect(day('t20').objectiveMet).toBe(false);
    expect(day('t20').tier).toBe('warning');
    expect(statuses[0]!.windows[2]!.objectiveMet).toBe(true);
    expect(statuses[0]!.windows[2]!.tier).toBe('ok');
  });

  it('reports no SLI for a tenant without traffic and for one that left, and keeps the history of the one that left', () => {
    const group = (tenant: string) => statuses[0]!.groups!.find((g) => g.labels.tenant === tenant)!;
    for (const w of group('t07').windows) expect(w).toMatchObject({ total: 0, sliRatio: null });
    expect(group('t25').windows[2]).toMatchObject({ total: 0, sliRatio: null, coverageRatio: 1 });
    expect(group('t25').windows[3]!.total).toBeGreaterThan(0);
  });

  it('backfills every group in the sync that discovers it: a second sync at the same instant fetches nothing', async () => {
    const fresh = openLedger(join(dir, 'fresh.db'));
    try {
      const once = () => syncLedger({ buckets: fresh.buckets, source, slos: [GROUPED], clock: systemClock, timeZone: 'UTC', atMs: AT, retentionMs: 400 * DAY });
      expect((await once()).slos[0]!.error).toBeUndefined();
      expect((await once()).slos[0]!.fetchedBuckets).toBe(0);
      const [status] = await evaluateSlos(fresh.buckets, [GROUPED], WINDOWS, AT, 'UTC', { groups: {} });
      expect(status!.groups).toHaveLength(30);
      for (const group of status!.groups!) checkAgainstTruth(group.windows[3]!, truth, group.labels.tenant, `fresh ${group.labels.tenant} 3d`);
    } finally {
      await fresh.close();
    }
  });

  it('fails the sync of an SLO with more groups than max_groups, naming the count and the limit, and syncs the others', async () => {
    const bounded: SloDefinition = { ...GROUPED, name: 'bounded', maxGroups: 10 };
    const result = await sync([bounded, WHOLE], AT);
    // The first answer with more than ten groups fails it: 29 or 30 tenants, by where the chunk falls (t12 arrives later).
    const seen = /SLO bounded: (\d+) groups by \[tenant\] exceed max_groups 10; raise max_groups/.exec(result.slos[0]!.error ?? '');
    expect(Number(seen?.[1])).toBeGreaterThanOrEqual(29);
    expect(Number(seen?.[1])).toBeLessThanOrEqual(30);
    expect(result.slos[1]!.error).toBeUndefined();
  });

  it('refuses a query whose series carry labels beyond group_by, naming them', async () => {
    const mixed: SloDefinition = { ...GROUPED, name: 'mixed', sli: { kind: 'events', badQuery: query(' by (tenant) ', '500'), totalQuery: query(' by (tenant, code) ') } };
    const result = await sync([mixed], AT);
    expect(result.slos[0]!.error).toMatch(/SLO mixed: the query returned a series with the labels \{code, tenant\}, but the SLO groups by \[tenant\]/);
  });

  it('prints the groups through the JSON contract and CSV of the real CLI, filtered with --group', async () => {
    const config = join(dir, 'grouped.yaml');
    writeFileSync(config, [
      'slos:',
      '  - name: tenant-availability',
      '    service: api',
      '    objective: 99.9',
      '    group_by: [tenant]',
      '    sli:',
      '      events:',
      `        bad_query: '${GROUPED.sli.kind === 'events' ? GROUPED.sli.badQuery : ''}'`,
      `        total_query: '${GROUPED.sli.kind === 'events' ? GROUPED.sli.totalQuery : ''}'`,
      '',
    ].join('\n'));
    const base = ['--config', config, '--prometheus', prometheus.url, '--db', join(dir, 'ledger.db')];
    const json = await runCli([...base, 'report', '--at', '2026-11-01T00:00:00Z', '--windows', '24h', '--format', 'json', '--group', 'tenant=t20', '--offline']);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const slo = JSON.parse(json.stdout).slos[0];
    expect(slo.group_by).toEqual(['tenant']);
    expect(slo.groups.map((g: { labels: unknown }) => g.labels)).toEqual([{ tenant: 't20' }]);
    const w = slo.groups[0].windows[0];
    const t20 = groupedTruth(truth, AT - DAY, AT, 't20');
    expect(Math.abs(w.total - t20.total)).toBeLessThan(0.01 * t20.total);
    expect(w.objective_met).toBe(false);
    const csv = await runCli([...base, 'report', '--at', '2026-11-01T00:00:00Z', '--windows', '24h', '--format', 'csv', '--offline']);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^slo,service,label_tenant,window,/);
    expect(lines).toHaveLength(1 + 1 + 30);
    expect(lines[1]).toMatch(/^tenant-availability,api,,24h,/);
    // The table: the SLO's own row, its five worst groups (t20 first: it burnt the most), the rest counted.
    const table = await runCli([...base, 'report', '--at', '2026-11-01T00:00:00Z', '--windows', '24h', '--offline']);
    const rows = table.stdout.trim().split('\n');
    expect(rows[1]).toMatch(/^tenant-availability\s+24h\s/);
    expect(rows[2]).toMatch(/^\s+tenant=t20\s+24h\s/);
    expect(rows.slice(2, 7).every((r) => /^\s+tenant=t\d\d\s+24h\s/.test(r))).toBe(true);
    expect(rows[7]).toBe('  … 25 more groups of tenant-availability (--format json or csv lists them)');
  });

  it('refuses at config check an events query that does not aggregate by group_by, at its line', async () => {
    const config = join(dir, 'bad.yaml');
    writeFileSync(config, [
      'slos:',
      '  - name: per-tenant',
      '    service: api',
      '    objective: 99.9',
      '    group_by: [tenant]',
      '    sli:',
      '      events:',
      '        bad_query: sum(increase(api_requests_total{code="500"}[{{.window}}]))',
      '        total_query: sum by (tenant) (increase(api_requests_total[{{.window}}]))',
      '',
    ].join('\n'));
    const check = await runCli(['config', 'check', config]);
    expect(check.code).toBe(2);
    expect(check.stderr).toContain(`${config}:8:20: slos[0].sli.events.bad_query: with group_by [tenant] this query must aggregate by exactly those labels`);
    expect(check.stderr).toContain('its outermost aggregation has no by (…)');
  });
});
