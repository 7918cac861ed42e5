import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/fixture/prometheus-server.js';
import { RENDIFF_EVALUATION_MS, RENDIFF_SCENARIO } from '../../src/fixture/scenarios.js';
import type { StatusJson } from '../../src/views/status-json.js';
import { CLI, runCli } from '../helpers/cli.js';
import { REPO_ROOT, startFixturePrometheus, type FixturePrometheus } from '../helpers/fixture.js';
import { trueCounts } from '../helpers/truth.js';
import { parseMetrics } from './helpers.js';

const AT = '2026-11-01T00:00:00Z';
const TOKEN = 'slo-e2e-4c1d9b7f2a';
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

/** Runs the built CLI to completion (`npm test` builds dist/ first). */
const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, env, 60_000);

/** Polls `probe` every 100 ms until it returns true or `timeoutMs` passes. */
async function waitFor(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('slo-ledger serve, end to end against the fixture Prometheus', () => {
  let fixture: FixturePrometheus;
  let dir: string;
  let base: string;
  let server: ChildProcess;
  let output = '';
  let exited: Promise<number | null>;
  let reference: StatusJson;
  /** `alerts --format json` on the same ledger: the burn-rate decision per SLO at AT. */
  let alertReference: Map<string, { state: string; severity: string | null }>;
  let browser: Browser | undefined;
  const auth = { authorization: `Bearer ${TOKEN}` };
  const get = (path: string, headers: Record<string, string> = auth) => fetch(`${base}${path}`, { headers });

  beforeAll(async () => {
    fixture = await startFixturePrometheus(RENDIFF_SCENARIO);
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-serve-'));
    mkdirSync(join(dir, 'reports', '2026-10'), { recursive: true });
    writeFileSync(join(dir, 'reports', '2026-10', 'report.json'), '{}\n');
    const configFile = join(dir, 'config.yaml');
    writeFileSync(configFile, ['server:', '  token: ${SLO_TOKEN}', `  reports_dir: ${JSON.stringify(join(dir, 'reports'))}`, ''].join('\n'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const args = ['--config', configFile, '--prometheus', fixture.prometheus.url, '--db', join(dir, 'serve.db'), 'serve', '--listen', `127.0.0.1:${port}`, '--at', AT];
    server = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', SLO_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (chunk) => (output += String(chunk)));
    server.stderr!.on('data', (chunk) => (output += String(chunk)));
    exited = new Promise((resolve) => server.once('exit', (code) => resolve(code)));
    // The reference: `report --format json` on its own ledger, at the same instant.
    const [report] = await Promise.all([
      cli(['--prometheus', fixture.prometheus.url, '--db', join(dir, 'report.db'), 'report', '--format', 'json', '--at', AT]),
      waitFor('/readyz to answer 200', 60_000, async () => (await fetch(`${base}/readyz`)).status === 200),
    ]);
    expect(report.code, report.stderr).toBe(0);
    reference = JSON.parse(report.stdout) as StatusJson;
    const alerts = await cli(['--db', join(dir, 'report.db'), 'alerts', '--offline', '--format', 'json', '--at', AT]);
    expect(alerts.code, alerts.stderr).toBe(0);
    const alertSlos = (JSON.parse(alerts.stdout) as { slos: Array<{ name: string; burn_rate_alert: { state: string; severity: string | null } }> }).slos;
    alertReference = new Map(alertSlos.map((a) => [a.name, a.burn_rate_alert]));
  });

  afterAll(async () => {
    await browser?.close();
    if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    await fixture?.prometheus.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers the JSON API with exactly the numbers of `report --format json` for the same instant', async () => {
    const all = (await (await get(`/api/v1/slos?at=${AT}`)).json()) as StatusJson;
    expect(all).toEqual(reference);
    for (const slo of reference.slos) {
      const one = (await (await get(`/api/v1/slos/${slo.name}?at=${AT}&window=24h,7d,30d`)).json()) as StatusJson;
      expect(one).toEqual({ at: reference.at, slos: [slo] });
    }
    // Without `at`, the server's pinned evaluation clock is used.
    expect(await (await get('/api/v1/slos')).json()).toEqual(reference);
  });

  it('agrees with the traffic the fixture generated (7-day totals within 1 %)', () => {
    for (const slo of reference.slos) {
      const week = slo.windows.find((w) => w.window === '7d')!;
      const truth = trueCounts(slo.name, fixture.fixture.truth, RENDIFF_EVALUATION_MS - 7 * 86_400_000, RENDIFF_EVALUATION_MS);
      expect(Math.abs(week.total - truth.total) / truth.total, slo.name).toBeLessThan(0.01);
    }
  });

  it('exposes the same SLI, budget, burn rate and event counts on /metrics', async () => {
    const response = await get('/metrics');
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const metrics = parseMetrics(await response.text());
    let compared = 0;
    for (const slo of reference.slos) {
      for (const w of slo.windows) {
        const labels = `{slo="${slo.name}",service="${slo.service}",window="${w.window}"}`;
        const kind = (k: string) => `{slo="${slo.name}",service="${slo.service}",window="${w.window}",kind="${k}"}`;
        expect(metrics.get(`slo_ledger_sli_ratio${labels}`), labels).toBe(w.sli);
        expect(metrics.get(`slo_ledger_error_budget_remaining_ratio${labels}`), labels).toBe(w.error_budget.remaining);
        expect(metrics.get(`slo_ledger_burn_rate${labels}`), labels).toBe(w.burn_rate);
        expect(metrics.get(`slo_ledger_events_total${kind('good')}`), labels).toBe(w.good);
        expect(metrics.get(`slo_ledger_events_total${kind('total')}`), labels).toBe(w.total);
        compared++;
      }
      const thirty = slo.windows.find((w) => w.window === '30d')!;
      expect(metrics.get(`slo_ledger_tier{slo="${slo.name}",service="${slo.service}"}`)).toBe({ ok: 0, warning: 1, critical: 2 }[thirty.tier]);
      const alert = alertReference.get(slo.name)!;
      for (const severity of ['page', 'ticket']) {
        const firing = alert.state === 'firing' && alert.severity === severity ? 1 : 0;
        expect(metrics.get(`slo_ledger_alert_firing{slo="${slo.name}",service="${slo.service}",severity="${severity}"}`), `${slo.name} ${severity}`).toBe(firing);
      }
    }
    expect(compared).toBe(9);
    expect(metrics.get('slo_ledger_last_successful_sync_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 300);
    expect(metrics.get('slo_ledger_tick_duration_seconds_count')).toBeGreaterThanOrEqual(1);
  });

  it('shows every SLO on the status page in Chromium with the same numbers, and loads nothing from elsewhere', async () => {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const context = await browser.newContext({ extraHTTPHeaders: auth, viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    const response = await page.goto(`${base}/`);
    expect(response?.status()).toBe(200);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'status-page.png'), fullPage: true });
    expect(requested.every((url) => url.startsWith(`${base}/`)), requested.join('\n')).toBe(true);

    for (const slo of reference.slos) {
      const section = page.locator(`section[data-slo="${slo.name}"]`);
      await expect(section.locator('h2').textContent()).resolves.toBe(slo.name);
      for (const w of slo.windows) {
        const row = section.locator(`tr[data-window="${w.window}"]`);
        const cell = (field: string) => row.locator(`td[data-field="${field}"]`);
        expect(Number(await cell('sli').getAttribute('data-value')), `${slo.name} ${w.window}`).toBe(w.sli);
        expect(await cell('sli').textContent()).toBe(`${(w.sli! * 100).toFixed(4)} %`);
        expect(Number(await cell('remaining').getAttribute('data-value'))).toBe(w.error_budget.remaining);
        expect(await cell('remaining').textContent()).toBe(`${(w.error_budget.remaining! * 100).toFixed(2)} %`);
        expect(await cell('burn_rate').textContent()).toBe(`${w.burn_rate!.toFixed(2)}×`);
        expect(await cell('tier').textContent()).toBe(w.tier);
      }
      const thirty = slo.windows.find((w) => w.window === '30d')!;
      expect(await section.locator('.head [data-field="tier"]').textContent()).toBe(thirty.tier);
      const alert = alertReference.get(slo.name)!;
      expect(await section.locator('.head [data-field="alert"]').textContent()).toBe(alert.state === 'firing' ? `firing (${alert.severity})` : alert.state);
      const chart = section.locator('svg.burn-down');
      await expect(chart.isVisible()).resolves.toBe(true);
      // The burn-down ends where the 30-day budget stands (running sums vs one SQL SUM: float rounding only).
      expect(Number(await chart.getAttribute('data-final-remaining'))).toBeCloseTo(thirty.error_budget.remaining!, 9);
    }
    expect(await page.locator('#reports a').first().getAttribute('href')).toBe('api/v1/reports/2026-10.json');
    await context.close();
  });

  it('answers 401 without the token everywhere but /healthz and /readyz', async () => {
    for (const path of ['/', '/metrics', '/api/v1/slos', '/api/v1/reports']) {
      expect((await get(path, {})).status, path).toBe(401);
      expect((await get(path, { authorization: 'Bearer wrong' })).status, path).toBe(401);
    }
    expect((await get('/healthz', {})).status).toBe(200);
    expect((await get('/readyz', {})).status).toBe(200);
  });

  it('answers 400 naming the parameter', async () => {
    for (const [path, parameter] of [
      ['/api/v1/slos?at=tomorrow', 'at'],
      ['/api/v1/slos/api-latency?window=3m', 'window'],
      ['/api/v1/slos/api-latency/series?step=7m', 'step'],
      ['/api/v1/reports/10-2026', 'month'],
    ] as const) {
      const response = await get(path);
      expect(response.status, path).toBe(400);
      expect(((await response.json()) as { parameter: string }).parameter, path).toBe(parameter);
    }
  });

  it('exits 0 promptly on SIGTERM, and never logged the token', async () => {
    const started = Date.now();
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    const lines = output.split('\n').filter((line) => line.startsWith('{'));
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      expect(Object.keys(entry)).toEqual(expect.arrayContaining(['timestamp', 'level', 'message', 'component']));
    }
    expect(lines.some((line) => /"job":"sync".*"duration_ms":/.test(line))).toBe(true);
    expect(output).toContain('"message":"stopped"');
    expect(output).not.toContain(TOKEN);
  });

  it('on SIGTERM during the first backfill, finishes that write before it exits 0', async () => {
    const db = join(dir, 'interrupted.db');
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, '--prometheus', fixture.prometheus.url, '--db', db, 'serve', '--listen', `127.0.0.1:${port}`, '--at', AT], {
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout!.on('data', (chunk) => (log += String(chunk)));
    child.stderr!.on('data', (chunk) => (log += String(chunk)));
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor('the server to listen', 20_000, async () => log.includes('"component":"serve"') && log.includes('listening on'));
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    const order = ['shutting down', 'ledger synced', '"message":"stopped"'].map((m) => log.indexOf(m));
    expect(order.every((i) => i >= 0), log).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // The interrupted run's ledger holds the same 30 days as the reference.
    const reread = await cli(['--prometheus', 'http://127.0.0.1:9', '--db', db, 'report', '--offline', '--format', 'json', '--at', AT]);
    expect(reread.code, reread.stderr).toBe(0);
    expect(JSON.parse(reread.stdout)).toEqual(reference);
  });
});
