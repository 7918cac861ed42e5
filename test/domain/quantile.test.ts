import { describe, expect, it } from 'vitest';
import { histogramQuantile, sliFromHistogram } from '../../src/domain/quantile.js';
import type { HistogramCounts } from '../../src/domain/slo.js';

// 100 requests: 10 ≤ 0.1s, 60 ≤ 0.5s, 90 ≤ 1s, 95 ≤ 2s, all ≤ +Inf.
const LATENCY: HistogramCounts = [
  { le: 0.1, count: 10 },
  { le: 0.5, count: 60 },
  { le: 1, count: 90 },
  { le: 2, count: 95 },
  { le: Infinity, count: 100 },
];

describe('histogramQuantile', () => {
  const cases: Array<{ name: string; q: number; buckets: HistogramCounts; value: number }> = [
    { name: 'a quantile in the first bucket interpolates from 0', q: 0.05, buckets: LATENCY, value: 0.05 },
    { name: 'the median interpolates inside the 0.1s–0.5s bucket', q: 0.5, buckets: LATENCY, value: 0.42 },
    { name: 'p95 landing exactly on a bucket bound returns that bound', q: 0.95, buckets: LATENCY, value: 2 },
    { name: 'p90 interpolates to the top of the 0.5s–1s bucket', q: 0.9, buckets: LATENCY, value: 1 },
    { name: 'a quantile in the +Inf bucket returns the second-highest bound', q: 0.99, buckets: LATENCY, value: 2 },
    { name: 'q = 1 lands in the +Inf bucket and returns the second-highest bound', q: 1, buckets: LATENCY, value: 2 },
    { name: 'q = 0 returns the natural lower bound 0', q: 0, buckets: LATENCY, value: 0 },
    {
      name: 'unsorted buckets give the same answer as sorted ones',
      q: 0.5,
      buckets: [LATENCY[4], LATENCY[1], LATENCY[3], LATENCY[0], LATENCY[2]] as HistogramCounts,
      value: 0.42,
    },
    {
      name: 'buckets whose le arrive as equal floats ("0.1" and "1e-1") are merged by adding their counts',
      q: 0.5,
      buckets: [
        { le: Number('0.1'), count: 5 }, { le: Number('1e-1'), count: 5 },
        { le: Number('0.5'), count: 30 }, { le: Number('0.50'), count: 30 },
        { le: 1, count: 45 }, { le: Number('1.0'), count: 45 },
        { le: 2, count: 47.5 }, { le: 2, count: 47.5 },
        { le: Infinity, count: 50 }, { le: Number('Infinity'), count: 50 },
      ],
      value: 0.42,
    },
    {
      name: 'a count that dips below an earlier bucket is raised to it, as Prometheus does',
      q: 0.5,
      buckets: [{ le: 1, count: 10 }, { le: 2, count: 8 }, { le: 4, count: 20 }, { le: Infinity, count: 20 }],
      value: 1,
    },
    {
      name: 'a first bucket with a negative bound returns that bound',
      q: 0.25,
      buckets: [{ le: -1, count: 5 }, { le: 0, count: 10 }, { le: Infinity, count: 10 }],
      value: -1,
    },
    { name: 'q below 0 is -Infinity', q: -0.1, buckets: LATENCY, value: -Infinity },
    { name: 'q above 1 is +Infinity', q: 1.1, buckets: LATENCY, value: Infinity },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const value = histogramQuantile(c.q, c.buckets);
      if (Number.isFinite(c.value)) expect(value).toBeCloseTo(c.value, 12);
      else expect(value).toBe(c.value);
    });
  }

  const undefinedCases: Array<{ name: string; q: number; buckets: HistogramCounts }> = [
    { name: 'an empty histogram has no quantile', q: 0.95, buckets: LATENCY.map((b) => ({ le: b.le, count: 0 })) },
    { name: 'a histogram with only the +Inf bucket has no quantile', q: 0.5, buckets: [{ le: Infinity, count: 10 }] },
    { name: 'a single finite bucket has no quantile', q: 0.5, buckets: [{ le: 1, count: 10 }] },
    { name: 'a histogram without a +Inf bucket has no quantile', q: 0.5, buckets: LATENCY.slice(0, 4) },
    { name: 'no buckets at all have no quantile', q: 0.5, buckets: [] },
    { name: 'q = 0 with an empty first bucket has no quantile, as Prometheus gives NaN', q: 0, buckets: [{ le: 0.1, count: 0 }, { le: 1, count: 5 }, { le: Infinity, count: 5 }] },
    { name: 'a NaN q has no quantile', q: NaN, buckets: LATENCY },
  ];
  for (const c of undefinedCases) {
    it(c.name, () => {
      expect(histogramQuantile(c.q, c.buckets)).toBeNull();
    });
  }

  it('does not reorder or change the caller’s buckets', () => {
    const buckets = [{ le: 2, count: 8 }, { le: 1, count: 10 }, { le: Infinity, count: 20 }];
    const copy = buckets.map((b) => ({ ...b }));
    histogramQuantile(0.5, buckets);
    expect(buckets).toEqual(copy);
  });
});

describe('sliFromHistogram', () => {
  const cases: Array<{ name: string; buckets: HistogramCounts; thresholdSeconds: number; good: number; total: number }> = [
    { name: 'the 2s threshold counts requests in the le="2" bucket as good', buckets: LATENCY, thresholdSeconds: 2, good: 95, total: 100 },
    { name: 'a threshold written "2.0" matches the le="2" bucket', buckets: LATENCY, thresholdSeconds: Number('2.0'), good: 95, total: 100 },
    { name: 'a threshold computed as 0.1 + 0.4 matches the le="0.5" bucket', buckets: LATENCY, thresholdSeconds: 0.1 + 0.4, good: 60, total: 100 },
    { name: 'a threshold computed as 0.1 + 0.2 matches a le="0.3" bucket', buckets: [{ le: 0.3, count: 7 }, { le: Infinity, count: 9 }], thresholdSeconds: 0.1 + 0.2, good: 7, total: 9 },
    {
      name: 'unaggregated series with the same le are added',
      buckets: [{ le: 2, count: 40 }, { le: 2, count: 50 }, { le: Infinity, count: 45 }, { le: Infinity, count: 55 }],
      thresholdSeconds: 2, good: 90, total: 100,
    },
    { name: 'an empty histogram has no good and no total events', buckets: LATENCY.map((b) => ({ le: b.le, count: 0 })), thresholdSeconds: 2, good: 0, total: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(sliFromHistogram(c.buckets, c.thresholdSeconds)).toEqual({ good: c.good, total: c.total });
    });
  }

  it('a threshold that is not a bucket bound is rejected with the available bounds', () => {
    expect(() => sliFromHistogram(LATENCY, 1.5)).toThrow('available bounds: 0.1, 0.5, 1, 2, +Inf');
  });

  it('a histogram without a +Inf bucket is rejected', () => {
    expect(() => sliFromHistogram(LATENCY.slice(0, 4), 2)).toThrow(/no le="\+Inf" bucket/);
  });
});
