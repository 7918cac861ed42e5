import type { FetchedBucket, FetchedCounts } from '../domain/bucket.js';
import { BUCKET_MS } from '../domain/duration.js';
import type { SloDefinition } from '../domain/slo.js';
import { PrometheusError } from '../errors.js';
import { buildSliQueries, combineSliQueries, PART_LABEL } from './promql.js';
import type { PrometheusQueryApi, RangeSeries } from './query-api.js';

/**
 * Points per range query: Prometheus refuses more than 11,000 per series, and a week of buckets per
 * query keeps a backfill's answers (and the memory they take while parsed) small.
 */
export const DEFAULT_MAX_POINTS_PER_QUERY = 2_016;

/**
 * Fetches the buckets of one SLO whose ends lie in [firstEndMs, lastEndMs] (multiples of 5
 * minutes) with range queries at step = bucket size, one chunk under Prometheus's point limit at
 * a time: the only place a range is split into queries. Every bucket in the range is yielded,
 * `ok` or `no-data`; a failed request throws, so a failure never turns into zero counts.
 */
export async function* fetchBucketChunks(
  source: PrometheusQueryApi,
  slo: SloDefinition,
  firstEndMs: number,
  lastEndMs: number,
  maxPointsPerQuery = DEFAULT_MAX_POINTS_PER_QUERY,
): AsyncGenerator<FetchedBucket[]> {
  const queries = buildSliQueries(slo.sli, BUCKET_MS);
  const combined = combineSliQueries(queries);
  for (let chunkStart = firstEndMs; chunkStart <= lastEndMs; chunkStart += maxPointsPerQuery * BUCKET_MS) {
    const chunkEnd = Math.min(lastEndMs, chunkStart + (maxPointsPerQuery - 1) * BUCKET_MS);
    const result = await source.rangeQuery(combined, chunkStart, chunkEnd, BUCKET_MS, { slo: slo.name });
    const part = (name: string) => result.filter((series) => series.labels[PART_LABEL] === name);
    const totalAt = sumByTime(part('total'));
    const out: FetchedBucket[] = [];
    if (queries.kind === 'events') {
      const hasGood = queries.good !== undefined;
      const goodAt = hasGood ? sumByTime(part('good')) : undefined;
      const badAt = queries.bad !== undefined ? sumByTime(part('bad')) : undefined;
      for (let end = chunkStart; end <= chunkEnd; end += BUCKET_MS) {
        out.push({ endMs: end, ...combineEvents(goodAt?.get(end), badAt?.get(end), totalAt?.get(end), hasGood) });
      }
    } else {
      const histogramAt = histogramByTime(part('buckets'), slo);
      for (let end = chunkStart; end <= chunkEnd; end += BUCKET_MS) {
        out.push({ endMs: end, ...combineLatency(slo, histogramAt.get(end), totalAt?.get(end)) });
      }
    }
    yield out;
  }
}

/** Every bucket of {@link fetchBucketChunks} at once. */
export async function fetchBuckets(...args: Parameters<typeof fetchBucketChunks>): Promise<FetchedBucket[]> {
  const out: FetchedBucket[] = [];
  for await (const chunk of fetchBucketChunks(...args)) out.push(...chunk);
  return out;
}

/**
 * Counts of one SLO over the span (endMs − spanMs, endMs] from instant queries whose window is
 * the whole span: what Prometheus itself says, e.g. across a scrape gap.
 */
export async function fetchSpanCounts(source: PrometheusQueryApi, slo: SloDefinition, endMs: number, spanMs: number): Promise<FetchedCounts> {
  const queries = buildSliQueries(slo.sli, spanMs);
  const instant = async (query: string) => {
    const samples = await source.instantQuery(query, endMs, { slo: slo.name });
    return samples.length === 0 ? undefined : samples.reduce((acc, s) => acc + s.value, 0);
  };
  if (queries.kind === 'events') {
    const [good, bad, total] = await Promise.all([
      queries.good !== undefined ? instant(queries.good) : undefined,
      queries.bad !== undefined ? instant(queries.bad) : undefined,
      instant(queries.total),
    ]);
    return combineEvents(good, bad, total, queries.good !== undefined);
  }
  const [samples, total] = await Promise.all([source.instantQuery(queries.buckets, endMs, { slo: slo.name }), instant(queries.total)]);
  const histogram = histogramOf(samples.map((s) => ({ le: s.labels.le, value: s.value })), slo);
  return combineLatency(slo, histogram, total);
}

