import type { AppConfig } from '../config/app-config.js';
import type { FetchedChunk, FetchedSpan } from '../domain/bucket.js';
import type { Clock } from '../domain/clock.js';
import type { SloDefinition } from '../domain/slo.js';
import type { BucketReader } from '../ledger/bucket-store.js';
import type { LedgerStores } from '../ledger/ledger-stores.js';
import type { OutboxChannel } from '../ledger/outbox-store.js';
import type { DeliverySender } from '../notify/outbox-delivery.js';

/**
 * Where the ledger's event counts come from (Prometheus, or an in-memory source in tests): the
 * counts of an SLO's 5-minute buckets, and of a longer span when a scrape gap is reconciled.
 */
export interface MetricsSource {
  /**
   * The buckets of `slo` whose ends lie in [firstEndMs, lastEndMs] (multiples of 5 minutes),
   * every one of them `ok` or `no-data`, yielded in ascending chunks as they arrive so a long
   * backfill is written as it goes; a grouped SLO's chunks carry every group's buckets too. A
   * failed request throws: a failure never turns into zero counts.
   */
  fetchBuckets(slo: SloDefinition, firstEndMs: number, lastEndMs: number): AsyncIterable<FetchedChunk>;
  /** The counts of `slo` (and of each group) over the span (endMs − spanMs, endMs], as the source itself sees the whole span. */
  fetchSpan(slo: SloDefinition, endMs: number, spanMs: number): Promise<FetchedSpan>;
}

/** One sender per delivery channel the config sets up; a channel without one keeps its deliveries pending. */
export type DeliverySenders = Partial<Record<OutboxChannel, DeliverySender>>;

/** The adapters a use case runs with: the configuration, the ledger's stores, the metrics source and the clock. */
export interface Adapters {
  config: AppConfig;
  /** The stores as written: the sync reads and writes `ledger.buckets` raw. */
  ledger: LedgerStores;
  /** The buckets every figure is read from: the ledger's, less what corrections exclude. */
  figures: BucketReader;
  source: MetricsSource;
  clock: Clock;
}
