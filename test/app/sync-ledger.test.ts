import { afterEach, describe, expect, it } from 'vitest';
import { evaluateSlos } from '../../src/app/evaluate-slos.js';
import { SETTLE_MS, syncLedger, type SyncResult } from '../../src/app/sync-ledger.js';
import { BUCKET_MS } from '../../src/domain/duration.js';
import type { SloDefinition } from '../../src/domain/slo.js';
import { parseWindowSpec } from '../../src/domain/window.js';
import type { LedgerStores } from '../../src/ledger/ledger-stores.js';
import { openLedger } from '../../src/ledger/open-ledger.js';
import { InMemoryMetricsSource, ManualClock } from '../helpers/in-memory-source.js';

// The use case against an in-memory metrics source and a clock moved by hand: exact counts, so the
// ledger must hold exactly what the source holds. The real-Prometheus correctness tests are in test/ledger/.
const DAY = 86_400_000;
const AT = Date.parse('2026-11-01T00:00:00Z');
const slo = (name: string): SloDefinition => ({
  name, service: 'svc', description: '', objectiveRatio: 0.999, windowMs: 30 * DAY,
  sli: { kind: 'events', badQuery: `bad_${name}[{{.window}}]`, totalQuery: `total_${name}[{{.window}}]` },
});
const A = slo('a');
const B = slo('b');

/** Uneven traffic: a diurnal wave, a hundredfold busier SLO, and an error burst; returns the truth per bucket. */
function fill(source: InMemoryMetricsSource, s: SloDefinition, fromMs: number, toMs: number, scale: number): Map<number, { good: number; total: number }> {
  const truth = new Map<number, { good: number; total: number }>();
  for (let end = fromMs + BUCKET_MS; end <= toMs; end += BUCKET_MS) {
    const total = Math.round(scale * (50 + 40 * Math.sin((2 * Math.PI * end) / DAY)));
    const bad = end % (7 * DAY) < 2 * 3_600_000 ? Math.round(total * 0.2) : Math.round(total * 0.0005);
    truth.set(end, { good: total - bad, total });
    source.set(s.name, end, { good: total - bad, total });
  }
  return truth;
}

function sumTruth(truth: Map<number, { good: number; total: number }>, startMs: number, endMs: number) {
  let good = 0;
  let total = 0;
  for (const [end, e] of truth) {
    if (end > startMs && end <= endMs) {
      good += e.good;
      total += e.total;
    }
  }
  return { good, total };
}

