import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_GROUPED_SLO } from '../../src/commands/demo.js';
import { loadConfig } from '../../src/config/load-config.js';
import { printConfig } from '../../src/config/print-config.js';
import type { GrafanaDashboard } from '../../src/dashboard/grafana-model.js';
import type { SloDefinition } from '../../src/domain/slo.js';
import { freePort, startPrometheus, type RunningPrometheus } from '../../src/fixture/prometheus-server.js';
import { RENDIFF_SCENARIO } from '../../src/fixture/scenarios.js';
import { CLI, runCli } from '../helpers/cli.js';
import { REPO_ROOT, startFixturePrometheus, type FixturePrometheus } from '../helpers/fixture.js';
import { parseSamples, type ParsedSample } from '../server/grouped-helpers.js';
import { multiValue, panelQueries, parseLabelValues, substitute, type PanelQuery, type VariableValues } from './helpers.js';

const AT = '2026-11-01T00:00:00Z';
/** The second Prometheus scrapes every second; `$__rate_interval` is then a few scrapes. */
const RATE_INTERVAL_S = 10;

/** An SLO without a panel of its own, of another service and its own window (28d, "4w" on /metrics). */
const EDGE_SLO: SloDefinition = {
  name: 'edge-errors-4w',
  service: 'rendiff-edge',
  description: 'Requests without 5xx over four weeks.',
  objectiveRatio: 0.99,
  windowMs: 28 * 86_400_000,
  sli: {
    kind: 'events',
    badQuery: 'sum(increase(rendiff_api_requests_total{status_code=~"5.."}[{{.window}}]))',
    totalQuery: 'sum(increase(rendiff_api_requests_total[{{.window}}]))',
  },
};
const SLO_NAMES = ['api-availability', 'api-latency', 'job-success', DEMO_GROUPED_SLO.name, EDGE_SLO.name];

interface PromAnswer {
  status: string;
  error?: string;
  data: { resultType: 'vector' | 'matrix'; result: Array<{ metric: Record<string, string>; value?: [number, string]; values?: Array<[number, string]> }> };
}

