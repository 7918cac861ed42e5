import type { SloDefinition } from '../domain/slo.js';
import { floorToBucket } from '../domain/duration.js';
import type { Adapters } from './ports.js';
import { syncLedger, type SloSyncResult, type SyncProgress, type SyncResult } from './sync-ledger.js';

/** What a command may add to a sync of every configured SLO. */
export interface SyncAllOptions {
  /** Also make sure buckets from here on are present (the start of a requested window). */
  fromMs?: number;
  onProgress?: (progress: SyncProgress) => void;
  /** Only these SLOs (default every configured one). */
  slos?: readonly SloDefinition[];
  /** Delete buckets older than the retention at the end (default true). */
  prune?: boolean;
}

/** Syncs every configured SLO up to `atMs` with the given adapters: the one way commands and jobs sync. */
export function syncAllSlos(adapters: Adapters, atMs: number, options: SyncAllOptions = {}): Promise<SyncResult> {
  const { config } = adapters;
  return syncLedger({
    buckets: adapters.ledger.buckets,
    source: adapters.source,
    slos: options.slos ?? config.slos,
    clock: adapters.clock,
    timeZone: config.timeZone,
    atMs,
    retentionMs: config.retentionMs,
    emptySettleMs: config.prometheus.settleMs,
    ...(options.fromMs !== undefined ? { fromMs: options.fromMs } : {}),
    ...(options.prune !== undefined ? { prune: options.prune } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
}

/**
 * Claims on SLOs shared by the replicas that sync one ledger: an SLO claimed by one is not synced
 * by another while the claim lasts, and one synced lately (within `restMs`) is passed over.
 */
export interface SyncClaims {
  /** Claims up to `limit` of `slos` that nobody holds and nobody synced within `restMs`; their names. */
  claim(slos: readonly string[], limit: number, restMs: number): Promise<string[]>;
  /** Extends this replica's claims on `slos` while it syncs them. */
  renew(slos: readonly string[]): Promise<void>;
  /** Gives the claims up, recording the SLOs as synced now (attempted: a failure is retried next tick, not at once). */
  release(slos: readonly string[]): Promise<void>;
}

/** How {@link syncClaimedSlos} claims. */
export interface ClaimedSyncOptions {
  /** SLOs claimed at a time. */
  batch: number;
  /** Pass over SLOs another replica (or this one) synced less than this long ago: about half a tick. */
  restMs: number;
  /** How often the claims being synced are renewed. */
  renewEveryMs: number;
  /** Once aborted (shutdown), no further batch is claimed. */
  signal?: AbortSignal;
}

/**
 * The sync of a replica among several: claims a batch of SLOs, syncs them up to `atMs`, releases
 * them, and claims again until none is left for it, so N replicas share one tick's SLOs. The
 * result lists the SLOs this replica synced, in config order. A replica that dies mid-batch loses
 * its claims when they expire; the buckets it wrote stay (a sync is idempotent, bucket by bucket).
 */
export async function syncClaimedSlos(adapters: Adapters, atMs: number, claims: SyncClaims, options: ClaimedSyncOptions): Promise<SyncResult> {
  const { config, clock } = adapters;
  const started = clock.nowMs();
  const names = config.slos.map((slo) => slo.name);
  const results: SloSyncResult[] = [];
  let fromMs: number | undefined;
  // Each SLO once per call, whatever the rest time.
  const attempted = new Set<string>();
  while (options.signal?.aborted !== true && attempted.size < names.length) {
    const claimed = new Set(await claims.claim(names.filter((name) => !attempted.has(name)), options.batch, options.restMs));
    if (claimed.size === 0) break;
    for (const name of claimed) attempted.add(name);
    const renewal = setInterval(() => void claims.renew([...claimed]).catch(() => undefined), options.renewEveryMs);
    try {
      const synced = await syncAllSlos(adapters, atMs, { slos: config.slos.filter((slo) => claimed.has(slo.name)), prune: false });
      results.push(...synced.slos);
      fromMs ??= synced.fromMs;
    } finally {
      clearInterval(renewal);
      await claims.release([...claimed]);
    }
  }
  // Once per tick, not per batch.
  const prunedBuckets = results.length === 0 ? 0 : await adapters.ledger.buckets.prune(floorToBucket(clock.nowMs() - config.retentionMs));
  results.sort((a, b) => names.indexOf(a.slo) - names.indexOf(b.slo));
  const endMs = floorToBucket(atMs);
  return { atMs: endMs, fromMs: fromMs ?? endMs, durationMs: clock.nowMs() - started, prunedBuckets, slos: results };
}
