import { describe, expect, it } from 'vitest';
import {
  burnFactorFromBudget,
  computeBurnRate,
  DEFAULT_BURN_RATE_POLICY,
  evaluateBurnRate,
  type BurnRateDecision,
  type WindowBurn,
} from '../../src/domain/burn-rate.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('computeBurnRate', () => {
  const cases: Array<{ name: string; sliRatio: number; objectiveRatio: number; burnRate: number }> = [
    { name: '0.5 % errors against a 99.9 % objective burn the budget five times too fast', sliRatio: 0.995, objectiveRatio: 0.999, burnRate: 5 },
    { name: 'errors at exactly the budgeted rate burn at 1', sliRatio: 0.999, objectiveRatio: 0.999, burnRate: 1 },
    { name: 'no errors burn nothing', sliRatio: 1, objectiveRatio: 0.999, burnRate: 0 },
    { name: '1.44 % errors against 99.9 % burn at the 14.4 paging rate', sliRatio: 0.9856, objectiveRatio: 0.999, burnRate: 14.4 },
    { name: '10 % failed jobs against a 95 % objective burn at 2', sliRatio: 0.9, objectiveRatio: 0.95, burnRate: 2 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(computeBurnRate(c.sliRatio, c.objectiveRatio)).toBeCloseTo(c.burnRate, 9);
    });
  }

  it('a window without traffic has no burn rate', () => {
    expect(computeBurnRate(null, 0.999)).toBeNull();
  });

  it('rejects an objective of 100 %', () => {
    expect(() => computeBurnRate(0.99, 1)).toThrow(/strictly between 0 and 1/);
  });
});

describe('burnFactorFromBudget', () => {
  const cases: Array<{ name: string; consumedRatio: number; longWindowMs: number; factor: number }> = [
    { name: '2 % of a 30-day budget in 1 hour is a burn rate of 14.4', consumedRatio: 0.02, longWindowMs: HOUR, factor: 14.4 },
    { name: '5 % of a 30-day budget in 6 hours is a burn rate of 6', consumedRatio: 0.05, longWindowMs: 6 * HOUR, factor: 6 },
    { name: '10 % of a 30-day budget in 1 day is a burn rate of 3', consumedRatio: 0.1, longWindowMs: DAY, factor: 3 },
    { name: '10 % of a 30-day budget in 3 days is a burn rate of 1', consumedRatio: 0.1, longWindowMs: 3 * DAY, factor: 1 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(burnFactorFromBudget(c.consumedRatio, c.longWindowMs, 30 * DAY)).toBeCloseTo(c.factor, 9);
    });
  }

  it('the default policy has the factors derived from those budget shares', () => {
    const derived = cases.map((c) => burnFactorFromBudget(c.consumedRatio, c.longWindowMs, 30 * DAY));
    DEFAULT_BURN_RATE_POLICY.forEach((rule, i) => {
      expect(rule.factor).toBeCloseTo(derived[i] ?? NaN, 9);
      expect(rule.longWindowMs).toBe(cases[i]?.longWindowMs);
    });
  });

  it('the default policy pages over 1h & 5m and 6h & 30m and tickets over 1d & 2h and 3d & 6h', () => {
    expect(DEFAULT_BURN_RATE_POLICY.map((r) => [r.severity, r.longWindowMs, r.shortWindowMs, r.factor])).toEqual([
      ['page', HOUR, 5 * MINUTE, 14.4],
      ['page', 6 * HOUR, 30 * MINUTE, 6],
      ['ticket', DAY, 2 * HOUR, 3],
      ['ticket', 3 * DAY, 6 * HOUR, 1],
    ]);
  });

  it('a 28-day SLO window needs a lower factor for the same budget share', () => {
    expect(burnFactorFromBudget(0.02, HOUR, 28 * DAY)).toBeCloseTo(13.44, 9);
  });
});

/** A burn source where every window burns at `base`, with some windows overridden. */
function burns(base: number | null, overrides: Record<number, Partial<WindowBurn>> = {}): (windowMs: number) => WindowBurn {
  return (windowMs) => ({ burnRate: base, coverageRatio: 1, ...overrides[windowMs] });
}

function firingRules(decision: BurnRateDecision): string[] {
  return decision.rules.filter((r) => r.firing).map((r) => `${r.rule.severity} ${r.rule.factor}`);
}

