import { describe, expect, it } from 'vitest';
import { computeSli } from '../../src/domain/sli.js';

describe('computeSli', () => {
  const cases: Array<{ name: string; good: number; total: number; sliRatio: number }> = [
    { name: 'a window with every event good has an SLI of 1', good: 1000, total: 1000, sliRatio: 1 },
    { name: 'a window with 0.5 % bad events has an SLI of 0.995', good: 995, total: 1000, sliRatio: 0.995 },
    { name: 'a window with every event bad has an SLI of 0', good: 0, total: 1000, sliRatio: 0 },
    { name: 'fractional counts from increase() give a ratio of the sums', good: 999.4, total: 1000.2, sliRatio: 999.4 / 1000.2 },
    { name: 'more good than total events, an extrapolation artefact, is clamped to an SLI of 1', good: 1000.3, total: 1000, sliRatio: 1 },
    { name: 'a negative good count, an extrapolation artefact, is clamped to an SLI of 0', good: -0.2, total: 10, sliRatio: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = computeSli(c.good, c.total);
      expect(result.sliRatio).toBeCloseTo(c.sliRatio, 12);
      expect(result.reason).toBeUndefined();
    });
  }

  it('a window without traffic has no SLI, with the reason no-traffic', () => {
    expect(computeSli(0, 0)).toEqual({ sliRatio: null, reason: 'no-traffic' });
  });

  it('is a ratio of sums, not an average of per-bucket ratios', () => {
    const buckets = [
      { good: 9, total: 10 },
      { good: 990, total: 1000 },
    ];
    const good = buckets.reduce((s, b) => s + b.good, 0);
    const total = buckets.reduce((s, b) => s + b.total, 0);
    expect(computeSli(good, total).sliRatio).toBeCloseTo(999 / 1010, 12);
    expect(computeSli(good, total).sliRatio).not.toBeCloseTo((0.9 + 0.99) / 2, 6);
  });

  const invalid: Array<{ name: string; good: number; total: number }> = [
    { name: 'a NaN good count is a programmer error', good: NaN, total: 10 },
    { name: 'an infinite total is a programmer error', good: 1, total: Infinity },
    { name: 'a negative total is a programmer error', good: 0, total: -1 },
  ];
  for (const c of invalid) {
    it(c.name, () => {
      expect(() => computeSli(c.good, c.total)).toThrow(/SLI/);
    });
  }
});