/** Polls `probe` every 200 ms until it is true or `timeoutMs` passes. */
async function waitFor(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * The Grafana dashboards, checked where it matters: a real Prometheus scrapes a real `serve`
 * (over the fixture Prometheus's Rendiff traffic, evaluated at AT), and every query of every
 * panel, its variables replaced as Grafana replaces them, must parse and return data.
 */
describe('the Grafana dashboard against a Prometheus scraping `slo-ledger serve`', () => {
  let fixture: FixturePrometheus;
  let scraper: RunningPrometheus;
  let server: ChildProcess | undefined;
  let output = '';
  let dir: string;
  let base: string;
  /** The committed dashboard of the built-in SLOs, and the one of the served config (built-in + grouped + another). */
  let dashboards: Array<{ name: string; dashboard: GrafanaDashboard }>;

  const get = async (path: string, params: Record<string, string | string[]>): Promise<PromAnswer> => {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) for (const v of [value].flat()) query.append(key, v);
    return (await fetch(`${scraper.url}${path}?${query}`)).json() as Promise<PromAnswer>;
  };
  const instant = (expr: string) => get('/api/v1/query', { query: expr });
  const range = (expr: string) => {
    const end = Math.floor(Date.now() / 1000);
    return get('/api/v1/query_range', { query: expr, start: String(end - RATE_INTERVAL_S), end: String(end), step: '1' });
  };

  beforeAll(async () => {
    fixture = await startFixturePrometheus(RENDIFF_SCENARIO);
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-dashboard-e2e-'));
    const config = loadConfig({ env: {} });
    config.slos.push(DEMO_GROUPED_SLO, EDGE_SLO);
    // A tick every 2 seconds, so the tick duration histogram moves while Prometheus scrapes.
    config.schedule.tickCron = '*/2 * * * * *';
    config.server.reportsDir = join(dir, 'reports');
    const configFile = join(dir, 'slo-ledger.yaml');
    writeFileSync(configFile, printConfig(config));

    const out = join(dir, 'dashboard.json');
    const generated = await runCli(['--config', configFile, 'dashboard', '--out', out]);
    expect(generated.code, generated.stderr).toBe(0);
    dashboards = [
      { name: 'examples/grafana (built-in SLOs)', dashboard: JSON.parse(readFileSync(join(REPO_ROOT, 'examples', 'grafana', 'dashboards', 'slo-ledger.json'), 'utf8')) as GrafanaDashboard },
      { name: 'served config (built-in, grouped, other)', dashboard: JSON.parse(readFileSync(out, 'utf8')) as GrafanaDashboard },
    ];

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const args = ['--config', configFile, '--prometheus', fixture.prometheus.url, '--db', join(dir, 'ledger.db'), 'serve', '--listen', `127.0.0.1:${port}`, '--at', AT];
    server = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (chunk) => (output += String(chunk)));
    server.stderr!.on('data', (chunk) => (output += String(chunk)));
    await waitFor('serve to sync (/readyz 200)', 60_000, async () => {
      if (server!.exitCode !== null) throw new Error(`serve exited early:\n${output}`);
      return (await fetch(`${base}/readyz`)).status === 200;
    });

    const empty = join(dir, 'scraper-tsdb');
    mkdirSync(empty);
    scraper = await startPrometheus(empty, {
      config: ['global:', '  scrape_interval: 1s', '  scrape_timeout: 1s', 'scrape_configs:', '  - job_name: slo-ledger', '    static_configs:', `      - targets: ['127.0.0.1:${port}']`, ''].join('\n'),
    });
    // Enough scrapes to fill the rate interval, and ticks observed in it.
    await waitFor('Prometheus to hold a rate interval of slo-ledger samples', 40_000, async () => {
      const samples = await instant(`count_over_time(slo_ledger_tier{slo="api-availability"}[1m])`);
      const ticks = await instant(`increase(slo_ledger_tick_duration_seconds_count[${RATE_INTERVAL_S}s])`);
      return Number(samples.data.result[0]?.value?.[1] ?? 0) > RATE_INTERVAL_S + 1 && Number(ticks.data.result[0]?.value?.[1] ?? 0) > 0;
    });
  });

  afterAll(async () => {
    if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    await scraper?.stop();
    await fixture?.prometheus.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** What each query variable offers, asked the way Grafana asks (`/api/v1/label/…/values?match[]=`), upstream variables at "All". */
  async function variableOptions(dashboard: GrafanaDashboard): Promise<Record<string, string[]>> {
    const options: Record<string, string[]> = {};
    const all: VariableValues = {};
    for (const variable of dashboard.templating.list.filter((v) => v.type === 'query')) {
      const { match, label } = parseLabelValues(variable.definition!);
      const answer = await get(`/api/v1/label/${label}/values`, match === undefined ? {} : { 'match[]': substitute(match, all) });
      expect(answer.status, `${variable.name}: ${answer.error}`).toBe('success');
      options[variable.name] = (answer.data as unknown as string[]).sort();
      all[variable.name] = variable.allValue!;
    }
    return options;
  }

  /** Runs a panel query as its panel does (value now, or the last rate interval) and checks it found data. */
  async function expectData(q: PanelQuery, values: VariableValues, where: string): Promise<PromAnswer['data']['result']> {
    const expr = substitute(q.target.expr, values);
    const answer = await (q.target.instant ? instant(expr) : range(expr));
    const what = `${where}: panel "${q.panel.title}" ${q.target.refId}: ${expr}`;
    expect(answer.status, `${what}: ${answer.error}`).toBe('success');
    expect(answer.data.result.length, `${what} returned no series`).toBeGreaterThan(0);
    for (const series of answer.data.result) {
      const points = series.value ? [series.value] : (series.values ?? []);
      expect(points.some(([, v]) => Number.isFinite(Number(v))), `${what}: ${JSON.stringify(series)}`).toBe(true);
    }
    return answer.data.result;
  }

  it('offers the served services, SLOs and groups in the variables', async () => {
    const [builtIn, served] = await Promise.all(dashboards.map((d) => variableOptions(d.dashboard)));
    expect(builtIn).toEqual({ service: ['rendiff-api', 'rendiff-edge'], slo: [...SLO_NAMES].sort() });
    expect(served).toEqual({ service: ['rendiff-api', 'rendiff-edge'], slo: [...SLO_NAMES].sort(), endpoint: ['/api/v1/convert', '/api/v1/jobs'] });
  });

  it('answers every panel query of both dashboards with data: variables at "All", at every value, and at one value each (a repeated row per SLO)', async () => {
    let checked = 0;
    for (const { name, dashboard } of dashboards) {
      const options = await variableOptions(dashboard);
      const rate = { __rate_interval: `${RATE_INTERVAL_S}s` };
      const all: VariableValues = { ...rate, ...Object.fromEntries(dashboard.templating.list.filter((v) => v.type === 'query').map((v) => [v.name, v.allValue!])) };
      const every: VariableValues = { ...rate, ...Object.fromEntries(Object.entries(options).map(([k, v]) => [k, multiValue(v)])) };
      for (const q of panelQueries(dashboard)) {
        await expectData(q, all, `${name}, All`);
        await expectData(q, every, `${name}, every value`);
        // A repeated row shows one SLO a copy; each SLO must fill its copy, grouped or not.
        const single = q.repeat === undefined ? [] : options[q.repeat]!;
        for (const value of single) await expectData(q, { ...all, [q.repeat!]: multiValue([value]) }, `${name}, ${q.repeat}=${value}`);
        // One group selected: the group panels still find it.
        if (options.endpoint && q.target.expr.includes('$endpoint')) await expectData(q, { ...all, endpoint: multiValue([options.endpoint[0]!]) }, `${name}, one endpoint`);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(40);
  });

  it('shows what /metrics serves: the gauges its SLIs, the SLO panels no group series, the group panels only groups', async () => {
    const samples: ParsedSample[] = parseSamples(await (await fetch(`${base}/metrics`)).text());
    const served = dashboards[1]!.dashboard;
    const all: VariableValues = { service: '.*', slo: '.*', endpoint: '.*', __rate_interval: `${RATE_INTERVAL_S}s` };
    const queries = panelQueries(served);
    const titled = (title: string) => queries.filter((q) => q.panel.title === title);

    // Each named gauge shows exactly the SLO's own sample of /metrics for its window.
    const gauges = queries.filter((q) => q.panel.type === 'gauge' && /slo="/.test(q.target.expr));
    expect(gauges.length).toBe(9);
    for (const q of gauges) {
      const [series] = await expectData(q, all, 'gauge');
      const { slo, window } = series!.metric as { slo: string; window: string };
      const expected = samples.find((s) => s.name === 'slo_ledger_sli_ratio' && s.labels.slo === slo && s.labels.window === window && s.labels.endpoint === undefined);
      expect(Number(series!.value![1]), `${slo} ${window}`).toBeCloseTo(expected!.value, 12);
    }

    // The budget over time: one series per SLO, over its own window, never a group's.
    const budget = (await Promise.all(titled('Error budget remaining (SLO window)').map((q) => expectData(q, all, 'budget')))).flat();
    expect(budget.map((s) => `${s.metric.slo} ${s.metric.window}`).sort()).toEqual(SLO_NAMES.map((n) => `${n} ${n === EDGE_SLO.name ? '4w' : '30d'}`).sort());
    expect(budget.every((s) => s.metric.endpoint === undefined)).toBe(true);

    // Tiers and alerts: one value per SLO, 0, 1 or 2.
    for (const title of ['Breach tier', 'Burn-rate alert']) {
      const [q] = titled(title);
      const result = await expectData(q!, all, title);
      expect(result.map((s) => s.metric.slo).sort(), title).toEqual([...SLO_NAMES].sort());
      expect(result.every((s) => ['0', '1', '2'].includes(s.value![1])), title).toBe(true);
    }

    // The group panels: every endpoint of the grouped SLO, and nothing but groups.
    for (const title of ['Error budget remaining, worst 20 groups', 'Breach tier, worst 20 groups']) {
      const result = (await Promise.all(titled(title).map((q) => expectData(q, all, title)))).flat();
      expect(result.map((s) => `${s.metric.slo} ${s.metric.endpoint}`).sort(), title).toEqual([`${DEMO_GROUPED_SLO.name} /api/v1/convert`, `${DEMO_GROUPED_SLO.name} /api/v1/jobs`]);
    }
  });
});
