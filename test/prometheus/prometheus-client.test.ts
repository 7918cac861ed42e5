import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/domain/clock.js';
import { syncLedger } from '../../src/app/sync-ledger.js';
import { DEFAULT_SLOS } from '../../src/config/defaults.js';
import { BUCKET_MS } from '../../src/domain/duration.js';
import type { SloDefinition } from '../../src/domain/slo.js';
import { PrometheusError } from '../../src/errors.js';
import { freePort } from '../../src/fixture/prometheus-server.js';
import { shortScenario } from '../../src/fixture/scenarios.js';
import { openLedger } from '../../src/ledger/open-ledger.js';
import type { LedgerStores } from '../../src/ledger/ledger-stores.js';
import { fetchBuckets } from '../../src/prometheus/fetch-buckets.js';
import { PrometheusClient } from '../../src/prometheus/prometheus-client.js';
import { PrometheusMetricsSource } from '../../src/prometheus/metrics-source.js';
import { startFixturePrometheus, type FixturePrometheus } from '../helpers/fixture.js';
import { startProxy, type TestProxy } from '../helpers/proxy.js';

const HOUR = 3_600_000;
const SCENARIO = shortScenario();
/** A day of buckets inside the short scenario's data. */
const LAST_END = SCENARIO.endMs - 2 * HOUR;
const FIRST_END = LAST_END - 24 * HOUR + BUCKET_MS;
const [AVAILABILITY, LATENCY, JOBS] = DEFAULT_SLOS.map((s) => structuredClone(s)) as [SloDefinition, SloDefinition, SloDefinition];

function withTotalQuery(name: string, totalQuery: string): SloDefinition {
  return { ...structuredClone(AVAILABILITY), name, sli: { kind: 'events', badQuery: 'vector(0)', totalQuery } };
}

async function rejection(promise: Promise<unknown>): Promise<PrometheusError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(PrometheusError);
    return error as PrometheusError;
  }
  throw new Error('expected a PrometheusError, but the call succeeded');
}

