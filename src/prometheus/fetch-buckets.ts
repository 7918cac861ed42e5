import { groupCountsWithin, type FetchedBucket, type FetchedChunk, type FetchedCounts, type FetchedSpan } from '../domain/bucket.js';
import { BUCKET_MS } from '../domain/duration.js';
import type { SloDefinition } from '../domain/slo.js';
import { PrometheusError } from '../errors.js';
import { groupSeries } from './group-series.js';
import { buildSliQueries, combineSliQueries, PART_LABEL, type SliQueries } from './promql.js';
import type { PrometheusQueryApi, RangeSeries } from './query-api.js';

/**
 * Points per range query: Prometheus refuses more than 11,000 per series, and a week of buckets per
 * query keeps a backfill's answers (and the memory they take while parsed) small.
 */
export const DEFAULT_MAX_POINTS_PER_QUERY = 2_016;

/** Points one grouped answer should hold at most (a parsed point takes about 270 bytes). */
const MAX_POINTS_PER_ANSWER = 100_000;
/** The first chunk of a grouped SLO, before the number of its series is known: a day. */
const FIRST_GROUPED_CHUNK_BUCKETS = 48;

/**
 * Fetches the buckets of one SLO whose ends lie in [firstEndMs, lastEndMs] (multiples of 5
 * minutes) with range queries at step = bucket size, one chunk under Prometheus's point limit at
 * a time: the only place a range is split into queries. Every bucket in the range is yielded,
 * `ok` or `no-data`, for the SLO and for each group of a grouped SLO (one query returns them
 * all); a failed request throws, so a failure never turns into zero counts.
 */
export async function* fetchBucketChunks(
  source: PrometheusQueryApi,
  slo: SloDefinition,
  firstEndMs: number,
  lastEndMs: number,
  maxPointsPerQuery = DEFAULT_MAX_POINTS_PER_QUERY,
): AsyncGenerator<FetchedChunk> {
  const queries = buildSliQueries(slo.sli, BUCKET_MS, slo.groupBy);
  const combined = combineSliQueries(queries);
  // A grouped SLO's answer holds every group's series: its chunks start at a day and are sized
  // from the series the last answer held, so that one answer stays near MAX_POINTS_PER_ANSWER.
  let steps = slo.groupBy === undefined ? maxPointsPerQuery : Math.min(maxPointsPerQuery, FIRST_GROUPED_CHUNK_BUCKETS);
  let mostSeries = 0;
  for (let chunkStart = firstEndMs, chunkEnd = 0; chunkStart <= lastEndMs; chunkStart = chunkEnd + BUCKET_MS) {
    chunkEnd = Math.min(lastEndMs, chunkStart + (steps - 1) * BUCKET_MS);
    const result = await source.rangeQuery(combined, chunkStart, chunkEnd, BUCKET_MS, { slo: slo.name });
    const buckets = bucketsOf(result, queries, slo, chunkStart, chunkEnd);
    const groups =
      slo.groupBy === undefined
        ? []
        : groupSeries(slo, result).map(({ labels, series }) => ({
            labels,
            buckets: bucketsOf(series, queries, slo, chunkStart, chunkEnd).map((b, i) => groupCountsWithin(b, buckets[i]!)),
          }));
    // Sized from the most series an answer has held yet: an empty answer (before the metric
    // existed) says nothing about how many the next one brings.
    mostSeries = Math.max(mostSeries, result.length);
    if (slo.groupBy !== undefined && mostSeries > 0) steps = Math.max(12, Math.min(maxPointsPerQuery, Math.floor(MAX_POINTS_PER_ANSWER / mostSeries)));
    yield { buckets, groups };
  }
}

/** The SLO's own buckets of {@link fetchBucketChunks}, all at once. */
export async function fetchBuckets(...args: Parameters<typeof fetchBucketChunks>): Promise<FetchedBucket[]> {
  const out: FetchedBucket[] = [];
  for await (const chunk of fetchBucketChunks(...args)) out.push(...chunk.buckets);
  return out;
}

/** The buckets (chunkStart … chunkEnd) that a query's series make: summed over every series given. */
function bucketsOf(result: RangeSeries[], queries: SliQueries, slo: SloDefinition, chunkStart: number, chunkEnd: number): FetchedBucket[] {
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
  return out;
}

/**
 * Counts of one SLO (and each of its groups) over the span (endMs − spanMs, endMs] from instant
 * queries whose window is the whole span: what Prometheus itself says, e.g. across a scrape gap.
 */
export async function fetchSpan(source: PrometheusQueryApi, slo: SloDefinition, endMs: number, spanMs: number): Promise<FetchedSpan> {
  const queries = buildSliQueries(slo.sli, spanMs, slo.groupBy);
  const parts: Array<[string, string | undefined]> =
    queries.kind === 'events' ? [['good', queries.good], ['bad', queries.bad], ['total', queries.total]] : [['buckets', queries.buckets], ['total', queries.total]];
  const answers = await Promise.all(parts.map(([, query]) => (query === undefined ? [] : source.instantQuery(query, endMs, { slo: slo.name }))));
  const samples = parts.flatMap(([part], i) => answers[i]!.map((s) => ({ labels: { ...s.labels, [PART_LABEL]: part }, value: s.value })));
  const counts = spanCountsOf(samples, queries, slo);
  const groups =
    slo.groupBy === undefined ? [] : groupSeries(slo, samples).map(({ labels, series }) => ({ labels, counts: groupCountsWithin(spanCountsOf(series, queries, slo), counts) }));
  return { counts, groups };
}

/** The SLO's own counts of {@link fetchSpan}. */
export async function fetchSpanCounts(...args: Parameters<typeof fetchSpan>): Promise<FetchedCounts> {
  return (await fetchSpan(...args)).counts;
}

/** The counts that instant samples (each labelled with its part) make, summed over every sample given. */
function spanCountsOf(samples: Array<{ labels: Record<string, string>; value: number }>, queries: SliQueries, slo: SloDefinition): FetchedCounts {
  const of = (part: string) => samples.filter((s) => s.labels[PART_LABEL] === part);
  const sum = (part: string) => {
    const list = of(part);
    return list.length === 0 ? undefined : list.reduce((acc, s) => acc + s.value, 0);
  };
  if (queries.kind === 'events') return combineEvents(sum('good'), sum('bad'), sum('total'), queries.good !== undefined);
  const histogram = histogramOf(of('buckets').map((s) => ({ le: s.labels.le, value: s.value })), slo);
  return combineLatency(slo, histogram, sum('total'));
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