describe('syncLedger with an in-memory metrics source', () => {
  let ledger: LedgerStores | undefined;
  afterEach(() => ledger?.close());

  const sync = (source: InMemoryMetricsSource, clock: ManualClock, atMs: number, slos = [A, B]): Promise<SyncResult> =>
    syncLedger({ buckets: ledger!.buckets, source, slos, clock, timeZone: 'UTC', atMs, retentionMs: 400 * DAY });

  it('backfills 35 days on the first sync, and every window sums exactly the events the source holds', async () => {
    ledger = openLedger(':memory:');
    const source = new InMemoryMetricsSource();
    const truthA = fill(source, A, AT - 40 * DAY, AT, 100);
    const truthB = fill(source, B, AT - 40 * DAY, AT, 1);
    const result = await sync(source, new ManualClock(AT + DAY), AT);
    expect(result.slos.map((s) => [s.slo, s.error, s.missingBuckets])).toEqual([['a', undefined, 0], ['b', undefined, 0]]);
    // 35 days back (2026-09-27), or the start of the previous month (2026-10-01) if that were earlier.
    expect(result.fromMs).toBe(Date.parse('2026-09-27T00:00:00Z') + BUCKET_MS);
    const windows = ['5m', '1h', '24h', '7d', '30d'].map(parseWindowSpec);
    const statuses = await evaluateSlos(ledger.buckets, [A, B], windows, AT, 'UTC');
    for (const [status, truth] of [[statuses[0]!, truthA], [statuses[1]!, truthB]] as const) {
      for (const w of status.windows) {
        const expected = sumTruth(truth, w.startMs, w.endMs);
        expect(w.total, `${status.slo.name} ${w.window}`).toBe(expected.total);
        expect(w.good, `${status.slo.name} ${w.window}`).toBe(expected.good);
        expect(w.sliRatio).toBeCloseTo(expected.good / expected.total, 12);
        expect(w.coverageRatio).toBe(1);
      }
    }
  });

  it('re-fetches a bucket that closed less than the settle time before, and never adds a re-fetch to what was booked', async () => {
    ledger = openLedger(':memory:');
    const source = new InMemoryMetricsSource();
    fill(source, A, AT - 36 * DAY, AT, 1);
    const clock = new ManualClock(AT + 60_000);
    await sync(source, clock, AT, [A]);
    // Late samples arrive for the last bucket: the first fetch was inside the settle time, so it is fetched again.
    source.set('a', AT, { good: 1000, total: 1001 });
    clock.set(AT + SETTLE_MS + 60_000);
    const again = await sync(source, clock, AT, [A]);
    expect(again.slos[0]!.fetchedBuckets).toBe(1);
    const [status] = await evaluateSlos(ledger.buckets, [A], [parseWindowSpec('5m')], AT, 'UTC');
    expect(status!.windows[0]).toMatchObject({ good: 1000, total: 1001 });
    // Settled now: a third sync fetches nothing and changes nothing, even if the source changed its mind.
    const [before] = await evaluateSlos(ledger.buckets, [A], [parseWindowSpec('30d')], AT, 'UTC');
    source.set('a', AT - BUCKET_MS, { good: 0, total: 5000 });
    clock.advance(DAY);
    const third = await sync(source, clock, AT, [A]);
    expect(third.slos[0]!.fetchedBuckets).toBe(0);
    const [after] = await evaluateSlos(ledger.buckets, [A], [parseWindowSpec('30d')], AT, 'UTC');
    expect(after).toEqual(before);
  });

  it('books a closed scrape gap from the increase across it, so the day holds every event', async () => {
    ledger = openLedger(':memory:');
    const source = new InMemoryMetricsSource();
    const truth = fill(source, A, AT - 36 * DAY, AT, 10);
    const gapFirst = AT - 6 * 3_600_000;
    const gapLast = gapFirst + 11 * BUCKET_MS;
    for (let end = gapFirst; end <= gapLast; end += BUCKET_MS) source.set('a', end, { ...truth.get(end)!, scraped: false });
    const result = await sync(source, new ManualClock(AT + DAY), AT, [A]);
    expect(result.slos[0]!.reconciledGaps).toBe(1);
    const [status] = await evaluateSlos(ledger.buckets, [A], [parseWindowSpec('24h')], AT, 'UTC');
    const expected = sumTruth(truth, AT - DAY, AT);
    expect(status!.windows[0]!.total).toBeCloseTo(expected.total, 6);
    expect(status!.windows[0]!.good).toBeCloseTo(expected.good, 6);
    expect(status!.windows[0]!.coverageRatio).toBe(1);
  });

  it('keeps going when one SLO fails: its buckets stay missing until a later sync fills them', async () => {
    ledger = openLedger(':memory:');
    const source = new InMemoryMetricsSource();
    fill(source, A, AT - 36 * DAY, AT, 1);
    const truthB = fill(source, B, AT - 36 * DAY, AT, 1);
    source.fail('b');
    const clock = new ManualClock(AT + DAY);
    const failed = await sync(source, clock, AT);
    expect(failed.slos[0]).toMatchObject({ slo: 'a', missingBuckets: 0 });
    expect(failed.slos[1]!.error).toMatch(/SLO b: cannot reach/);
    expect(failed.slos[1]!.missingBuckets).toBe(35 * 288);
    const [missing] = await evaluateSlos(ledger.buckets, [B], [parseWindowSpec('24h')], AT, 'UTC');
    expect(missing!.windows[0]).toMatchObject({ total: 0, sliRatio: null, coverageRatio: 0 });
    source.fail('b', false);
    const back = await sync(source, clock, AT);
    expect(back.slos[1]).toMatchObject({ slo: 'b', missingBuckets: 0 });
    const [filled] = await evaluateSlos(ledger.buckets, [B], [parseWindowSpec('24h')], AT, 'UTC');
    expect(filled!.windows[0]!.total).toBe(sumTruth(truthB, AT - DAY, AT).total);
  });

  it('reports no SLI, not 100 %, for a window without traffic', async () => {
    ledger = openLedger(':memory:');
    const source = new InMemoryMetricsSource();
    for (let end = AT - 36 * DAY + BUCKET_MS; end <= AT; end += BUCKET_MS) source.set('a', end, { good: 0, total: 0 });
    await sync(source, new ManualClock(AT + DAY), AT, [A]);
    const [status] = await evaluateSlos(ledger.buckets, [A], [parseWindowSpec('24h')], AT, 'UTC');
    expect(status!.windows[0]).toMatchObject({ total: 0, sliRatio: null, burnRate: null, coverageRatio: 1 });
  });
});
