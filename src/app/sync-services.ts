import type { Services } from './compose.js';
import { syncLedger, type SyncProgress, type SyncResult } from './sync-ledger.js';

/** What a command may add to a sync of every configured SLO. */
export interface SyncServicesOptions {
  /** Also make sure buckets from here on are present (the start of a requested window). */
  fromMs?: number;
  onProgress?: (progress: SyncProgress) => void;
}

/** Syncs every configured SLO up to `atMs` with the services' adapters: the one way commands sync. */
export function syncServices(services: Services, atMs: number, options: SyncServicesOptions = {}): Promise<SyncResult> {
  const { config } = services;
  return syncLedger({
    ledger: services.ledger,
    source: services.source,
    slos: config.slos,
    clock: services.clock,
    timeZone: config.timeZone,
    atMs,
    retentionMs: config.retentionMs,
    ...(options.fromMs !== undefined ? { fromMs: options.fromMs } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
}
