import type { AlertStateStore } from './alert-state-store.js';
import type { BucketStore } from './bucket-store.js';
import type { CorrectionStore } from './correction-store.js';
import type { OutboxStore } from './outbox-store.js';
import type { ReportLog } from './report-log.js';
import type { StatementStore } from './statement-store.js';

/**
 * The ledger database by role: one store per kind of record, all in one database so that a state
 * change and the deliveries it calls for are written in one transaction.
 */
export interface LedgerStores {
  buckets: BucketStore;
  outbox: OutboxStore;
  alertState: AlertStateStore;
  reportLog: ReportLog;
  /** Corrections added at run time, with their audit trail (the config's are in the config). */
  corrections: CorrectionStore;
  /** The monthly statements: the figures of each produced month, every version kept. */
  statements: StatementStore;
  /**
   * Runs `work` in one transaction: everything it writes is written together or not at all. A
   * second process waits until the first has finished, so two processes cannot read the same old
   * state and both act on it.
   */
  transaction<T>(work: () => T): T;
  /** Releases the database; idempotent. */
  close(): void;
}