describe('evaluateBurnRate with the default policy', () => {
  const cases: Array<{
    name: string;
    burnByWindow: (windowMs: number) => WindowBurn;
    severity: 'page' | 'ticket' | null;
    state: 'firing' | 'inactive' | 'unknown';
    firing: string[];
  }> = [
    {
      name: 'a burn of 20 everywhere fires every rule and pages',
      burnByWindow: burns(20), severity: 'page', state: 'firing',
      firing: ['page 14.4', 'page 6', 'ticket 3', 'ticket 1'],
    },
    {
      name: 'a page fires only when both the 1h and the 5m window exceed 14.4',
      burnByWindow: burns(0, { [HOUR]: { burnRate: 15 }, [5 * MINUTE]: { burnRate: 15 } }),
      severity: 'page', state: 'firing', firing: ['page 14.4'],
    },
    {
      name: 'a 1h burn above 14.4 with a 5m burn below it does not page, because the burst is over',
      burnByWindow: burns(0, { [HOUR]: { burnRate: 20 }, [5 * MINUTE]: { burnRate: 10 } }),
      severity: null, state: 'inactive', firing: [],
    },
    {
      name: 'a 5m burn above 14.4 with a 1h burn below it does not page, because it is a blip',
      burnByWindow: burns(0, { [HOUR]: { burnRate: 10 }, [5 * MINUTE]: { burnRate: 100 } }),
      severity: null, state: 'inactive', firing: [],
    },
    {
      name: 'a burn of exactly 14.4 over both windows does not fire',
      burnByWindow: burns(0, { [HOUR]: { burnRate: 14.4 }, [5 * MINUTE]: { burnRate: 14.4 } }),
      severity: null, state: 'inactive', firing: [],
    },
    {
      name: 'a burn a float rounding error above 14.4 counts as equal and does not fire',
      burnByWindow: burns(0, { [HOUR]: { burnRate: 14.400000000000002 }, [5 * MINUTE]: { burnRate: 14.400000000000002 } }),
      severity: null, state: 'inactive', firing: [],
    },
    {
      name: 'a long window without traffic cannot fire',
      burnByWindow: burns(0, { [HOUR]: { burnRate: null }, [5 * MINUTE]: { burnRate: 50 } }),
      severity: null, state: 'inactive', firing: [],
    },
    {
      name: 'no traffic anywhere is inactive, not unknown',
      burnByWindow: burns(null), severity: null, state: 'inactive', firing: [],
    },
    {
      name: 'a burn of 4 over 1d and 2h files a ticket, not a page',
      burnByWindow: burns(0, { [DAY]: { burnRate: 4 }, [2 * HOUR]: { burnRate: 4 } }),
      severity: 'ticket', state: 'firing', firing: ['ticket 3'],
    },
    {
      name: 'a slow burn of 1.5 over 3d and 6h files a ticket',
      burnByWindow: burns(0, { [3 * DAY]: { burnRate: 1.5 }, [6 * HOUR]: { burnRate: 1.5 } }),
      severity: 'ticket', state: 'firing', firing: ['ticket 1'],
    },
    {
      name: 'a page and a ticket firing together report the page',
      burnByWindow: burns(0, { [6 * HOUR]: { burnRate: 7 }, [30 * MINUTE]: { burnRate: 7 }, [3 * DAY]: { burnRate: 2 } }),
      severity: 'page', state: 'firing', firing: ['page 6', 'ticket 1'],
    },
    {
      name: 'a short window with coverage below 90 % makes its rule unknown instead of firing',
      burnByWindow: burns(0, { [HOUR]: { burnRate: 20 }, [5 * MINUTE]: { burnRate: 20, coverageRatio: 0.5 } }),
      severity: null, state: 'unknown', firing: [],
    },
    {
      name: 'low coverage anywhere with nothing firing makes the state unknown',
      burnByWindow: burns(0, { [3 * DAY]: { coverageRatio: 0.2 } }),
      severity: null, state: 'unknown', firing: [],
    },
    {
      name: 'a firing page wins over an unknown rule',
      burnByWindow: burns(0, { [HOUR]: { burnRate: 20 }, [5 * MINUTE]: { burnRate: 20 }, [3 * DAY]: { coverageRatio: 0.2 } }),
      severity: 'page', state: 'firing', firing: ['page 14.4'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const decision = evaluateBurnRate(DEFAULT_BURN_RATE_POLICY, c.burnByWindow);
      expect(decision.severity).toBe(c.severity);
      expect(decision.state).toBe(c.state);
      expect(firingRules(decision)).toEqual(c.firing);
    });
  }

  it('marks exactly the rule with the low-coverage window as unknown', () => {
    const decision = evaluateBurnRate(DEFAULT_BURN_RATE_POLICY, burns(0, { [5 * MINUTE]: { coverageRatio: 0.5 } }));
    expect(decision.rules.map((r) => r.unknown)).toEqual([true, false, false, false]);
    expect(decision.rules[0]?.short).toEqual({ burnRate: 0, coverageRatio: 0.5 });
  });

  it('accepts a lower minimum coverage', () => {
    const decision = evaluateBurnRate(
      DEFAULT_BURN_RATE_POLICY,
      burns(0, { [HOUR]: { burnRate: 20 }, [5 * MINUTE]: { burnRate: 20, coverageRatio: 0.6 } }),
      { minCoverageRatio: 0.5 },
    );
    expect(decision).toMatchObject({ severity: 'page', state: 'firing' });
  });

  it('asks for each distinct window once', () => {
    const asked: number[] = [];
    evaluateBurnRate(DEFAULT_BURN_RATE_POLICY, (windowMs) => {
      asked.push(windowMs);
      return { burnRate: 0, coverageRatio: 1 };
    });
    // 6h is the long window of one rule and the short window of another.
    expect([...asked].sort((a, b) => a - b)).toEqual([5 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 6 * HOUR, DAY, 3 * DAY]);
  });

  it('an empty policy never fires', () => {
    expect(evaluateBurnRate([], burns(100))).toEqual({ severity: null, state: 'inactive', rules: [] });
  });
});
