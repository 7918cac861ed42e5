import { describe, expect, it } from 'vitest';
import type { QueryOrigin } from '../../src/domain/query-origin.js';
import type { SloDefinition } from '../../src/domain/slo.js';
import { PrometheusError } from '../../src/errors.js';
import { PrometheusMetricsSource } from '../../src/prometheus/metrics-source.js';
import type { InstantSample, PrometheusQueryApi, RangeSeries } from '../../src/prometheus/query-api.js';
import { explainRefusal } from '../../src/prometheus/refused-query.js';

const SLO: SloDefinition = {
  name: 'checkout',
  service: 'shop',
  description: '',
  objectiveRatio: 0.999,
  windowMs: 30 * 86_400_000,
  sli: { kind: 'events', badQuery: 'sum(increase(errors_total[{{.window}}]))', totalQuery: 'sum(increase(requests_total[{{.window}}])' },
};

/** The total query as written on line 7 of a config, from column 22. */
const ORIGINS: QueryOrigin[] = [
  { query: 'total_query', file: 'slo-ledger.yaml', path: 'slos[0].sli.events.total_query', line: 7, column: 22, text: SLO.sli.kind === 'events' ? SLO.sli.totalQuery : '', runs: [{ offset: 0, line: 7, column: 22 }] },
];

const REFUSED = new PrometheusError('SLO checkout: Prometheus at http://p answered HTTP 400: 1:131: parse error: unclosed left parenthesis; query: label_replace(…)', {
  slo: 'checkout',
  status: 400,
  errorType: 'bad_data',
  detail: 'invalid parameter "query": 1:131: parse error: unclosed left parenthesis',
});

/** A Prometheus that refuses every range query as above, and answers instant queries with `instant`. */
function prometheus(instant: (query: string) => InstantSample[]): PrometheusQueryApi & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    rangeQuery(): Promise<RangeSeries[]> {
      return Promise.reject(REFUSED);
    },
    instantQuery(query: string): Promise<InstantSample[]> {
      asked.push(query);
      try {
        return Promise.resolve(instant(query));
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
}

const unreachable = () => {
  throw new PrometheusError('SLO checkout: cannot reach Prometheus at http://p: ECONNREFUSED');
};

// Naming a refused query without a real Prometheus: the order queries are asked in, and what is
// said when Prometheus cannot be asked again.
describe('explainRefusal', () => {
  it('asks about the query with a syntax error first, and stops at the first one refused', async () => {
    const api = prometheus((query) => {
      if (query.startsWith('sum(increase(requests_total')) {
        throw new PrometheusError('refused', { errorType: 'bad_data', detail: 'invalid parameter "query": 1:33: parse error: unclosed left parenthesis' });
      }
      return [];
    });
    const error = await explainRefusal(api, SLO, ORIGINS, REFUSED, 0);
    expect(api.asked).toEqual(['sum(increase(requests_total[5m])']);
    expect(error?.message).toBe(
      'SLO checkout: Prometheus refused its total_query: slo-ledger.yaml:7:63: slos[0].sli.events.total_query: parse error: unclosed left parenthesis; total_query as written: sum(increase(requests_total[{{.window}}])',
    );
  });

  it('places a syntax error where the grammar finds it, in Prometheus\'s words for the combined query, when Prometheus cannot be asked again', async () => {
    const error = await explainRefusal(prometheus(unreachable), SLO, ORIGINS, REFUSED, 0);
    expect(error?.message).toBe(
      'SLO checkout: Prometheus refused its total_query: slo-ledger.yaml:7:63: slos[0].sli.events.total_query: parse error: unclosed left parenthesis; total_query as written: sum(increase(requests_total[{{.window}}])',
    );
  });

  it('names a query of a built-in SLO (written nowhere) by its name alone', async () => {
    const error = await explainRefusal(prometheus(unreachable), SLO, undefined, REFUSED, 0);
    expect(error?.message).toBe('SLO checkout: Prometheus refused its total_query: parse error: unclosed left parenthesis; total_query as written: sum(increase(requests_total[{{.window}}])');
  });

  it('leaves the refusal as it is when no query alone is at fault', async () => {
    const valid: SloDefinition = { ...SLO, sli: { kind: 'events', badQuery: 'sum(increase(e[{{.window}}]))', totalQuery: 'sum(increase(r[{{.window}}]))' } };
    expect(await explainRefusal(prometheus(() => []), valid, undefined, REFUSED, 0)).toBeUndefined();
  });
});

describe('PrometheusMetricsSource', () => {
  it('throws the named refusal from a sync\'s fetch, secrets masked', async () => {
    const secretSlo: SloDefinition = { ...SLO, sli: { kind: 'events', badQuery: 'sum(increase(errors_total[{{.window}}]))', totalQuery: 'sum(increase(requests_total{token="hunter2"}[{{.window}}])' } };
    const origins = { checkout: [{ ...ORIGINS[0]!, text: secretSlo.sli.kind === 'events' ? secretSlo.sli.totalQuery : '' }] };
    const source = new PrometheusMetricsSource(prometheus(unreachable), { queryOrigins: origins, secrets: ['hunter2'] });
    const fetching = (async () => {
      for await (const chunk of source.fetchBuckets(secretSlo, 300_000, 600_000)) void chunk;
    })();
    await expect(fetching).rejects.toThrow(
      'SLO checkout: Prometheus refused its total_query: slo-ledger.yaml:7:80: slos[0].sli.events.total_query: parse error: unclosed left parenthesis; total_query as written: sum(increase(requests_total{token="***"}[{{.window}}])',
    );
  });

  it('passes any other failure through unchanged', async () => {
    const down = new PrometheusError('SLO checkout: cannot reach Prometheus at http://p: ECONNREFUSED');
    const api: PrometheusQueryApi = { rangeQuery: () => Promise.reject(down), instantQuery: () => Promise.reject(down) };
    await expect(new PrometheusMetricsSource(api).fetchSpan(SLO, 600_000, 600_000)).rejects.toBe(down);
  });
});
