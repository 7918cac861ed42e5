import type { GroupFilter, SloStatus } from '../domain/slo-status.js';
import { resolveWindow, type WindowSpec } from '../domain/window.js';
import { evaluateSlos } from './evaluate-slos.js';
import type { Adapters } from './ports.js';
import { syncAllSlos } from './sync-all-slos.js';
import type { SyncProgress, SyncResult } from './sync-ledger.js';

export interface StatusReportOptions {
  atMs: number;
  windows: readonly WindowSpec[];
  /** Report from the ledger as it is, without asking Prometheus. */
  offline: boolean;
  /** Grouped SLOs: their groups too, those matching this filter (empty: all). */
  groups?: GroupFilter;
  onProgress?: (progress: SyncProgress) => void;
}

export interface StatusReport {
  atMs: number;
  statuses: SloStatus[];
  /** Absent when offline. */
  sync?: SyncResult;
}

/**
 * The on-demand report: syncs the buckets the requested windows need (unless offline), then
 * evaluates every SLO over every window from the ledger.
 */
export async function buildStatusReport(adapters: Adapters, options: StatusReportOptions): Promise<StatusReport> {
  const { config } = adapters;
  let sync: SyncResult | undefined;
  if (!options.offline) {
    const starts = options.windows.map((spec) => resolveWindow(spec, options.atMs, config.timeZone).startMs);
    sync = await syncAllSlos(adapters, options.atMs, { fromMs: Math.min(...starts), ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  }
  const statuses = await evaluateSlos(adapters.figures, config.slos, options.windows, options.atMs, config.timeZone, options.groups ? { groups: options.groups } : {});
  return { atMs: options.atMs, statuses, ...(sync ? { sync } : {}) };
}
