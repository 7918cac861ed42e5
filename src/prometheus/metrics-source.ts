import type { FetchedChunk, FetchedSpan } from '../domain/bucket.js';
import type { SloDefinition } from '../domain/slo.js';
import { DEFAULT_MAX_POINTS_PER_QUERY, fetchBucketChunks, fetchSpan } from './fetch-buckets.js';
import type { PrometheusQueryApi } from './query-api.js';

/**
 * The ledger's metrics source on a Prometheus query API: bucket counts from range queries built
 * per SLI kind, and a span's counts from instant queries over the whole span.
 */
export class PrometheusMetricsSource {
  constructor(
    private readonly api: PrometheusQueryApi,
    private readonly maxPointsPerQuery = DEFAULT_MAX_POINTS_PER_QUERY,
  ) {}

  fetchBuckets(slo: SloDefinition, firstEndMs: number, lastEndMs: number): AsyncIterable<FetchedChunk> {
    return fetchBucketChunks(this.api, slo, firstEndMs, lastEndMs, this.maxPointsPerQuery);
  }

  fetchSpan(slo: SloDefinition, endMs: number, spanMs: number): Promise<FetchedSpan> {
    return fetchSpan(this.api, slo, endMs, spanMs);
  }
}
