import type { Adapters } from './ports.js';
import { syncLedger, type SyncProgress, type SyncResult } from './sync-ledger.js';

/** What a command may add to a sync of every configured SLO. */
export interface SyncAllOptions {
  /** Also make sure buckets from here on are present (the start of a requested window). */
  fromMs?: number;
  onProgress?: (progress: SyncProgress) => void;
}

/** Syncs every configured SLO up to `atMs` with the given adapters: the one way commands and jobs sync. */
export function syncAllSlos(adapters: Adapters, atMs: number, options: SyncAllOptions = {}): Promise<SyncResult> {
  const { config } = adapters;
  return syncLedger({
    buckets: adapters.ledger.buckets,
    source: adapters.source,
    slos: config.slos,
    clock: adapters.clock,
    timeZone: config.timeZone,
    atMs,
    retentionMs: config.retentionMs,
    emptySettleMs: config.prometheus.settleMs,
    ...(options.fromMs !== undefined ? { fromMs: options.fromMs } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
}
