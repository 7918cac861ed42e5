import type { MetricsSource } from '../../src/app/ports.js';
import type { FetchedBucket, FetchedChunk, FetchedSpan } from '../../src/domain/bucket.js';
import type { Clock } from '../../src/domain/clock.js';
import { BUCKET_MS } from '../../src/domain/duration.js';
import type { SloDefinition } from '../../src/domain/slo.js';
import { PrometheusError } from '../../src/errors.js';

/** The events of one 5-minute bucket; `scraped: false` models a scrape gap: only a span query sees them. */
export interface BucketEvents {
  good: number;
  total: number;
  scraped?: boolean;
}

/**
 * A metrics source held in memory, for use-case tests that are not about Prometheus: exact counts
 * per SLO and bucket end, scrape gaps whose events only a span query sees (as Prometheus's
 * `increase` across a gap does), SLOs that fail, and a log of every request.
 */
export class InMemoryMetricsSource implements MetricsSource {
  private readonly events = new Map<string, Map<number, BucketEvents>>();
  private readonly failing = new Set<string>();
  readonly requests: Array<{ kind: 'buckets' | 'span'; slo: string; fromMs: number; toMs: number }> = [];

  /** Sets the events of the bucket of `slo` that ends at `endMs`. */
  set(slo: string, endMs: number, events: BucketEvents): this {
    if (endMs % BUCKET_MS !== 0) throw new Error(`bucket end ${endMs} is not a multiple of 5 minutes`);
    let series = this.events.get(slo);
    if (series === undefined) this.events.set(slo, (series = new Map()));
    series.set(endMs, events);
    return this;
  }

  /** Makes every request for `slo` fail (or succeed again), as an unreachable Prometheus would. */
  fail(slo: string, failing = true): this {
    if (failing) this.failing.add(slo);
    else this.failing.delete(slo);
    return this;
  }

  async *fetchBuckets(slo: SloDefinition, firstEndMs: number, lastEndMs: number): AsyncIterable<FetchedChunk> {
    this.check(slo, 'buckets', firstEndMs - BUCKET_MS, lastEndMs);
    const chunk: FetchedBucket[] = [];
    for (let end = firstEndMs; end <= lastEndMs; end += BUCKET_MS) {
      const e = this.events.get(slo.name)?.get(end);
      chunk.push(e === undefined || e.scraped === false ? { endMs: end, status: 'no-data', good: 0, total: 0 } : { endMs: end, status: 'ok', good: e.good, total: e.total });
    }
    yield { buckets: chunk, groups: [] };
  }

  async fetchSpan(slo: SloDefinition, endMs: number, spanMs: number): Promise<FetchedSpan> {
    this.check(slo, 'span', endMs - spanMs, endMs);
    let good = 0;
    let total = 0;
    let seen = false;
    for (const [end, e] of this.events.get(slo.name) ?? []) {
      if (end <= endMs - spanMs || end > endMs) continue;
      good += e.good;
      total += e.total;
      seen = true;
    }
    return { counts: seen ? { status: 'ok', good, total } : { status: 'no-data', good: 0, total: 0 }, groups: [] };
  }

  private check(slo: SloDefinition, kind: 'buckets' | 'span', fromMs: number, toMs: number): void {
    this.requests.push({ kind, slo: slo.name, fromMs, toMs });
    if (this.failing.has(slo.name)) throw new PrometheusError(`SLO ${slo.name}: cannot reach the in-memory source (made to fail)`, { slo: slo.name });
  }
}

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(private ms: number) {}

  nowMs(): number {
    return this.ms;
  }

  set(ms: number): void {
    this.ms = ms;
  }

  advance(ms: number): void {
    this.ms += ms;
  }
}
