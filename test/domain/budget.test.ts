import { describe, expect, it } from 'vitest';
import { computeErrorBudget } from '../../src/domain/budget.js';

describe('computeErrorBudget', () => {
  const cases: Array<{
    name: string;
    objectiveRatio: number;
    good: number;
    total: number;
    allowed: number;
    bad: number;
    consumedRatio: number;
    remainingRatio: number;
  }> = [
    {
      name: "the Rendiff guide's budget: 99.9 % of 43.2M requests allows 43,200 errors, all of them spent",
      objectiveRatio: 0.999, good: 43_200_000 - 43_200, total: 43_200_000,
      allowed: 43_200, bad: 43_200, consumedRatio: 1, remainingRatio: 0,
    },
    {
      name: 'half the allowed errors leaves half the budget',
      objectiveRatio: 0.999, good: 43_200_000 - 21_600, total: 43_200_000,
      allowed: 43_200, bad: 21_600, consumedRatio: 0.5, remainingRatio: 0.5,
    },
    {
      name: 'twice the allowed errors overspends the budget to a remaining of -100 %',
      objectiveRatio: 0.999, good: 43_200_000 - 86_400, total: 43_200_000,
      allowed: 43_200, bad: 86_400, consumedRatio: 2, remainingRatio: -1,
    },
    {
      name: 'no errors leaves the whole budget',
      objectiveRatio: 0.999, good: 1000, total: 1000,
      allowed: 1, bad: 0, consumedRatio: 0, remainingRatio: 1,
    },
    {
      name: 'the job SLO at 95 % with 10 failures in 100 jobs has spent twice its budget',
      objectiveRatio: 0.95, good: 90, total: 100,
      allowed: 5, bad: 10, consumedRatio: 2, remainingRatio: -1,
    },
    {
      name: 'more good than total events is clamped, so nothing is counted bad',
      objectiveRatio: 0.99, good: 100.4, total: 100,
      allowed: 1, bad: 0, consumedRatio: 0, remainingRatio: 1,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const budget = computeErrorBudget(c.objectiveRatio, c.good, c.total);
      expect(budget.allowed).toBeCloseTo(c.allowed, 6);
      expect(budget.bad).toBeCloseTo(c.bad, 6);
      expect(budget.consumedRatio).toBeCloseTo(c.consumedRatio, 9);
      expect(budget.remainingRatio).toBeCloseTo(c.remainingRatio, 9);
    });
  }

  it('a window without traffic allows nothing and has no consumed or remaining ratio', () => {
    expect(computeErrorBudget(0.999, 0, 0)).toEqual({ allowed: 0, bad: 0, consumedRatio: null, remainingRatio: null });
  });

  const invalidObjectives: Array<{ name: string; objectiveRatio: number }> = [
    { name: 'a 100 % objective, which has no budget, is rejected', objectiveRatio: 1 },
    { name: 'a zero objective is rejected', objectiveRatio: 0 },
    { name: 'an objective given in percent is rejected', objectiveRatio: 99.9 },
    { name: 'a NaN objective is rejected', objectiveRatio: NaN },
  ];
  for (const c of invalidObjectives) {
    it(c.name, () => {
      expect(() => computeErrorBudget(c.objectiveRatio, 1, 1)).toThrow(/strictly between 0 and 1/);
    });
  }
});
