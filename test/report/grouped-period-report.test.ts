import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePeriodReport, type PeriodReportResult } from '../../src/app/period-report.js';
import { loadConfig } from '../../src/config/load-config.js';
import { resolvePeriod } from '../../src/domain/period.js';
import type { RunningPrometheus } from '../../src/fixture/prometheus-server.js';
import type { GroupReport, PeriodReport } from '../../src/report/period-report.js';
import { openAdapters, type OpenAdapters } from '../../src/runtime/open-adapters.js';
import { groupedTruth, startGroupedPrometheus, TENANT_SCENARIO, type GroupedTruth } from '../helpers/grouped-traffic.js';
import { countTolerance } from '../helpers/truth.js';
import { htmlNestingProblems } from './images.js';

const run = promisify(execFile);
const MINUTE = 60_000;
const BUCKET = 5 * MINUTE;
const at = (iso: string) => Date.parse(iso);
const FROM = at('2026-10-29T00:00:00Z');
const TO = at('2026-11-01T00:00:00Z');
const GENERATED_AT = at('2026-11-01T06:00:00Z');
const BURST = { startMs: at('2026-10-31T06:00:00Z'), endMs: at('2026-10-31T09:00:00Z') };

const SCENARIO = TENANT_SCENARIO;
/** The ledger's tolerance against the truth, as in test/app/grouped-slo.test.ts. */
const TOLERANCE = { relative: 5e-4, scrapeIntervalMs: 30_000, bucketMs: 5 * MINUTE };
const OBJECTIVE = 0.999;

const query = (by: string, code?: string) =>
  `sum${by}(increase(api_requests_total${code === undefined ? '' : `{code="${code}"}`}[{{.window}}]))`;
const CONFIG = [
  'slos:',
  '  - name: tenant-availability',
  '    service: api',
  '    objective: 99.9',
  '    group_by: [tenant]',
  '    sli:',
  '      events:',
  `        bad_query: '${query(' by (tenant) ', '500')}'`,
  `        total_query: '${query(' by (tenant) ')}'`,
  '  - name: availability',
  '    service: api',
  '    objective: 99.9',
  '    sli:',
  '      events:',
  `        bad_query: '${query('', '500')}'`,
  `        total_query: '${query('')}'`,
  '',
].join('\n');