/** Sums every series of a result per timestamp; `undefined` when the query was not made. */
function sumByTime(result: RangeSeries[] | undefined): Map<number, number> | undefined {
  if (result === undefined) return undefined;
  const at = new Map<number, number>();
  for (const series of result) {
    for (const [t, v] of series.points) at.set(t, (at.get(t) ?? 0) + v);
  }
  return at;
}

/**
 * A missing good (or bad) point next to a present total means no such event happened: a
 * labelled series such as 5xx often does not exist before its first event. Good is clamped to
 * [0, total] because extrapolation can nudge it past the total by a fraction.
 */
function combineEvents(good: number | undefined, bad: number | undefined, total: number | undefined, hasGood: boolean): FetchedCounts {
  if (total === undefined) return { status: 'no-data', good: 0, total: 0 };
  const rawGood = hasGood ? (good ?? 0) : total - (bad ?? 0);
  return { status: 'ok', good: clamp(rawGood, 0, total), total };
}

function combineLatency(slo: SloDefinition, histogram: Array<{ le: number; count: number }> | undefined, total: number | undefined): FetchedCounts {
  if (total === undefined || histogram === undefined || slo.sli.kind !== 'latency') return { status: 'no-data', good: 0, total: 0 };
  const threshold = slo.sli.thresholdSeconds;
  const match = histogram.find((b) => Math.abs(b.le - threshold) <= 1e-9 * Math.max(1, threshold));
  if (match === undefined) {
    const bounds = histogram.map((b) => (b.le === Infinity ? '+Inf' : String(b.le))).join(', ');
    throw new PrometheusError(
      `SLO ${slo.name}: the latency threshold ${threshold}s is not a bucket bound of ${slo.sli.histogram} (bounds: ${bounds}); set threshold to one of them`,
      { slo: slo.name },
    );
  }
  return { status: 'ok', good: clamp(match.count, 0, total), total, histogram };
}

/**
 * The histogram of each bucket end from per-`le` series. Bounds are parsed once per series and the
 * counts gathered in typed arrays: a backfill passes millions of points through here.
 */
function histogramByTime(result: RangeSeries[], slo: SloDefinition): Map<number, Array<{ le: number; count: number }>> {
  const boundOf = result.map((series) => parseLe(series.labels.le, slo));
  const bounds = [...new Set(boundOf)].sort((a, b) => a - b);
  const position = new Map(bounds.map((bound, i) => [bound, i]));
  const byTime = new Map<number, { counts: Float64Array; present: Uint8Array }>();
  result.forEach((series, k) => {
    const i = position.get(boundOf[k]!)!;
    for (const [t, v] of series.points) {
      let entry = byTime.get(t);
      if (entry === undefined) {
        entry = { counts: new Float64Array(bounds.length), present: new Uint8Array(bounds.length) };
        byTime.set(t, entry);
      }
      entry.counts[i]! += v;
      entry.present[i] = 1;
    }
  });
  const out = new Map<number, Array<{ le: number; count: number }>>();
  for (const [t, { counts, present }] of byTime) {
    const histogram: Array<{ le: number; count: number }> = [];
    bounds.forEach((le, i) => {
      if (present[i] === 1) histogram.push({ le, count: counts[i]! });
    });
    out.set(t, histogram);
  }
  return out;
}

/** Adds series that share a bound numerically ("2" and "2.0"), sorted by bound. */
function histogramOf(list: Array<{ le: string | undefined; value: number }>, slo: SloDefinition): Array<{ le: number; count: number }> | undefined {
  if (list.length === 0) return undefined;
  const byBound = new Map<number, number>();
  for (const { le, value } of list) {
    const bound = parseLe(le, slo);
    byBound.set(bound, (byBound.get(bound) ?? 0) + value);
  }
  return [...byBound].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

/** An `le` label as a number: Go writes "2", Python "2.0", both "+Inf". */
function parseLe(le: string | undefined, slo: SloDefinition): number {
  const bound = le === undefined ? NaN : le === '+Inf' ? Infinity : Number(le);
  if (Number.isNaN(bound)) {
    throw new PrometheusError(`SLO ${slo.name}: histogram series without a valid le label (le=${String(le)})`, { slo: slo.name });
  }
  return bound;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
