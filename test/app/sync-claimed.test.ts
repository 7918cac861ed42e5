import { afterAll, describe, expect, it } from 'vitest';
import type { Adapters } from '../../src/app/ports.js';
import { syncClaimedSlos, type SyncClaims } from '../../src/app/sync-all-slos.js';
import { loadConfig } from '../../src/config/load-config.js';
import { BUCKET_MS } from '../../src/domain/duration.js';
import type { SloDefinition } from '../../src/domain/slo.js';
import { openLedger } from '../../src/ledger/open-ledger.js';
import { InMemoryMetricsSource, ManualClock } from '../helpers/in-memory-source.js';

const DAY = 24 * 3_600_000;
const AT = Date.parse('2026-11-01T00:00:00Z');
const slo = (name: string): SloDefinition => ({
  name, service: 'shop', description: '', objectiveRatio: 0.999, windowMs: 30 * DAY,
  sli: { kind: 'events', badQuery: `bad_${name}[{{.window}}]`, totalQuery: `total_${name}[{{.window}}]` },
});
const SLOS = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map(slo);

/** Claims kept in memory, shared by the "replicas" of one test: held, or done at an instant. */
function memoryClaims(clock: ManualClock) {
  const held = new Map<string, string>();
  const done = new Map<string, number>();
  const log: Array<[string, 'claim' | 'release', string[]]> = [];
  const of = (holder: string): SyncClaims => ({
    claim: async (slos, limit, restMs) => {
      const free = slos.filter((s) => !held.has(s) && (done.get(s) ?? -Infinity) <= clock.nowMs() - restMs).slice(0, limit);
      for (const s of free) held.set(s, holder);
      log.push([holder, 'claim', free]);
      return free;
    },
    renew: async () => undefined,
    release: async (slos) => {
      for (const s of slos) {
        held.delete(s);
        done.set(s, clock.nowMs());
      }
      log.push([holder, 'release', [...slos]]);
    },
  });
  return { of, log };
}

describe('syncClaimedSlos: a replica\'s share of a tick', () => {
  const ledger = openLedger(':memory:');
  afterAll(() => ledger.close());
  const source = new InMemoryMetricsSource();
  for (const s of SLOS) for (let end = AT - 2 * DAY; end <= AT; end += BUCKET_MS) source.set(s.name, end, { good: 99, total: 100 });
  const clock = new ManualClock(AT + 10 * 60_000);
  const config = { ...loadConfig({ env: {} }), slos: SLOS };
  const adapters: Adapters = { config, ledger, figures: ledger.buckets, source, clock };

  it('two replicas at once sync every SLO exactly once between them, in batches, and each lists its own in config order', async () => {
    const claims = memoryClaims(clock);
    const options = { batch: 2, restMs: 30_000, renewEveryMs: 10_000 };
    const [one, two] = await Promise.all([syncClaimedSlos(adapters, AT, claims.of('one'), options), syncClaimedSlos(adapters, AT, claims.of('two'), options)]);
    const names = (r: typeof one) => r.slos.map((s) => s.slo);
    expect([...names(one), ...names(two)].sort()).toEqual(SLOS.map((s) => s.name));
    expect(names(one).filter((n) => names(two).includes(n))).toEqual([]);
    expect(names(one).length).toBeGreaterThan(0);
    expect(names(two).length).toBeGreaterThan(0);
    for (const r of [one, two]) expect(names(r)).toEqual(SLOS.map((s) => s.name).filter((n) => names(r).includes(n)));
    for (const r of [...one.slos, ...two.slos]) expect(r.error).toBeUndefined();
    for (const [, , batch] of claims.log) expect(batch.length).toBeLessThanOrEqual(2);
    // Within the rest time, a second tick finds nothing to do.
    const again = await syncClaimedSlos(adapters, AT, claims.of('one'), options);
    expect(again.slos).toEqual([]);
  });

  it('tries each SLO once per call even with no rest time, so a failing SLO is reported, not retried in a loop', async () => {
    const claims = memoryClaims(clock);
    source.fail('c');
    try {
      const result = await syncClaimedSlos(adapters, AT + BUCKET_MS, claims.of('solo'), { batch: 3, restMs: 0, renewEveryMs: 10_000 });
      expect(result.slos.map((s) => s.slo)).toEqual(SLOS.map((s) => s.name));
      expect(result.slos.filter((s) => s.error !== undefined).map((s) => s.slo)).toEqual(['c']);
      expect(claims.log.filter(([, kind]) => kind === 'claim').map(([, , batch]) => batch)).toEqual([['a', 'b', 'c'], ['d', 'e', 'f'], ['g']]);
    } finally {
      source.fail('c', false);
    }
  });

  it('claims no further batch once aborted', async () => {
    const claims = memoryClaims(clock);
    const stop = new AbortController();
    stop.abort();
    const result = await syncClaimedSlos(adapters, AT, claims.of('late'), { batch: 2, restMs: 0, renewEveryMs: 10_000, signal: stop.signal });
    expect(result.slos).toEqual([]);
    expect(claims.log).toEqual([]);
  });
});