describe('the Prometheus adapter against a real Prometheus and a faulty proxy on 127.0.0.1', () => {
  let fixture: FixturePrometheus;
  const proxies: TestProxy[] = [];
  const proxy = async (...args: Parameters<typeof startProxy>) => {
    const p = await startProxy(...args);
    proxies.push(p);
    return p;
  };

  beforeAll(async () => {
    fixture = await startFixturePrometheus(SCENARIO);
  });
  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await fixture?.prometheus.stop();
  });

  it('a PromQL parse error names the SLO and carries Prometheus own error text, and is not retried', async () => {
    const p = await proxy(fixture.prometheus.url);
    const client = new PrometheusClient({ url: p.url, timeoutMs: 10_000, backoffMs: 1 });
    const broken = withTotalQuery('broken-query', 'sum(increase(rendiff_api_requests_total[{{.window}}])');
    const error = await rejection(fetchBuckets(client, broken, FIRST_END, LAST_END));
    expect(error.status).toBe(400);
    expect(error.slo).toBe('broken-query');
    expect(error.message).toMatch(/SLO broken-query: .*answered HTTP 400: .*parse error/);
    expect(p.requests.filter((r) => r.body.includes('rendiff_api_requests_total'))).toHaveLength(1);
  });

  it('retries 5xx answers with backoff and then uses the answer', async () => {
    const p = await proxy(fixture.prometheus.url, (_req, i) => (i < 2 ? { status: 503, body: '{"status":"error","error":"overloaded"}' } : undefined));
    const client = new PrometheusClient({ url: p.url, timeoutMs: 10_000, attempts: 3, backoffMs: 5 });
    const direct = new PrometheusClient({ url: fixture.prometheus.url, timeoutMs: 10_000 });
    const [viaProxy, expected] = [
      await fetchBuckets(client, AVAILABILITY, FIRST_END, FIRST_END + 11 * BUCKET_MS),
      await fetchBuckets(direct, AVAILABILITY, FIRST_END, FIRST_END + 11 * BUCKET_MS),
    ];
    expect(viaProxy).toEqual(expected);
    expect(viaProxy.every((b) => b.status === 'ok' && b.total > 0)).toBe(true);
  });

  it('gives up after the last attempt with the status and Prometheus error text', async () => {
    const p = await proxy(fixture.prometheus.url, () => ({ status: 503, body: '{"status":"error","errorType":"unavailable","error":"overloaded"}' }));
    const client = new PrometheusClient({ url: p.url, timeoutMs: 10_000, attempts: 3, backoffMs: 1 });
    const error = await rejection(client.instantQuery('up', LAST_END, { slo: 'api-availability' }));
    expect(error.status).toBe(503);
    expect(error.message).toContain('overloaded');
    expect(p.requests).toHaveLength(3);
  });

  it('names an unreachable Prometheus and its URL', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const client = new PrometheusClient({ url, timeoutMs: 2_000, attempts: 2, backoffMs: 1 });
    const error = await rejection(client.instantQuery('up', LAST_END));
    expect(error.message).toContain(`cannot reach Prometheus at ${url}`);
  });

  it('gives up on a Prometheus that does not answer within the timeout, and says so', async () => {
    const p = await proxy(fixture.prometheus.url, () => ({ status: 0, body: '' }));
    const client = new PrometheusClient({ url: p.url, timeoutMs: 300, attempts: 2, backoffMs: 1 });
    const started = Date.now();
    const error = await rejection(client.instantQuery('up', LAST_END, { slo: 'api-availability' }));
    expect(error.message).toContain(`SLO api-availability: Prometheus at ${p.url} did not answer within 300 ms`);
    expect(p.requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('rejects an answer that is not a Prometheus API response', async () => {
    const p = await proxy(fixture.prometheus.url, () => ({ status: 200, body: '<html>login page</html>', headers: { 'content-type': 'text/html' } }));
    const client = new PrometheusClient({ url: p.url, timeoutMs: 10_000, backoffMs: 1 });
    const error = await rejection(client.rangeQuery('up', FIRST_END, LAST_END, BUCKET_MS));
    expect(error.message).toMatch(/malformed answer/);
  });

  it('rejects NaN and infinite values instead of storing them', async () => {
    const client = new PrometheusClient({ url: fixture.prometheus.url, timeoutMs: 10_000 });
    const dividedByZero = withTotalQuery('inf-total', 'sum(increase(rendiff_api_requests_total[{{.window}}])) / 0');
    const error = await rejection(fetchBuckets(client, dividedByZero, FIRST_END, FIRST_END + BUCKET_MS));
    expect(error.message).toMatch(/SLO inf-total: .*not a finite number/);
  });

  it('sends a bearer token, extra headers and a path prefix as a Thanos or Mimir gateway wants them, and never shows the token', async () => {
    const token = 'tok-3f9a1c7e';
    const p = await proxy(
      fixture.prometheus.url,
      (req) =>
        req.headers.authorization === `Bearer ${token}` && req.headers['x-scope-orgid'] === 'rendiff' && req.path.startsWith('/prometheus/api/v1/')
          ? undefined
          : { status: 401, body: '{"status":"error","error":"unauthorized"}' },
      '/prometheus',
    );
    const good = new PrometheusClient({ url: `${p.url}/prometheus`, headers: { 'X-Scope-OrgID': 'rendiff' }, bearerToken: token, timeoutMs: 10_000 });
    const buckets = await fetchBuckets(good, AVAILABILITY, FIRST_END, FIRST_END + 2 * BUCKET_MS);
    expect(buckets.map((b) => b.status)).toEqual(['ok', 'ok', 'ok']);

    const wrong = new PrometheusClient({ url: `${p.url}/prometheus`, bearerToken: 'not-the-token', timeoutMs: 10_000 });
    const error = await rejection(wrong.instantQuery('up', LAST_END));
    expect(error.status).toBe(401);
    expect(error.message).toContain('refused the credentials');
    expect(error.message).not.toContain('not-the-token');
  });

  it('sends basic auth', async () => {
    const expected = `Basic ${Buffer.from('slo:pa55-word').toString('base64')}`;
    const p = await proxy(fixture.prometheus.url, (req) => (req.headers.authorization === expected ? undefined : { status: 401, body: '{}' }));
    const client = new PrometheusClient({ url: p.url, basicAuth: { username: 'slo', password: 'pa55-word' }, timeoutMs: 10_000 });
    expect((await client.instantQuery('vector(1)', LAST_END))[0]!.value).toBe(1);
  });

  it('splits long ranges into chunks under the point limit and returns the same buckets', async () => {
    const p = await proxy(fixture.prometheus.url);
    const chunked = new PrometheusClient({ url: p.url, timeoutMs: 10_000 });
    const whole = await fetchBuckets(new PrometheusClient({ url: fixture.prometheus.url, timeoutMs: 10_000 }), JOBS, FIRST_END, LAST_END);
    const parts = await fetchBuckets(chunked, JOBS, FIRST_END, LAST_END, 100);
    expect(parts).toEqual(whole);
    expect(whole).toHaveLength(288);
    const ranges = p.requests.map((r) => new URLSearchParams(r.body)).filter((q) => q.has('step'));
    expect(ranges.length).toBe(3);
    for (const q of ranges) {
      const points = (Number(q.get('end')) - Number(q.get('start'))) / Number(q.get('step')) + 1;
      expect(points).toBeLessThanOrEqual(100);
    }
  });

  it('reads Go-style le="2" histograms, and names the bounds when the threshold is not one of them', async () => {
    const client = new PrometheusClient({ url: fixture.prometheus.url, timeoutMs: 10_000 });
    const buckets = await fetchBuckets(client, LATENCY, FIRST_END, FIRST_END + BUCKET_MS);
    expect(buckets.every((b) => b.status === 'ok' && b.good > 0 && b.good < b.total)).toBe(true);
    const off = { ...structuredClone(LATENCY), name: 'latency-3s', sli: { ...(LATENCY.sli as object), thresholdSeconds: 3 } } as SloDefinition;
    const error = await rejection(fetchBuckets(client, off, FIRST_END, FIRST_END + BUCKET_MS));
    expect(error.message).toContain('threshold 3s is not a bucket bound');
    expect(error.message).toContain('0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 5, 10, +Inf');
  });

  it('a failed fetch writes nothing for that SLO, and the other SLOs are still synced', async () => {
    const p = await proxy(fixture.prometheus.url, (req) => (req.body.includes('rendiff_jobs_failed_total') ? { status: 500, body: '{"status":"error","error":"boom"}' } : undefined));
    const dir = mkdtempSync(join(tmpdir(), 'slo-ledger-fail-'));
    const ledger = openLedger(join(dir, 'l.db'));
    try {
      const client = new PrometheusClient({ url: p.url, timeoutMs: 10_000, attempts: 2, backoffMs: 1 });
      const result = await syncLedger({
        buckets: ledger.buckets, source: new PrometheusMetricsSource(client), slos: [AVAILABILITY, JOBS], clock: systemClock, timeZone: 'UTC', atMs: LAST_END, fromMs: FIRST_END - BUCKET_MS, retentionMs: 400 * 24 * HOUR,
      });
      const [availability, jobs] = result.slos;
      expect(availability!.error).toBeUndefined();
      expect(availability!.missingBuckets).toBe(0);
      expect(jobs!.error).toMatch(/SLO job-success: .*HTTP 500: boom/);
      expect(await ledger.buckets.readBuckets((await ledger.buckets.findSeries(JOBS))!, 0, LAST_END)).toEqual([]);
      // Every bucket of the failed SLO stays missing, to be fetched again by the next sync.
      expect(jobs!.missingBuckets).toBe((LAST_END - result.fromMs) / BUCKET_MS + 1);
    } finally {
      await ledger.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
