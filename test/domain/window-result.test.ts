import { describe, expect, it } from 'vitest';
import type { SloDefinition } from '../../src/domain/slo.js';
import { evaluateWindow } from '../../src/domain/window-result.js';
import type { ResolvedWindow } from '../../src/domain/window.js';

const DAY = 86_400_000;

const AVAILABILITY: SloDefinition = {
  name: 'api-availability',
  service: 'rendiff-api',
  description: 'API Availability',
  objectiveRatio: 0.999,
  windowMs: 30 * DAY,
  tiers: { criticalRatio: 0.99, warningRatio: 0.995 },
  sli: { kind: 'events', badQuery: 'sum(increase(http_requests_total{status=~"5.."}[{{.window}}]))', totalQuery: 'sum(increase(http_requests_total[{{.window}}]))' },
};

const LATENCY: SloDefinition = {
  name: 'api-latency',
  service: 'rendiff-api',
  description: 'Response Time (95th percentile)',
  objectiveRatio: 0.95,
  windowMs: 30 * DAY,
  sli: { kind: 'latency', histogram: 'http_request_duration_seconds', selector: '', thresholdSeconds: 2, quantile: 0.95 },
};

const OCTOBER: ResolvedWindow = { name: '2026-10', startMs: Date.UTC(2026, 8, 30, 22), endMs: Date.UTC(2026, 9, 31, 23) };

describe('evaluateWindow', () => {
  it('a month with 0.5 % errors against 99.9 % burns at 5, overspends the budget and misses the objective', () => {
    const result = evaluateWindow(AVAILABILITY, OCTOBER, { good: 995, total: 1000, coverageRatio: 1 });
    expect(result).toMatchObject({ window: '2026-10', startMs: OCTOBER.startMs, endMs: OCTOBER.endMs, good: 995, total: 1000, tier: 'ok', objectiveMet: false, coverageRatio: 1 });
    expect(result.sliRatio).toBeCloseTo(0.995, 12);
    expect(result.burnRate).toBeCloseTo(5, 9);
    expect(result.errorBudget.allowed).toBeCloseTo(1, 9);
    expect(result.errorBudget.bad).toBeCloseTo(5, 9);
    expect(result.errorBudget.consumedRatio).toBeCloseTo(5, 9);
    expect(result.errorBudget.remainingRatio).toBeCloseTo(-4, 9);
    expect(result.reason).toBeUndefined();
    expect('quantileSeconds' in result).toBe(false);
  });

  it("the Rendiff guide's month of 43.2M requests with 43,200 errors spends exactly the whole budget and meets the objective", () => {
    const result = evaluateWindow(AVAILABILITY, OCTOBER, { good: 43_200_000 - 43_200, total: 43_200_000, coverageRatio: 1 });
    expect(result.errorBudget.allowed).toBeCloseTo(43_200, 6);
    expect(result.errorBudget.remainingRatio).toBeCloseTo(0, 9);
    expect(result.objectiveMet).toBe(true);
    expect(result.tier).toBe('ok');
  });

  it('a month at 98.5 % availability is a critical breach', () => {
    expect(evaluateWindow(AVAILABILITY, OCTOBER, { good: 985, total: 1000, coverageRatio: 1 }).tier).toBe('critical');
  });

  it('a window without traffic has no SLI, no budget ratios, no burn rate and is ok', () => {
    const result = evaluateWindow(AVAILABILITY, OCTOBER, { good: 0, total: 0, coverageRatio: 0.4 });
    expect(result).toEqual({
      window: '2026-10',
      startMs: OCTOBER.startMs,
      endMs: OCTOBER.endMs,
      good: 0,
      total: 0,
      sliRatio: null,
      reason: 'no-traffic',
      errorBudget: { allowed: 0, bad: 0, consumedRatio: null, remainingRatio: null },
      burnRate: null,
      tier: 'ok',
      coverageRatio: 0.4,
      objectiveMet: null,
    });
  });

  it('more good than total events is reported clamped to the total', () => {
    const result = evaluateWindow(AVAILABILITY, OCTOBER, { good: 1000.2, total: 1000, coverageRatio: 1 });
    expect(result.good).toBe(1000);
    expect(result.sliRatio).toBe(1);
    expect(result.errorBudget.bad).toBe(0);
  });

  it('a latency SLO reports its quantile from the summed histogram', () => {
    const histogram = [
      { le: 0.5, count: 600 },
      { le: 1, count: 900 },
      { le: 2, count: 950 },
      { le: Infinity, count: 1000 },
    ];
    const result = evaluateWindow(LATENCY, OCTOBER, { good: 950, total: 1000, coverageRatio: 1, histogram });
    expect(result.quantileSeconds).toBeCloseTo(2, 12);
    expect(result.objectiveMet).toBe(true);
    expect(result.tier).toBe('ok');
  });

  it('a latency SLO that misses its objective without tiers is a warning', () => {
    const result = evaluateWindow(LATENCY, OCTOBER, { good: 900, total: 1000, coverageRatio: 1 });
    expect(result.tier).toBe('warning');
    expect(result.burnRate).toBeCloseTo(2, 9);
    expect(result.quantileSeconds).toBeNull();
  });
});
