import { afterEach, describe, expect, it } from 'vitest';
import { correctedBuckets, liveCorrections } from '../../src/app/corrected-buckets.js';
import type { Adapters } from '../../src/app/ports.js';
import { contentHashOf, diffStatement, statedFigures } from '../../src/app/statements.js';
import { SETTLE_MS, syncLedger } from '../../src/app/sync-ledger.js';
import { loadConfig } from '../../src/config/load-config.js';
import { BUCKET_MS } from '../../src/domain/duration.js';
import { resolvePeriod } from '../../src/domain/period.js';
import type { SloDefinition } from '../../src/domain/slo.js';
import type { LedgerStores } from '../../src/ledger/ledger-stores.js';
import { openLedger } from '../../src/ledger/open-ledger.js';
import { InMemoryMetricsSource, ManualClock } from '../helpers/in-memory-source.js';

// What `statements diff` finds when the ledger itself changes after a statement: a scrape gap
// reconciled later, and late samples in a bucket re-fetched before it settled. Exact counts from
// an in-memory source, so every change is known to the event.
const DAY = 86_400_000;
const HOUR = 3_600_000;
const AT = Date.parse('2026-11-01T00:00:00Z');
const A: SloDefinition = {
  name: 'a', service: 'svc', description: '', objectiveRatio: 0.999, windowMs: 30 * DAY,
  sli: { kind: 'events', badQuery: 'bad_a[{{.window}}]', totalQuery: 'total_a[{{.window}}]' },
};

describe('statements diff: changes of the ledger itself', () => {
  let ledger: LedgerStores | undefined;
  afterEach(() => ledger?.close());

  it('names a scrape gap reconciled after the statement and late samples, with the events each changed', async () => {
    ledger = openLedger(':memory:');
    const source = new InMemoryMetricsSource();
    for (let end = AT - 36 * DAY + BUCKET_MS; end <= AT + 2 * HOUR; end += BUCKET_MS) source.set('a', end, { good: 990, total: 1000 });
    // The last three hours of October are a scrape gap, still open when the month is stated.
    const gap = { first: AT - 3 * HOUR + BUCKET_MS, last: AT };
    for (let end = gap.first; end <= gap.last; end += BUCKET_MS) source.set('a', end, { good: 990, total: 1000, scraped: false });
    const clock = new ManualClock(AT + 60_000);
    const sync = (atMs: number) => syncLedger({ buckets: ledger!.buckets, source, slos: [A], clock, timeZone: 'UTC', atMs, retentionMs: 400 * DAY });
    await sync(AT);

    const config = loadConfig({ env: {} });
    config.slos = [A];
    const adapters: Adapters = {
      config, ledger, source, clock,
      figures: correctedBuckets(ledger.buckets, liveCorrections(config.corrections, ledger.corrections), 'UTC'),
    };
    const period = resolvePeriod({ kind: 'month', month: { year: 2026, month: 10 } }, AT + DAY, 'UTC').current;
    const slos = await statedFigures(adapters.figures, config.slos, period);
    const gapBuckets = 36;
    expect(slos[0]).toMatchObject({ good: 990 * (31 * 288 - gapBuckets), total: 1000 * (31 * 288 - gapBuckets), coverageRatio: (31 * 288 - gapBuckets) / (31 * 288) });
    await ledger.statements.append({ month: '2026-10', version: 1, kind: 'original', producedMs: clock.nowMs(), contentHash: contentHashOf(slos), slos, corrections: [], files: [], messageId: null });
    expect((await diffStatement(adapters, (await ledger.statements.latest('2026-10'))!, period)).changes).toEqual([]);

    // An hour later the target is scraped again: the gap closes and is reconciled. Late samples for
    // a bucket of 1 November change nothing of October, so they are no cause of its change.
    source.set('a', AT + BUCKET_MS, { good: 900, total: 1000 });
    clock.set(AT + HOUR + SETTLE_MS);
    await sync(AT + HOUR);
    const diff = await diffStatement(adapters, (await ledger.statements.latest('2026-10'))!, period);
    expect(diff.changes).toHaveLength(1);
    const [change] = diff.changes;
    expect(change!.now).toMatchObject({ good: 990 * 31 * 288, total: 1000 * 31 * 288, coverageRatio: 1 });
    expect(change!.causes).toEqual([
      { kind: 'reconciliation', startMs: gap.first - BUCKET_MS, endMs: gap.last, good: 990 * gapBuckets, total: 1000 * gapBuckets, reconciledAtMs: AT + HOUR + SETTLE_MS },
    ]);
  });

  it('names late samples: a bucket of the month fetched again after the statement, before it settled', async () => {
    ledger = openLedger(':memory:');
    const source = new InMemoryMetricsSource();
    for (let end = AT - 36 * DAY + BUCKET_MS; end <= AT + 2 * HOUR; end += BUCKET_MS) source.set('a', end, { good: 990, total: 1000 });
    // Stated a minute after the month ended: its last bucket is not settled yet.
    const clock = new ManualClock(AT + 60_000);
    const sync = (atMs: number) => syncLedger({ buckets: ledger!.buckets, source, slos: [A], clock, timeZone: 'UTC', atMs, retentionMs: 400 * DAY });
    await sync(AT);
    const config = loadConfig({ env: {} });
    config.slos = [A];
    const adapters: Adapters = { config, ledger, source, clock, figures: correctedBuckets(ledger.buckets, [], 'UTC') };
    const period = resolvePeriod({ kind: 'month', month: { year: 2026, month: 10 } }, AT + DAY, 'UTC').current;
    const slos = await statedFigures(adapters.figures, config.slos, period);
    await ledger.statements.append({ month: '2026-10', version: 1, kind: 'original', producedMs: clock.nowMs(), contentHash: contentHashOf(slos), slos, corrections: [], files: [], messageId: null });

    // Late samples: the month's last bucket held 20 more bad events than first seen.
    source.set('a', AT, { good: 990, total: 1020 });
    clock.set(AT + 10 * 60_000);
    await sync(AT + HOUR);
    const [change] = (await diffStatement(adapters, (await ledger.statements.latest('2026-10'))!, period)).changes;
    expect(change!.now!.total - change!.stated!.total).toBe(20);
    expect(change!.causes).toEqual([{ kind: 'late-data', buckets: expect.any(Number), good: expect.any(Number), total: expect.any(Number) }]);
    const late = change!.causes[0] as { buckets: number; total: number };
    // The re-fetched buckets are the month's unsettled tail; they now hold the late events.
    expect(late.buckets).toBeGreaterThanOrEqual(1);
    expect(late.total).toBe(1000 * late.buckets + 20);
  });
});
