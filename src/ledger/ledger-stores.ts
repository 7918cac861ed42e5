import type { AlertStateStore } from './alert-state-store.js';
import type { BucketStore } from './bucket-store.js';
import type { CorrectionStore } from './correction-store.js';
import type { OutboxStore } from './outbox-store.js';
import type { ReportLog } from './report-log.js';
import type { StatementStore } from './statement-store.js';

/**
 * The ledger's stores, one per kind of record, all in one database. Every method returns a
 * promise, whatever the engine: SQLite answers at once, PostgreSQL over the network.
 */
export interface LedgerTx {
  buckets: BucketStore;
  outbox: OutboxStore;
  alertState: AlertStateStore;
  reportLog: ReportLog;
  /** Corrections added at run time, with their audit trail (the config's are in the config). */
  corrections: CorrectionStore;
  /** The monthly statements: the figures of each produced month, every version kept. */
  statements: StatementStore;
}

/**
 * The ledger database by role: its stores, and transactions over them, so that a state change and
 * the deliveries it calls for are written in one transaction.
 */
export interface LedgerStores extends LedgerTx {
  /**
   * Runs `work` in one transaction and resolves to what it resolves to: everything it writes is
   * written together, when its promise resolves, or not at all, when it rejects (the rejection is
   * passed on). A second process waits until the first has finished, so two processes cannot read
   * the same old state and both act on it; two transactions of one process take turns too.
   *
   * Inside the work:
   * - Read and write through the stores `work` is given (`tx`): they are bound to the transaction.
   *   Never the ledger's own stores and never `transaction` again: they are not part of this
   *   transaction and may wait until it has ended (on SQLite they do), so the work would wait for
   *   itself for ever.
   * - Await every call before the work's promise settles; the given stores refuse to work once it
   *   has (the transaction is over), so keep no reference to them.
   * - Do nothing but database work and computation: no Prometheus, no delivery, no file, no timer.
   *   Until it ends the transaction holds what others wait for (SQLite: the database's write lock,
   *   which other processes' writes wait for, and the one connection, which every other ledger
   *   call of this process waits for; PostgreSQL: the rows it wrote), so it must end quickly. Read
   *   files, fetch and format before; send after it has committed (through the outbox).
   *
   * Calls of the ledger's own stores made meanwhile elsewhere (another request, a sync) are not
   * part of the transaction and never see what it has not committed; they may wait until it has
   * ended (SQLite, one connection: every call of this process does).
   */
  transaction<T>(work: (tx: LedgerTx) => Promise<T>): Promise<T>;
  /** Releases the database once the calls already started have finished; idempotent. */
  close(): Promise<void>;
}
