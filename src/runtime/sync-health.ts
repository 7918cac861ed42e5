import type { SyncHealthView, SyncRunRecord } from '../server/ports.js';

/**
 * The service's own health, in memory: the last sync run, the last fully successful one, and
 * listeners (the /metrics registry) that want each run as it ends.
 */
export class SyncHealth implements SyncHealthView {
  private last?: SyncRunRecord;
  private lastSuccessMs?: number;
  private readonly listeners: Array<(run: SyncRunRecord) => void> = [];

  /** Records a finished run and tells the listeners. */
  record(run: SyncRunRecord): void {
    this.last = run;
    if (run.ok) this.lastSuccessMs = run.endedAtMs;
    for (const listener of this.listeners) listener(run);
  }

  /** Calls `listener` after every recorded run. */
  onRun(listener: (run: SyncRunRecord) => void): void {
    this.listeners.push(listener);
  }

  lastRun(): SyncRunRecord | undefined {
    return this.last;
  }

  /** Wall-clock time of the last run in which every SLO synced; undefined before the first. */
  lastSuccessfulSyncMs(): number | undefined {
    return this.lastSuccessMs;
  }
}
