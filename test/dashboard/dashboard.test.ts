import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { dashboardJson } from '../../src/commands/dashboard.js';
import { loadConfig } from '../../src/config/load-config.js';
import { GRAFANA_SCHEMA_VERSION, type GrafanaDashboard, type Panel } from '../../src/dashboard/grafana-model.js';
import { runCli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/fixture.js';
import { panelQueries } from './helpers.js';

const EXAMPLE = join(REPO_ROOT, 'examples', 'grafana', 'dashboards', 'slo-ledger.json');
const REGENERATE = 'regenerate it: node bin/slo-ledger.js dashboard --out examples/grafana/dashboards/slo-ledger.json';

const dir = mkdtempSync(join(tmpdir(), 'slo-ledger-dashboard-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The dashboard for a config file of these lines. */
async function dashboardOf(lines: readonly string[]): Promise<GrafanaDashboard> {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return JSON.parse(await dashboardJson(loadConfig({ file, env: {} }))) as GrafanaDashboard;
}

const titles = (d: GrafanaDashboard) => d.panels.map((p) => p.title);
const variableNames = (d: GrafanaDashboard) => d.templating.list.map((v) => v.name);
const exprs = (d: GrafanaDashboard) => panelQueries(d).map((q) => q.target.expr);

describe('slo-ledger dashboard', () => {
  it('writes exactly the committed examples/grafana dashboard for the built-in config, in-process and through the CLI', async () => {
    const committed = readFileSync(EXAMPLE, 'utf8');
    expect(await dashboardJson(loadConfig({ env: {} })), REGENERATE).toBe(committed);
    const run = await runCli(['dashboard']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout, REGENERATE).toBe(committed);
  });

  it('--out writes the file (stdout stays empty); an --out it cannot write exits 2 naming the path and why', async () => {
    const out = join(dir, 'dashboard.json');
    const written = await runCli(['dashboard', '--out', out]);
    expect(written.code, written.stderr).toBe(0);
    expect(written.stdout).toBe('');
    expect(written.stderr).toContain(`wrote the Grafana dashboard to ${out}`);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(EXAMPLE, 'utf8'));

    const missing = join(dir, 'no-such-dir', 'dashboard.json');
    const failed = await runCli(['dashboard', '--out', missing]);
    expect(failed.code).toBe(2);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toMatch(new RegExp(`^slo-ledger: --out: cannot write ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ENOENT`));
    expect(existsSync(missing)).toBe(false);
    const folder = await runCli(['dashboard', '--out', dir]);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain(`--out: cannot write ${dir}: EISDIR`);
  });

  it(`is a schemaVersion ${GRAFANA_SCHEMA_VERSION} dashboard with the "SLA Monitoring" panels for the built-in SLOs and datasource, service and SLO variables`, () => {
    const d = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as GrafanaDashboard;
    expect(d.schemaVersion).toBe(41);
    expect(d).toMatchObject({ id: null, uid: 'slo-ledger-sla', editable: true });
    expect(variableNames(d)).toEqual(['datasource', 'service', 'slo']);
    expect(d.templating.list[0]).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(d.templating.list[1]).toMatchObject({ type: 'query', definition: 'label_values(slo_ledger_sli_ratio, service)', includeAll: true, multi: true, allValue: '.*' });
    expect(d.templating.list[2]).toMatchObject({ type: 'query', definition: 'label_values(slo_ledger_sli_ratio{service=~"$service"}, slo)' });

    const byTitle = (title: string) => d.panels.find((p) => p.title === title) ?? expect.fail(`no panel "${title}" in ${titles(d).join(', ')}`);
    for (const window of ['24h', '7d']) {
      expect(byTitle(`Availability, ${window}`)).toMatchObject({ type: 'gauge', targets: [{ expr: `slo_ledger_sli_ratio{slo="api-availability", window="${window}"}`, instant: true }] });
    }
    expect(byTitle('Availability, 30d (SLO window)').type).toBe('gauge');
    // The tiers colour the availability gauge: critical below 99 %, warning below 99.5 %, green at the objective.
    expect(byTitle('Availability, 24h').fieldConfig!.defaults.thresholds).toEqual({
      mode: 'absolute',
      steps: [{ color: 'red', value: null }, { color: 'orange', value: 0.99 }, { color: 'yellow', value: 0.995 }, { color: 'green', value: 0.999 }],
    });
    expect(byTitle('Response time SLA: requests ≤ 2 s').targets!.map((t) => t.expr)).toEqual(['24h', '7d', '30d'].map((w) => `slo_ledger_sli_ratio{slo="api-latency", window="${w}"}`));
    expect(byTitle('Job success rate').type).toBe('gauge');
    expect(byTitle('Error budget remaining (SLO window)')).toMatchObject({ type: 'timeseries', targets: [{ expr: 'slo_ledger_error_budget_remaining_ratio{service=~"$service", slo=~"$slo", window="30d"}', range: true }] });
    expect(byTitle('Burn rate (1h, 24h)').type).toBe('timeseries');
    expect(byTitle('Burn-rate alert').type).toBe('stat');
    expect(byTitle('Burn-rate alerts over time').type).toBe('state-timeline');
    expect(byTitle('Breach tier')).toMatchObject({ type: 'stat', targets: [{ expr: 'slo_ledger_tier{service=~"$service", slo=~"$slo"}' }] });
    expect(byTitle('Breach tier over time').type).toBe('state-timeline');
    for (const title of ['Tick duration (p95)', 'Since the last successful sync', 'Outbox backlog', 'Prometheus query errors']) byTitle(title);
    // The three built-in SLOs have panels of their own: no generic row, no groups.
    expect(d.panels.some((p) => p.repeat !== undefined)).toBe(false);
    expect(titles(d)).not.toContain('Groups');
  });

  it('lays the panels out on the 24-wide grid without overlaps, ids 1…n, every query through the datasource variable', () => {
    const d = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as GrafanaDashboard;
    expect(d.panels.map((p) => p.id)).toEqual(d.panels.map((_, i) => i + 1));
    for (const p of d.panels) expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
    const overlap = (a: Panel, b: Panel) =>
      a.gridPos.x < b.gridPos.x + b.gridPos.w && b.gridPos.x < a.gridPos.x + a.gridPos.w && a.gridPos.y < b.gridPos.y + b.gridPos.h && b.gridPos.y < a.gridPos.y + a.gridPos.h;
    for (const [i, a] of d.panels.entries()) for (const b of d.panels.slice(i + 1)) expect(overlap(a, b), `${a.title} / ${b.title}`).toBe(false);
    for (const { panel, target } of panelQueries(d)) {
      expect(target.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      // Values now for gauges and stats (/api/v1/query); ranges for the panels drawn over time.
      expect(target.instant, panel.title).toBe(['gauge', 'stat', 'bargauge'].includes(panel.type));
      expect(target.range).toBe(!target.instant);
    }
  });

  it('gives each group label a variable under its /metrics name, keeps the SLOs\' own panels off the groups, and repeats a row per other SLO', async () => {
    const d = await dashboardOf([
      'slos:',
      '  - name: checkout',
      '    service: shop',
      '    objective: 99.5',
      '    window: 28d',
      '    group_by: [tenant, window, datasource]',
      '    sli:',
      '      events:',
      '        bad_query: sum by (tenant, window, datasource) (increase(http_requests_total{code=~"5.."}[{{.window}}]))',
      '        total_query: sum by (tenant, window, datasource) (increase(http_requests_total[{{.window}}]))',
      '  - name: search',
      '    service: shop',
      '    objective: 99',
      '    sli:',
      '      events:',
      '        bad_query: sum(increase(search_errors_total[{{.window}}]))',
      '        total_query: sum(increase(search_requests_total[{{.window}}]))',
    ]);
    // `window` is a label of the SLO gauges, so /metrics writes the group label as group_window;
    // `datasource` is taken by the dashboard's data source variable.
    expect(variableNames(d)).toEqual(['datasource', 'service', 'slo', 'tenant', 'group_window', 'group_datasource']);
    expect(d.templating.list.slice(3).map((v) => v.definition)).toEqual(
      ['tenant', 'group_window', 'datasource'].map((l) => `label_values(slo_ledger_sli_ratio{service=~"$service", slo=~"$slo"}, ${l})`),
    );
    expect(titles(d)).not.toContain('SLA overview');
    const rowIndex = d.panels.findIndex((p) => p.type === 'row' && p.repeat === 'slo');
    expect(d.panels[rowIndex]!.title).toBe('SLO $slo');
    // The SLOs' own panels exclude every group's series; the group panels select them by the variables.
    expect(exprs(d)).toContain('slo_ledger_tier{service=~"$service", slo=~"$slo", tenant="", group_window="", datasource=""}');
    expect(exprs(d)).toContain(
      'topk(20, slo_ledger_tier{service=~"$service", slo=~"$slo", tenant=~"$tenant", group_window=~"$group_window", datasource=~"$group_datasource"} ' +
        'unless slo_ledger_tier{tenant="", group_window="", datasource=""})',
    );
    // Each SLO's budget over its own window: 4w (28 days) for checkout, 30d for search.
    expect(exprs(d)).toEqual(expect.arrayContaining([
      'slo_ledger_error_budget_remaining_ratio{service=~"$service", slo=~"$slo", tenant="", group_window="", datasource="", slo=~"checkout", window="4w"}',
      'slo_ledger_error_budget_remaining_ratio{service=~"$service", slo=~"$slo", tenant="", group_window="", datasource="", slo=~"search", window="30d"}',
    ]));
  });

  it('leaves group variables and panels out when /metrics has no group samples (server.metrics_groups: false)', async () => {
    const d = await dashboardOf([
      'server:',
      '  metrics_groups: false',
      'slos:',
      '  - name: checkout',
      '    service: shop',
      '    objective: 99.5',
      '    group_by: [tenant]',
      '    sli:',
      '      events:',
      '        bad_query: sum by (tenant) (increase(http_requests_total{code=~"5.."}[{{.window}}]))',
      '        total_query: sum by (tenant) (increase(http_requests_total[{{.window}}]))',
    ]);
    expect(variableNames(d)).toEqual(['datasource', 'service', 'slo']);
    expect(titles(d)).not.toContain('Groups');
    expect(exprs(d).some((e) => e.includes('tenant'))).toBe(false);
  });
});

describe('examples/grafana and docker-compose.example.yml', () => {
  const read = (...path: string[]) => parse(readFileSync(join(REPO_ROOT, ...path), 'utf8')) as Record<string, any>;
  const compose = read('docker-compose.example.yml');
  const grafana = compose.services.grafana;
  /** The container path a host folder of the repository is mounted at in the grafana service. */
  const mountOf = (host: string) => (grafana.volumes as string[]).map((v) => v.split(':')).find(([from]) => from === host)?.[1];

  it('runs a pinned Grafana with the provisioning folder and the dashboards folder mounted read-only, on 127.0.0.1', () => {
    expect(grafana.image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
    expect(mountOf('./examples/grafana/provisioning')).toBe('/etc/grafana/provisioning');
    for (const volume of grafana.volumes as string[]) {
      const [host] = volume.split(':');
      if (host!.startsWith('./')) {
        expect(existsSync(join(REPO_ROOT, host!)), host).toBe(true);
        expect(volume).toMatch(/:ro$/);
      }
    }
    expect(grafana.ports).toEqual(['127.0.0.1:3000:3000']);
    expect(grafana.depends_on).toContain('prometheus');
  });

  it('provisions the compose Prometheus as the default data source, with slo-ledger\'s scrape interval', () => {
    const { apiVersion, datasources } = read('examples', 'grafana', 'provisioning', 'datasources', 'prometheus.yaml');
    expect(apiVersion).toBe(1);
    expect(datasources).toHaveLength(1);
    expect(datasources[0]).toMatchObject({ type: 'prometheus', access: 'proxy', url: 'http://prometheus:9090', isDefault: true });
    const job = read('examples', 'prometheus.yml').scrape_configs.find((j: { job_name: string }) => j.job_name === 'slo-ledger');
    expect(datasources[0].jsonData.timeInterval).toBe(job.scrape_interval);
  });

  it('provisions every dashboard of the folder compose mounts, which holds the generated one', () => {
    const { apiVersion, providers } = read('examples', 'grafana', 'provisioning', 'dashboards', 'slo-ledger.yaml');
    expect(apiVersion).toBe(1);
    expect(providers).toHaveLength(1);
    expect(providers[0]).toMatchObject({ type: 'file', options: { path: mountOf('./examples/grafana/dashboards') } });
    expect(existsSync(EXAMPLE)).toBe(true);
  });

  it('gives Prometheus examples/prometheus.yml, which scrapes slo-ledger\'s /metrics with its token (promtool: test/server/docker.test.ts)', () => {
    expect(compose.configs.prometheus_config).toEqual({ file: './examples/prometheus.yml' });
    const job = read('examples', 'prometheus.yml').scrape_configs.find((j: { job_name: string }) => j.job_name === 'slo-ledger');
    expect(job).toMatchObject({ metrics_path: '/metrics', authorization: { type: 'Bearer', credentials_file: '/run/secrets/slo_ledger_token' }, static_configs: [{ targets: ['slo-ledger:9464'] }] });
  });
});
