import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../src/server/http-server.js';
import { knownLedger, memoryLogger, serverDeps, testConfig } from './helpers.js';

const TOKEN = 'tok-3f9a-very-secret';
const reportsDir = mkdtempSync(join(tmpdir(), 'slo-ledger-reports-'));
mkdirSync(join(reportsDir, '2026-10'));
writeFileSync(join(reportsDir, '2026-10', 'report.json'), '{"month":"2026-10"}\n');
writeFileSync(join(reportsDir, '2026-10', 'report.html'), '<!doctype html><title>October</title>\n');
mkdirSync(join(reportsDir, 'not-a-month'));

const open = testConfig({ reportsDir });
const openLog = memoryLogger(open.secrets);
const openDeps = serverDeps(open, await knownLedger(open), openLog.logger);
const openApp = buildHttpServer(openDeps);

const guarded = testConfig({ reportsDir, token: TOKEN });
const guardedLog = memoryLogger(guarded.secrets);
const guardedApp = buildHttpServer(serverDeps(guarded, await knownLedger(guarded), guardedLog.logger));

afterAll(async () => {
  await openApp.close();
  await guardedApp.close();
  rmSync(reportsDir, { recursive: true, force: true });
});

describe('bearer token', () => {
  it.each(['/metrics', '/', '/api/v1/slos', '/api/v1/reports', '/api/v1/slos/api-latency/series'])('answers 401 on %s without the token', async (url) => {
    const response = await guardedApp.inject({ url });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(response.json()).toHaveProperty('error');
  });

  it('answers 401 to a wrong token and 200 to the right one', async () => {
    expect((await guardedApp.inject({ url: '/api/v1/slos', headers: { authorization: 'Bearer nope' } })).statusCode).toBe(401);
    expect((await guardedApp.inject({ url: '/api/v1/slos', headers: { authorization: `Bearer ${TOKEN}x` } })).statusCode).toBe(401);
    expect((await guardedApp.inject({ url: '/api/v1/slos', headers: { authorization: `Basic ${TOKEN}` } })).statusCode).toBe(401);
    expect((await guardedApp.inject({ url: '/api/v1/slos', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200);
  });

  it('leaves /healthz and /readyz open for probes, and nothing else', async () => {
    expect((await guardedApp.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await guardedApp.inject({ url: '/healthz?x=1' })).statusCode).toBe(200);
    for (const url of ['/healthz/../api/v1/slos', '/readyz/', '//healthz', '/nowhere']) expect((await guardedApp.inject({ url })).statusCode, url).toBe(401);
    expect((await guardedApp.inject({ url: '/readyz' })).statusCode).toBe(503);
  });

  it('never writes the token to the log', async () => {
    await guardedApp.inject({ url: '/api/v1/slos?at=bad', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(guardedLog.lines.length).toBeGreaterThan(0);
    expect(guardedLog.lines.join('\n')).not.toContain(TOKEN);
  });
});

describe('corrections API without server.api_tokens', () => {
  const body = { slo: 'api-availability', from: '2026-10-31T23:00:00Z', to: '2026-11-01T00:00:00Z', category: 'other', reason: 'x' };

  it('answers writes with 403 "writes are disabled", and still reads', async () => {
    for (const request of [
      { method: 'POST' as const, url: '/api/v1/corrections', payload: body },
      { method: 'DELETE' as const, url: '/api/v1/corrections/c1' },
    ]) {
      const response = await openApp.inject(request);
      expect(response.statusCode, request.method).toBe(403);
      expect(response.json().error).toMatch(/^writes are disabled: set server\.api_tokens/);
    }
    const list = await openApp.inject({ url: '/api/v1/corrections' });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual([]);
    expect((await openApp.inject({ url: '/api/v1/corrections/history' })).json()).toEqual([]);
  });

  it('still asks for the read token first when one is configured, and refuses writes with it', async () => {
    expect((await guardedApp.inject({ method: 'POST', url: '/api/v1/corrections', payload: body })).statusCode).toBe(401);
    const withToken = await guardedApp.inject({ method: 'POST', url: '/api/v1/corrections', payload: body, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(withToken.statusCode).toBe(403);
    expect(withToken.body).not.toContain(TOKEN);
  });
});

describe('readiness', () => {
  it('is 503 with the reason until the first sync, 200 after a successful one, 503 naming Prometheus after a failed one', async () => {
    const first = await openApp.inject({ url: '/readyz' });
    expect(first.statusCode).toBe(503);
    expect(first.json()).toEqual({ status: 'not ready', reasons: ['sync: the first sync has not finished yet'] });
    openDeps.health.record({ endedAtMs: Date.now(), durationMs: 10, ok: true, failures: [] });
    expect((await openApp.inject({ url: '/readyz' })).statusCode).toBe(200);
    openDeps.health.record({ endedAtMs: Date.now(), durationMs: 10, ok: false, failures: [{ slo: 'api-latency', error: 'ECONNREFUSED' }] });
    const failed = await openApp.inject({ url: '/readyz' });
    expect(failed.statusCode).toBe(503);
    expect(failed.json().reasons).toEqual(['prometheus: api-latency: ECONNREFUSED']);
  });
});

describe('JSON API', () => {
  it('answers the status contract with the ground-truth figures', async () => {
    const body = (await openApp.inject({ url: '/api/v1/slos/api-availability?window=1h,24h&at=2026-11-01T00:00:00Z' })).json();
    expect(body.at).toBe('2026-11-01T00:00:00.000Z');
    expect(body.slos).toHaveLength(1);
    const [h1, d1] = body.slos[0].windows;
    expect(h1).toMatchObject({ window: '1h', good: 11_988, total: 12_000, coverage: 1 });
    expect(h1.sli).toBeCloseTo(0.999, 12);
    expect(d1.error_budget.remaining).toBeCloseTo(1 - 12 / 288, 9);
    expect(d1.burn_rate).toBeCloseTo(12 / 288, 9);
  });

  it('lists every SLO over 24h, 7d and 30d by default', async () => {
    const body = (await openApp.inject({ url: '/api/v1/slos' })).json();
    expect(body.slos.map((s: { name: string }) => s.name)).toEqual(['api-availability', 'api-latency', 'job-success']);
    expect(body.slos[0].windows.map((w: { window: string }) => w.window)).toEqual(['24h', '7d', '30d']);
    expect(body.slos[2].windows[0]).toMatchObject({ sli: null, reason: 'no-traffic', total: 0 });
  });

  it('gives a series whose points agree with the status of the same window and instant', async () => {
    const body = (await openApp.inject({ url: '/api/v1/slos/api-availability/series?from=2026-10-31T22:00:00Z&to=2026-11-01T00:00:00Z&step=1h&window=24h' })).json();
    expect(body.points.map((p: { at: string }) => p.at)).toEqual(['2026-10-31T22:00:00.000Z', '2026-10-31T23:00:00.000Z', '2026-11-01T00:00:00.000Z']);
    const last = body.points[2];
    expect(last.total).toBe(288_000);
    expect(last.error_budget_remaining).toBeCloseTo(1 - 12 / 288, 9);
    // 22:00: 264 buckets inside the window, none of them with a bad event.
    expect(body.points[0]).toMatchObject({ total: 264_000, sli: 1, error_budget_remaining: 1, coverage: 264 / 288 });
  });

  it.each([
    ['/api/v1/slos?at=yesterday', 'at'],
    ['/api/v1/slos?window=7m', 'window'],
    ['/api/v1/slos?windw=24h', 'windw'],
    ['/api/v1/slos/api-latency?at=1&at=2', 'at'],
    ['/api/v1/slos/api-latency/series?step=1m', 'step'],
    ['/api/v1/slos/api-latency/series?from=2026-01-01T00:00:00Z&to=2026-11-01T00:00:00Z&step=5m', 'step'],
    ['/api/v1/slos/api-latency/series?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z', 'from'],
    ['/api/v1/slos/api-latency/series?window=2026-10', 'window'],
    ['/api/v1/reports/2026-13', 'month'],
    ['/api/v1/reports/2026-10.exe', 'month'],
    ['/?at=soon', 'at'],
    ['/metrics?x=1', 'x'],
    ['/api/v1/slos?at=-271821-04-20T00:00:00Z', 'at'],
    ['/?at=%2B275760-09-13T00:00:00Z', 'at'],
    ['/api/v1/slos/api-latency/series?to=1969-12-31T00:00:00Z', 'to'],
    ['/api/v1/slos/api-latency/series?window=99999d', 'window'],
    ['/api/v1/slos?window=401d', 'window'],
  ])('answers 400 naming the parameter for %s', async (url, parameter) => {
    const response = await openApp.inject({ url });
    expect(response.statusCode).toBe(400);
    expect(response.json().parameter).toBe(parameter);
    expect(response.json().error).toMatch(new RegExp(`^${parameter}: `));
  });

  it('answers 404 with JSON for an unknown SLO, report or route', async () => {
    for (const url of ['/api/v1/slos/nope', '/api/v1/reports/2026-09', '/api/v1/reports/2026-10.pdf', '/nowhere']) {
      const response = await openApp.inject({ url });
      expect(response.statusCode, url).toBe(404);
      expect(response.json().error, url).toBeTypeOf('string');
    }
  });
});

describe('monthly reports', () => {
  it('lists the months that have report files and serves each file with its type', async () => {
    expect((await openApp.inject({ url: '/api/v1/reports' })).json()).toEqual({
      reports: [{ month: '2026-10', formats: ['html', 'json'], links: { html: '/api/v1/reports/2026-10.html', json: '/api/v1/reports/2026-10.json' } }],
    });
    const json = await openApp.inject({ url: '/api/v1/reports/2026-10.json' });
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect(json.json()).toEqual({ month: '2026-10' });
    const html = await openApp.inject({ url: '/api/v1/reports/2026-10.html' });
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.body).toContain('<title>October</title>');
  });
});

describe('status page', () => {
  it('escapes user strings and loads nothing from elsewhere', async () => {
    const config = testConfig({ reportsDir });
    config.slos[0]!.description = '<script>alert("x")</script> & friends';
    config.slos[0]!.service = 'api "<b>"';
    const app = buildHttpServer(serverDeps(config, await knownLedger(config), memoryLogger([]).logger));
    const response = await app.inject({ url: '/' });
    await app.close();
    expect(response.statusCode).toBe(200);
    expect(response.body).not.toContain('<script');
    expect(response.body).not.toContain('<b>');
    expect(response.body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; friends');
    expect(response.body).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
  });

  it('shows every SLO with the ground-truth budget, "n/a" alerts without a provider, a burn-down chart and the report links', async () => {
    const body = (await openApp.inject({ url: '/' })).body;
    for (const slo of open.slos) expect(body).toContain(`data-slo="${slo.name}"`);
    expect(body).toContain(`data-value="${1 - 12 / 288}"`);
    expect(body).toContain('<span data-field="alert">n/a</span>');
    expect(body).toMatch(/<svg class="burn-down"[^>]*data-final-remaining="0\.9583/);
    expect(body).toContain('href="api/v1/reports/2026-10.html"');
  });
});
