import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_SCENARIO } from '../helpers/alert-scenario.js';
import { runCli } from '../helpers/cli.js';
import { startFixturePrometheus, type FixturePrometheus } from '../helpers/fixture.js';
import { startProxy, type ProxyRule, type TestProxy } from '../helpers/proxy.js';

// What Prometheus (or a proxy in front of it) answers besides data, through the real CLI: a proxy
// between the CLI and the fixture's real Prometheus answers some requests itself.
describe('answers that are not data (the built CLI, a proxy in front of a real Prometheus)', () => {
  let fixture: FixturePrometheus;
  let dir: string;
  const proxies: TestProxy[] = [];
  let runs = 0;

  /** `sync` through a proxy with `rule`, on a fresh ledger. */
  const syncThrough = async (rule: ProxyRule) => {
    const proxy = await startProxy(fixture.prometheus.url, rule);
    proxies.push(proxy);
    runs += 1;
    const result = await runCli(['--prometheus', proxy.url, '--db', join(dir, `ledger-${runs}.db`), 'sync', '--at', '2026-10-31T22:00:00Z'], {}, 60_000);
    return { ...result, proxy };
  };
  const queries = (proxy: TestProxy) => proxy.requests.filter((r) => r.path.startsWith('/api/v1/query'));

  beforeAll(async () => {
    fixture = await startFixturePrometheus(ALERT_SCENARIO);
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-answers-'));
  }, 120_000);

  afterAll(async () => {
    for (const proxy of proxies) await proxy.close();
    await fixture?.prometheus.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('retries a 5xx whose body is a proxy\'s HTML page by its status, then syncs', async () => {
    const html = '<html><body><h1>502 Bad Gateway</h1></body></html>';
    // The SLOs sync side by side: the first query asked gets two 502s, whichever SLO's it is.
    let first: string | undefined;
    let refused = 0;
    const result = await syncThrough((request) => {
      if (!request.path.startsWith('/api/v1/query')) return undefined;
      first ??= request.body;
      if (request.body !== first || refused >= 2) return undefined;
      refused += 1;
      return { status: 502, body: html, headers: { 'content-type': 'text/html' } };
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // Both 502s were retried: that query was asked three times.
    expect(refused).toBe(2);
    expect(queries(result.proxy).filter((r) => r.body === first)).toHaveLength(3);
  });

  it('gives up on a plain-text 503 after its retries with the status and the first bytes of the body', async () => {
    const result = await syncThrough((request) => (request.path.startsWith('/api/v1/query') ? { status: 503, body: 'upstream connect error or disconnect/reset before headers', headers: { 'content-type': 'text/plain' } } : undefined));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('answered HTTP 503 with a body that is not a Prometheus API response: "upstream connect error or disconnect/reset before headers"');
    expect(result.stderr).not.toContain('malformed');
    const first = queries(result.proxy)[0]!.body;
    expect(queries(result.proxy).filter((r) => r.body === first)).toHaveLength(3);
  });

  it('reports Prometheus\'s own error text for a 200 answer with status "error", without retrying it', async () => {
    const body = JSON.stringify({ status: 'error', errorType: 'execution', error: 'query processing would load too many samples into memory' });
    const result = await syncThrough((request) => (request.path.startsWith('/api/v1/query') ? { status: 200, body } : undefined));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('answered with an error (execution): query processing would load too many samples into memory');
    expect(result.stderr).not.toContain('Cannot read properties');
    const first = queries(result.proxy)[0]!.body;
    expect(queries(result.proxy).filter((r) => r.body === first)).toHaveLength(1);
  });

  it('names a +Inf value as +Inf, and fails that SLO\'s sync', async () => {
    const body = JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values: [[1793487600, '12'], [1793487900, '+Inf']] }] } });
    const result = await syncThrough((request) => (request.path.startsWith('/api/v1/query_range') ? { status: 200, body } : undefined));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('value +Inf is not a finite number');
    expect(result.stderr).not.toContain('value NaN');
  });
});
