import { describe, expect, it } from 'vitest';
import { BUCKET_MS } from '../../src/domain/duration.js';
import type { SloDefinition } from '../../src/domain/slo.js';
import { fetchBucketChunks, fetchSpan } from '../../src/prometheus/fetch-buckets.js';
import { PART_LABEL } from '../../src/prometheus/promql.js';
import type { InstantSample, PrometheusQueryApi, RangeSeries } from '../../src/prometheus/query-api.js';

// How one grouped query's answer is split into groups (a unit: the answers are written by hand;
// the events path is checked against a real Prometheus in test/app/grouped-slo.test.ts).
const T = Date.parse('2026-10-31T12:00:00Z');
const LATENCY: SloDefinition = {
  name: 'tenant-latency', service: 'api', description: '', objectiveRatio: 0.95, windowMs: 30 * 86_400_000, groupBy: ['tenant'], maxGroups: 10,
  sli: { kind: 'latency', histogram: 'http_request_duration_seconds', selector: 'job="api"', thresholdSeconds: 0.5, quantile: 0.95 },
};

/** Answers every range query with `series` at two bucket ends, and records the queries. */
function answering(series: Array<{ labels: Record<string, string>; values: [number, number] }>, queries: string[]): PrometheusQueryApi {
  return {
    async rangeQuery(query): Promise<RangeSeries[]> {
      queries.push(query);
      return series.map((s) => ({ labels: s.labels, points: [[T, s.values[0]], [T + BUCKET_MS, s.values[1]]] }));
    },
    async instantQuery(query): Promise<InstantSample[]> {
      queries.push(query);
      const part = query.includes('_bucket') ? 'buckets' : 'total';
      return series.filter((s) => s.labels[PART_LABEL] === part).map((s) => {
        const { [PART_LABEL]: _part, ...labels } = s.labels;
        return { labels, value: s.values[0] + s.values[1] };
      });
    },
  };
}

const bucket = (tenant: string, le: string, values: [number, number]) => ({ labels: { [PART_LABEL]: 'buckets', tenant, le }, values });
const total = (tenant: string, values: [number, number]) => ({ labels: { [PART_LABEL]: 'total', tenant }, values });

describe('a grouped latency SLO', () => {
  it('asks for the histogram by le and the group labels, and books each group\'s good and total; a group silent in one bucket had no traffic there', async () => {
    const queries: string[] = [];
    const api = answering([
      bucket('a', '0.5', [90, 80]), bucket('a', '+Inf', [100, 100]), total('a', [100, 100]),
      bucket('b', '0.5', [5, 0]), bucket('b', '+Inf', [10, 0]), total('b', [10, 0]),
    ], queries);
    const chunks = [];
    for await (const chunk of fetchBucketChunks(api, LATENCY, T, T + BUCKET_MS)) chunks.push(chunk);
    expect(queries[0]).toContain('sum by (le, tenant) (increase(http_request_duration_seconds_bucket{job="api"}[5m]))');
    expect(queries[0]).toContain('sum by (tenant)(increase(http_request_duration_seconds_count{job="api"}[5m]))');
    const [chunk] = chunks;
    expect(chunk!.buckets.map((b) => [b.status, b.good, b.total])).toEqual([['ok', 95, 110], ['ok', 80, 100]]);
    const byTenant = Object.fromEntries(chunk!.groups.map((g) => [g.labels.tenant, g.buckets.map((b) => [b.status, b.good, b.total])]));
    expect(byTenant).toEqual({ a: [['ok', 90, 100], ['ok', 80, 100]], b: [['ok', 5, 10], ['ok', 0, 0]] });
  });

  it('sums a span per group for reconciliation', async () => {
    const api = answering([bucket('a', '0.5', [90, 80]), bucket('a', '+Inf', [100, 100]), total('a', [100, 100]), bucket('b', '0.5', [5, 0]), bucket('b', '+Inf', [10, 0]), total('b', [10, 0])], []);
    const span = await fetchSpan(api, LATENCY, T + BUCKET_MS, 2 * BUCKET_MS);
    expect([span.counts.good, span.counts.total]).toEqual([175, 210]);
    expect(Object.fromEntries(span.groups.map((g) => [g.labels.tenant, [g.counts.good, g.counts.total]]))).toEqual({ a: [170, 200], b: [5, 10] });
  });

  it('refuses an answer with labels beyond group_by, and more groups than max_groups', async () => {
    const extra = answering([{ labels: { [PART_LABEL]: 'total', tenant: 'a', pod: 'p1' }, values: [1, 1] }], []);
    await expect(fetchBucketChunks(extra, LATENCY, T, T + BUCKET_MS).next()).rejects.toThrow('SLO tenant-latency: the query returned a series with the labels {pod, tenant}, but the SLO groups by [tenant]');
    const many = answering(Array.from({ length: 11 }, (_, i) => total(`t${i}`, [1, 1])), []);
    await expect(fetchBucketChunks(many, LATENCY, T, T + BUCKET_MS).next()).rejects.toThrow('SLO tenant-latency: 11 groups by [tenant] exceed max_groups 10');
  });
});
