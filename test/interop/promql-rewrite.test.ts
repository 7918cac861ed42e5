import { describe, expect, it } from 'vitest';
import { ratesToIncreases, unwrapCounterSelectors, wrapCounterSelectors } from '../../src/interop/promql-rewrite.js';

// The PromQL rewrites of the OpenSLO and Sloth mappings, by parse-tree positions: everything but the
// rewritten nodes stays exactly as written.
describe('ratesToIncreases (Sloth queries)', () => {
  it('turns rate( over {{.window}} into increase(, keeping the rest of the text as written', () => {
    expect(ratesToIncreases('sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[{{.window}}]))')).toEqual({
      ok: true, query: 'sum(increase(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[{{.window}}]))',
    });
    const multiLine = '(\n  sum(rate(a_count{verb!="WATCH"}[{{.window}}]))\n  -\n  sum(rate(a_bucket{le="0.4"}[{{.window}}]))\n)\n';
    expect(ratesToIncreases(multiLine)).toEqual({ ok: true, query: multiLine.replaceAll('rate(', 'increase(') });
  });

  it('keeps increase, sum_over_time and count_over_time, subqueries included, and ranges other than {{.window}}', () => {
    for (const query of [
      'sum(increase(x[{{.window}}]))',
      'sum_over_time((count(unifipoller_client_satisfaction_ratio < 0.75))[{{.window}}:]) OR on() vector(0)',
      'sum(count_over_time(up[{{.window}}])) + sum(rate(y[5m]))',
    ]) expect(ratesToIncreases(query)).toEqual({ ok: true, query });
  });

  it('refuses functions that count nothing and queries that are not PromQL', () => {
    expect(ratesToIncreases('sum(irate(x[{{.window}}]))')).toEqual({
      ok: false,
      reason: "irate(…[{{.window}}]) returns no count of events; slo-ledger sums each 5-minute bucket's result, so use increase, rate (read as increase), sum_over_time or count_over_time",
    });
    expect(ratesToIncreases('sum(rate(x[{{.window}}])')).toEqual({ ok: false, reason: 'it is not valid PromQL (near column 25)' });
  });
});

describe('wrapCounterSelectors and unwrapCounterSelectors (OpenSLO counter: true)', () => {
  it('wraps every selector that is not already a range, and unwraps back to the very same text', () => {
    const cases: Array<[string, string]> = [
      ['sum(http_requests_total{code=~"5.."})', 'sum(increase(http_requests_total{code=~"5.."}[{{.window}}]))'],
      ['localhost_server_requests{code="total",host="*",instance="127.0.0.1:9090"}', 'increase(localhost_server_requests{code="total",host="*",instance="127.0.0.1:9090"}[{{.window}}])'],
      ['sum by (endpoint) (rendiff_api_requests_total)', 'sum by (endpoint) (increase(rendiff_api_requests_total[{{.window}}]))'],
      ['sum(rendiff_jobs_completed_total) + (sum(rendiff_jobs_failed_total) or vector(0))', 'sum(increase(rendiff_jobs_completed_total[{{.window}}])) + (sum(increase(rendiff_jobs_failed_total[{{.window}}])) or vector(0))'],
      ['sum(a) - sum(rate(b[5m]))', 'sum(increase(a[{{.window}}])) - sum(rate(b[5m]))'],
    ];
    for (const [bare, wrapped] of cases) {
      expect(wrapCounterSelectors(bare)).toEqual({ ok: true, query: wrapped });
      if (!bare.includes('rate(b[5m])')) expect(unwrapCounterSelectors(wrapped)).toBe(bare);
    }
  });

  it('refuses offset and @ modifiers', () => {
    expect(wrapCounterSelectors('sum(x offset 1h)').ok).toBe(false);
    expect(wrapCounterSelectors('sum(x @ 100)').ok).toBe(false);
  });

  it('cannot unwrap a query that is not made of increase(<selector>[{{.window}}]) alone', () => {
    for (const query of [
      'sum(sum_over_time(x[{{.window}}]))',
      'sum(increase(x[{{.window}}])) / on() group_left() some_gauge',
      'sum(rate(x[{{.window}}]))',
    ]) expect(unwrapCounterSelectors(query), query).toBeUndefined();
  });
});
