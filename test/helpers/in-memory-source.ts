import type { MetricsSource } from '../../src/app/ports.js';
import type { FetchedBucket, FetchedChunk, FetchedCounts, FetchedSpan } from '../../src/domain/bucket.js';
import type { Clock } from '../../src/domain/clock.js';
import { BUCKET_MS } from '../../src/domain/duration.js';
import { groupKey, type GroupLabels, type SloDefinition } from '../../src/domain/slo.js';
import { PrometheusError } from '../../src/errors.js';

/** The events of one 5-minute bucket; `scraped: false` models a scrape gap: only a span query sees them. */
export interface BucketEvents {
  good: number;
  total: number;
  scraped?: boolean;
}

interface Series {
  labels: GroupLabels | undefined;
  events: Map<number, BucketEvents>;
}

/**
 * A metrics source held in memory, for use-case tests that are not about Prometheus: exact counts
 * per SLO (or per group of a grouped SLO) and bucket end, scrape gaps whose events only a span
 * query sees (as Prometheus's `increase` across a gap does), SLOs that fail, and a log of every
 * request. A grouped SLO's own counts are the sums over its groups, as its query would return them.
 */
export class InMemoryMetricsSource implements MetricsSource {
  private readonly series = new Map<string, Map<string, Series>>();
  private readonly failing = new Set<string>();
  readonly requests: Array<{ kind: 'buckets' | 'span'; slo: string; fromMs: number; toMs: number }> = [];

  /** Sets the events of the bucket that ends at `endMs`, of `slo` or of one of its groups. */
  set(slo: string, endMs: number, events: BucketEvents, group?: GroupLabels): this {
    if (endMs % BUCKET_MS !== 0) throw new Error(`bucket end ${endMs} is not a multiple of 5 minutes`);
    let bySeries = this.series.get(slo);
    if (bySeries === undefined) this.series.set(slo, (bySeries = new Map()));
    const key = group === undefined ? '' : groupKey(group);
    let series = bySeries.get(key);
    if (series === undefined) bySeries.set(key, (series = { labels: group, events: new Map() }));
    series.events.set(endMs, events);
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
    const all = [...(this.series.get(slo.name)?.values() ?? [])];
    const groups = all.filter((s) => s.labels !== undefined);
    const chunk: FetchedChunk = { buckets: [], groups: groups.map((g) => ({ labels: g.labels!, buckets: [] })) };
    for (let end = firstEndMs; end <= lastEndMs; end += BUCKET_MS) {
      const seen = all.map((s) => s.events.get(end)).filter((e): e is BucketEvents => e !== undefined && e.scraped !== false);
      chunk.buckets.push(seen.length === 0 ? noData(end) : { endMs: end, status: 'ok', good: sum(seen, 'good'), total: sum(seen, 'total') });
      groups.forEach((g, i) => {
        const e = g.events.get(end);
        // As a grouped query answers: a group without a sample has no traffic while others have data.
        const bucket: FetchedBucket = seen.length === 0 ? noData(end) : e === undefined || e.scraped === false ? { endMs: end, status: 'ok', good: 0, total: 0 } : { endMs: end, status: 'ok', good: e.good, total: e.total };
        chunk.groups[i]!.buckets.push(bucket);
      });
    }
    yield chunk;
  }

  async fetchSpan(slo: SloDefinition, endMs: number, spanMs: number): Promise<FetchedSpan> {
    this.check(slo, 'span', endMs - spanMs, endMs);
    const countsOf = (s: Series): FetchedCounts | undefined => {
      const inSpan = [...s.events].filter(([end]) => end > endMs - spanMs && end <= endMs).map(([, e]) => e);
      return inSpan.length === 0 ? undefined : { status: 'ok', good: sum(inSpan, 'good'), total: sum(inSpan, 'total') };
    };
    const all = [...(this.series.get(slo.name)?.values() ?? [])];
    const perSeries = all.map((s) => ({ labels: s.labels, counts: countsOf(s) }));
    const present = perSeries.flatMap((s) => (s.counts === undefined ? [] : [s.counts]));
    const counts: FetchedCounts = present.length === 0 ? { status: 'no-data', good: 0, total: 0 } : { status: 'ok', good: sum(present, 'good'), total: sum(present, 'total') };
    const groups = perSeries.flatMap((s) => (s.labels === undefined || s.counts === undefined ? [] : [{ labels: s.labels, counts: s.counts }]));
    return { counts, groups };
  }

  private check(slo: SloDefinition, kind: 'buckets' | 'span', fromMs: number, toMs: number): void {
    this.requests.push({ kind, slo: slo.name, fromMs, toMs });
    if (this.failing.has(slo.name)) throw new PrometheusError(`SLO ${slo.name}: cannot reach the in-memory source (made to fail)`, { slo: slo.name });
  }
}

function noData(endMs: number): FetchedBucket {
  return { endMs, status: 'no-data', good: 0, total: 0 };
}

function sum(events: ReadonlyArray<{ good: number; total: number }>, key: 'good' | 'total'): number {
  return events.reduce((n, e) => n + e[key], 0);
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
