import type { FetchedChunk, FetchedSpan } from '../domain/bucket.js';
import type { QueryOriginsBySlo } from '../domain/query-origin.js';
import type { SloDefinition } from '../domain/slo.js';
import { PrometheusError, redactSecrets } from '../errors.js';
import { DEFAULT_MAX_POINTS_PER_QUERY, fetchBucketChunks, fetchSpan } from './fetch-buckets.js';
import type { PrometheusQueryApi } from './query-api.js';
import { explainRefusal } from './refused-query.js';

/** How a {@link PrometheusMetricsSource} fetches, and what it knows to name a refused query. */
export interface MetricsSourceOptions {
  /** Buckets per range query (default {@link DEFAULT_MAX_POINTS_PER_QUERY}). */
  maxPointsPerQuery?: number;
  /** Where each SLO's queries are written, so a query Prometheus refuses is named at FILE:LINE:COL. */
  queryOrigins?: QueryOriginsBySlo;
  /** Values masked in the messages of refused queries. */
  secrets?: readonly string[];
}

/**
 * The ledger's metrics source on a Prometheus query API: bucket counts from range queries built
 * per SLI kind, and a span's counts from instant queries over the whole span. A query Prometheus
 * refuses as bad data is named by the SLO's query as written (see {@link explainRefusal}).
 */
export class PrometheusMetricsSource {
  private readonly maxPointsPerQuery: number;

  constructor(
    private readonly api: PrometheusQueryApi,
    private readonly options: MetricsSourceOptions = {},
  ) {
    this.maxPointsPerQuery = options.maxPointsPerQuery ?? DEFAULT_MAX_POINTS_PER_QUERY;
  }

  async *fetchBuckets(slo: SloDefinition, firstEndMs: number, lastEndMs: number): AsyncIterable<FetchedChunk> {
    try {
      yield* fetchBucketChunks(this.api, slo, firstEndMs, lastEndMs, this.maxPointsPerQuery);
    } catch (error) {
      throw await this.named(error, slo, lastEndMs);
    }
  }

  async fetchSpan(slo: SloDefinition, endMs: number, spanMs: number): Promise<FetchedSpan> {
    try {
      return await fetchSpan(this.api, slo, endMs, spanMs);
    } catch (error) {
      throw await this.named(error, slo, endMs);
    }
  }

  /** A bad_data refusal named by the query as written; any other error as it is. */
  private async named(error: unknown, slo: SloDefinition, atMs: number): Promise<unknown> {
    if (!(error instanceof PrometheusError) || error.errorType !== 'bad_data') return error;
    const explained = await explainRefusal(this.api, slo, this.options.queryOrigins?.[slo.name], error, atMs);
    if (explained === undefined) return error;
    const secrets = this.options.secrets ?? [];
    if (secrets.length === 0) return explained;
    const { query, errorType, detail } = explained;
    return new PrometheusError(redactSecrets(explained.message, secrets), {
      slo: slo.name,
      cause: error,
      ...(query === undefined ? {} : { query }),
      ...(errorType === undefined ? {} : { errorType }),
      ...(detail === undefined ? {} : { detail: redactSecrets(detail, secrets) }),
    });
  }
}
