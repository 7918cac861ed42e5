import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/fixture/prometheus-server.js';
import { ALERT_SCENARIO } from '../helpers/alert-scenario.js';
import { eventually } from '../helpers/alertmanager.js';
import { CLI, runCli } from '../helpers/cli.js';
import { startFixturePrometheus, type FixturePrometheus } from '../helpers/fixture.js';
import { startProxy, type TestProxy } from '../helpers/proxy.js';
import { countTolerance, trueCounts, trueTotal } from '../helpers/truth.js';
import { parseMetrics } from '../server/helpers.js';

const AT = '2026-10-31T22:00:00Z';
const EMPTY_MATRIX = JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } });
const EMPTY_VECTOR = JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } });

interface ReportWindow {
  window: string;
  good: number;
  total: number;
  coverage: number;
}

// Empty answers (a restarted Prometheus, a store not yet synced, a misspelt metric), through the
// built CLI and `serve`, with a proxy in front of a real Prometheus answering empty when told to.
describe('empty answers from Prometheus (the built CLI and serve, a proxy in front of a real Prometheus)', () => {
  let fixture: FixturePrometheus;
  let dir: string;
  let empty: TestProxy;
  let passThrough: TestProxy;

  const writeConfig = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const sync = (config: string, db: string, url: string) => runCli(['--config', config, '--prometheus', url, '--db', db, 'sync', '--at', AT], {}, 60_000);
  const report = async (config: string, db: string) => {
    const run = await runCli(['--config', config, '--db', join(dir, db), 'report', '--offline', '--at', AT, '--windows', '24h', '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout) as { slos: Array<{ name: string; windows: ReportWindow[] }> };
  };

  beforeAll(async () => {
    fixture = await startFixturePrometheus(ALERT_SCENARIO);
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-empty-'));
    // As a freshly restarted Prometheus answers: success, and no series at all.
    empty = await startProxy(fixture.prometheus.url, (request) => {
      if (request.path.startsWith('/api/v1/query_range')) return { status: 200, body: EMPTY_MATRIX };
      if (request.path.startsWith('/api/v1/query')) return { status: 200, body: EMPTY_VECTOR };
      return undefined;
    });
    passThrough = await startProxy(fixture.prometheus.url);
  }, 120_000);

  afterAll(async () => {
    await empty?.close();
    await passThrough?.close();
    await fixture?.prometheus.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('fetches buckets whose answer was empty again while they are younger than prometheus.settle_time, and then holds the true counts', async () => {
    // The fixture's data is a month old: a settle time of 400 days makes every bucket of it young.
    const config = writeConfig('young.yaml', 'prometheus:\n  settle_time: 400d\n');
    const db = join(dir, 'young.db');
    const first = await sync(config, db, empty.url);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('api-availability: ok, but its queries match no series');
    // From the sync's first bucket (retention counts back from the wall clock, so its date moves).
    expect(first.stderr).toMatch(
      /^slo-ledger: warning: api-availability: its queries match no series in Prometheus: no data from 2026-\d\d-\d\dT\d\d:\d\d:00\.000Z to 2026-10-31T22:00:00\.000Z; check the metric and label names$/m,
    );

    // The same instant again, Prometheus answering now: the empty buckets are fetched again.
    const before = passThrough.requests.length;
    const second = await sync(config, db, passThrough.url);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toBe('');
    expect(passThrough.requests.length).toBeGreaterThan(before);
    const fetched = Number(/^api-availability: ok, (\d+) buckets fetched/m.exec(second.stdout)?.[1]);
    expect(fetched).toBeGreaterThan(12 * 24 * 30);

    // The ledger now equals one synced from the start with Prometheus answering, and the truth.
    const clean = await sync(config, join(dir, 'clean.db'), fixture.prometheus.url);
    expect(clean.code, clean.stderr).toBe(0);
    const refetched = await report(config, 'young.db');
    expect(refetched).toEqual(await report(config, 'clean.db'));
    const endMs = Date.parse(AT);
    for (const slo of refetched.slos) {
      const w = slo.windows[0]!;
      expect(w.coverage, slo.name).toBe(1);
      const truth = trueCounts(slo.name, fixture.fixture.truth, endMs - 24 * 3_600_000, endMs);
      const tolerance = countTolerance(endMs - 24 * 3_600_000, endMs, trueTotal(slo.name, fixture.fixture.truth), {
        relative: 1e-4,
        scrapeIntervalMs: ALERT_SCENARIO.scrapeIntervalMs,
        bucketMs: 300_000,
      });
      expect(Math.abs(w.total - truth.total), slo.name).toBeLessThanOrEqual(tolerance);
    }
  }, 180_000);

  it('believes an empty answer for a bucket older than the settle time (default 15m): a second sync fetches nothing', async () => {
    const config = writeConfig('default.yaml', 'timezone: UTC\n');
    const db = join(dir, 'old.db');
    expect((await sync(config, db, empty.url)).code).toBe(0);
    const second = await sync(config, db, passThrough.url);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/^api-availability: ok, but its queries match no series, 0 buckets fetched/m);
    expect(second.stderr).toContain('slo-ledger: warning: api-availability: its queries match no series');
    // A tick says so too, in its log.
    const tick = await runCli(['--config', config, '--prometheus', empty.url, '--db', db, 'tick', '--at', AT, '--dry-run'], {}, 60_000);
    expect(tick.code, tick.stderr).toBe(0);
    expect(tick.stdout + tick.stderr).toMatch(/"slo":"api-availability".*"message":"api-availability: its queries match no series in Prometheus/);
  }, 120_000);

  it('serve: an SLO whose queries match no series is a /readyz reason and slo_ledger_slo_no_series 1; the others are 0', async () => {
    const config = writeConfig(
      'misspelt.yaml',
      [
        'slos:',
        '  - name: availability',
        '    service: rendiff-api',
        '    objective: 99.9',
        '    sli:',
        '      events:',
        '        bad_query: sum(increase(rendiff_api_requests_total{status_code=~"5.."}[{{.window}}]))',
        '        total_query: sum(increase(rendiff_api_requests_total[{{.window}}]))',
        '  - name: misspelt',
        '    service: rendiff-api',
        '    objective: 99.9',
        '    sli:',
        '      events:',
        '        bad_query: sum(increase(rendiff_api_request_total{status_code=~"5.."}[{{.window}}]))',
        '        total_query: sum(increase(rendiff_api_request_total[{{.window}}]))',
        '',
      ].join('\n'),
    );
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const args = ['--config', config, '--prometheus', fixture.prometheus.url, '--db', join(dir, 'serve.db'), 'serve', '--listen', `127.0.0.1:${port}`, '--at', AT];
    const server: ChildProcess = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    server.stdout!.on('data', (chunk) => (output += String(chunk)));
    server.stderr!.on('data', (chunk) => (output += String(chunk)));
    try {
      const readiness = await eventually(async () => {
        if (server.exitCode !== null) throw new Error(`serve exited ${server.exitCode}: ${output}`);
        const response = await fetch(`${base}/readyz`).catch(() => undefined);
        if (response === undefined) return undefined;
        const body = (await response.json()) as { status: string; reasons: string[] };
        return body.reasons.some((r) => r.startsWith('prometheus: misspelt:')) ? { status: response.status, body } : undefined;
      }, 60_000, 'the first sync recorded');
      expect(readiness.status).toBe(503);
      expect(readiness.body.reasons).toHaveLength(1);
      expect(readiness.body.reasons[0]).toMatch(
        /^prometheus: misspelt: its queries match no series in Prometheus: no data from 2026-\d\d-\d\dT\d\d:\d\d:00\.000Z to 2026-10-31T22:00:00\.000Z; check the metric and label names$/,
      );
      const metrics = parseMetrics(await (await fetch(`${base}/metrics`)).text());
      expect(metrics.get('slo_ledger_slo_no_series{slo="misspelt"}')).toBe(1);
      expect(metrics.get('slo_ledger_slo_no_series{slo="availability"}')).toBe(0);
      expect(output).toMatch(/"slo":"misspelt".*"message":"slo queries match no series"/);
    } finally {
      if (server.exitCode === null && server.signalCode === null) {
        const exited = new Promise((resolve) => server.once('exit', resolve));
        server.kill('SIGTERM');
        await exited;
      }
    }
  }, 120_000);
});