describe('period report of a grouped SLO from a real Prometheus with known per-tenant counts', () => {
  let prometheus: RunningPrometheus;
  let truth: GroupedTruth;
  let dir: string;
  let adapters: OpenAdapters;
  let result: PeriodReportResult;
  let report: PeriodReport;
  const grouped = () => report.slos.find((s) => s.name === 'tenant-availability')!;
  const group = (tenant: string): GroupReport => grouped().groups!.find((g) => g.labels.tenant === tenant)!;
  const tolerance = (fromMs: number, toMs: number, tenant: string | undefined, which: 'total' | 'bad') =>
    countTolerance(fromMs, toMs, (a, b) => groupedTruth(truth, a, b, tenant)[which], TOLERANCE);

  beforeAll(async () => {
    ({ prometheus, truth } = await startGroupedPrometheus(SCENARIO));
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-grouped-report-'));
    writeFileSync(join(dir, 'config.yaml'), CONFIG);
    const config = loadConfig({ file: join(dir, 'config.yaml'), env: {} });
    config.prometheus.url = prometheus.url;
    config.databasePath = join(dir, 'ledger.db');
    adapters = openAdapters(config, { nowMs: () => GENERATED_AT });
    result = await generatePeriodReport(adapters, {
      period: resolvePeriod({ kind: 'range', fromMs: FROM, toMs: TO }, GENERATED_AT, 'UTC'),
      generatedAtMs: GENERATED_AT,
      offline: false,
      formats: ['pdf', 'html', 'json'],
      outDir: join(dir, 'out'),
    });
    report = result.report;
  }, 300_000);

  afterAll(async () => {
    await adapters?.close();
    await prometheus?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('syncs both SLOs and reports every tenant as a group, the most budget consumed first', () => {
    expect(result.sync?.slos.map((s) => s.error)).toEqual([undefined, undefined]);
    expect(report.period).toMatchObject({ startMs: FROM, endMs: TO });
    const tenants = grouped().groups!.map((g) => g.labels.tenant);
    expect([...tenants].sort()).toEqual(SCENARIO.tenants.map((t) => t.tenant));
    expect(tenants[0]).toBe('t20');
    const consumed = grouped().groups!.map((g) => g.errorBudget.consumedRatio ?? -1);
    expect([...consumed].sort((a, b) => b - a)).toEqual(consumed);
  });

  it('books each group\'s total and bad events of the period within the ledger\'s tolerance of the truth', () => {
    for (const plan of SCENARIO.tenants) {
      const g = group(plan.tenant);
      const trueCounts = groupedTruth(truth, FROM, TO, plan.tenant);
      expect(Math.abs(g.total - trueCounts.total), `${plan.tenant} total`).toBeLessThanOrEqual(tolerance(FROM, TO, plan.tenant, 'total'));
      expect(Math.abs(g.errorBudget.bad - trueCounts.bad), `${plan.tenant} bad`).toBeLessThanOrEqual(tolerance(FROM, TO, plan.tenant, 'bad'));
      expect(g.coverageRatio, plan.tenant).toBe(1);
      if (trueCounts.total === 0) expect(g).toMatchObject({ sliRatio: null, reason: 'no-traffic', tier: 'ok', objectiveMet: null });
      else expect(g.errorBudget.allowed).toBeCloseTo((1 - OBJECTIVE) * g.total, 6);
    }
    // The SLO's own figures are its own series', equal to the same SLO without group_by.
    const whole = groupedTruth(truth, FROM, TO);
    expect(Math.abs(grouped().total - whole.total)).toBeLessThanOrEqual(tolerance(FROM, TO, undefined, 'total'));
    expect(grouped().total).toBe(report.slos.find((s) => s.name === 'availability')!.total);
  });

  it('finds t20\'s burst as an incident naming tenant=t20 at its true times (±1 bucket), against t20\'s own budget', () => {
    const found = report.incidents.filter((i) => i.group?.tenant === 't20');
    expect(found).toHaveLength(1);
    const incident = found[0]!;
    expect(incident.slo).toBe('tenant-availability');
    expect(incident.group).toEqual({ tenant: 't20' });
    expect(Math.abs(incident.startMs - BURST.startMs)).toBeLessThanOrEqual(BUCKET);
    expect(Math.abs(incident.endMs - BURST.endMs)).toBeLessThanOrEqual(BUCKET);
    const trueBad = groupedTruth(truth, incident.startMs, incident.endMs, 't20').bad;
    expect(Math.abs(incident.bad - trueBad)).toBeLessThanOrEqual(tolerance(incident.startMs, incident.endMs, 't20', 'bad'));
    expect(incident.budgetConsumedRatio).toBeCloseTo(incident.bad / group('t20').errorBudget.allowed, 12);
    expect(incident.budgetConsumedRatio).toBeGreaterThan(1);
    expect(group('t20').incidentCount).toBe(1);
    // The burst is 13 % of the whole's events in those hours: not an incident of the SLO as a whole.
    expect(report.incidents.filter((i) => i.group === undefined && Math.abs(i.startMs - BURST.startMs) <= BUCKET)).toEqual([]);
  });

  it('lists t20 (and only the tenants whose true error ratio misses the objective) as breaches, not the SLO as a whole', () => {
    const missing = SCENARIO.tenants
      .map((t) => ({ tenant: t.tenant, ...groupedTruth(truth, FROM, TO, t.tenant) }))
      .filter((t) => t.total > 0 && t.bad / t.total > 1 - OBJECTIVE)
      .map((t) => t.tenant);
    expect(missing).toEqual(['t20']);
    expect(report.breaches.map((b) => [b.slo, b.group?.tenant, b.tier, b.thresholdRatio])).toEqual([['tenant-availability', 't20', 'warning', OBJECTIVE]]);
    expect(grouped()).toMatchObject({ tier: 'ok', objectiveMet: true });
  });

  it('recommends looking at t20 with its budget consumed and the whole\'s', () => {
    const recommendation = report.recommendations.find((r) => r.kind === 'group-budget')!;
    const t20 = groupedTruth(truth, FROM, TO, 't20');
    const trueConsumed = t20.bad / ((1 - OBJECTIVE) * t20.total);
    expect(recommendation.group).toEqual({ tenant: 't20' });
    expect(Math.abs(recommendation.value - trueConsumed) / trueConsumed).toBeLessThan(0.01);
    expect(recommendation.text).toContain(`tenant=t20 of tenant-availability consumed ${(group('t20').errorBudget.consumedRatio! * 100).toFixed(1)}% of its error budget`);
    expect(recommendation.text).toContain(`the SLO as a whole ${(grouped().errorBudget.consumedRatio! * 100).toFixed(1)}%`);
  });

  it('writes the groups into the JSON, and no group key for the ungrouped SLO', () => {
    const json = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8'));
    const [tenantJson, wholeJson] = json.slos;
    expect(tenantJson.group_by).toEqual(['tenant']);
    expect(tenantJson.groups).toHaveLength(30);
    expect(tenantJson.groups[0]).toMatchObject({ labels: { tenant: 't20' }, tier: 'warning', objective_met: false, coverage_ratio: 1 });
    expect(tenantJson.groups[0].error_budget.consumed_ratio).toBe(group('t20').errorBudget.consumedRatio);
    expect(wholeJson).not.toHaveProperty('groups');
    expect(wholeJson).not.toHaveProperty('group_by');
    expect(json.incidents.find((i: { group?: unknown }) => i.group !== undefined)).toMatchObject({ slo: 'tenant-availability', group: { tenant: 't20' } });
    expect(json.breaches[0].group).toEqual({ tenant: 't20' });
  });

  it('shows the groups table in the HTML, t20 first, the other 10 of 30 in the compact list', () => {
    const html = readFileSync(join(dir, 'out', 'report.html'), 'utf8');
    expect(htmlNestingProblems(html)).toEqual([]);
    expect(html).not.toMatch(/<script|<link|\ssrc=|url\(|@import/);
    expect(html).toContain('<h3>Groups by tenant</h3>');
    const table = /<table class="groups">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
    expect(table.match(/<tr>/g)).toHaveLength(21);
    expect(/<tbody>\s*<tr><td>([^<]*)<\/td>/.exec(table)?.[1]).toBe('tenant&#x3D;t20');
    expect(/<ol class="groups-compact" start="21">([\s\S]*?)<\/ol>/.exec(html)?.[1]?.match(/<li /g)).toHaveLength(10);
    expect(html).toContain('tenant-availability · tenant&#x3D;t20: <span class="tier-warning">warning</span>');
  });

  it('shows the worst group in the PDF\'s groups table and its incident (pdftotext)', async () => {
    const { stdout: text } = await run('pdftotext', ['-layout', join(dir, 'out', 'report.pdf'), '-'], { timeout: 30_000 });
    expect(text).toContain('Groups by tenant');
    const t20 = group('t20');
    expect(text).toMatch(new RegExp(`tenant=t20\\s+${(t20.sliRatio! * 100).toFixed(3)}%\\s+${(t20.errorBudget.consumedRatio! * 100).toFixed(1)}%`));
    // The incident, at the start found (and checked against the truth) above.
    const incident = report.incidents.find((i) => i.group?.tenant === 't20')!;
    const start = new Date(incident.startMs).toISOString().slice(0, 16).replace('T', ' ');
    expect(text).toContain('Incidents of its groups');
    expect(text).toMatch(new RegExp(`tenant=t20\\s+${start}–`));
    // The summary names the SLO and, on the line below, the group.
    expect(text).toMatch(new RegExp(`tenant-availability\\s+${start}–[^\\n]*\\n\\s*tenant=t20`));
  });
});
