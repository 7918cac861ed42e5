import type { AlertStateStore } from './alert-state-store.js';
import type { BucketStore } from './bucket-store.js';
import type { CorrectionStore } from './correction-store.js';
import type { LedgerStores, LedgerTx } from './ledger-stores.js';
import type { OutboxStore } from './outbox-store.js';
import type { ReportLog } from './report-log.js';
import type { StatementStore } from './statement-store.js';
import { SqliteAlertStateStore } from './sqlite/alert-state-store.js';
import { SqliteBucketStore } from './sqlite/bucket-store.js';
import { SqliteCorrectionStore } from './sqlite/correction-store.js';
import { SqliteDatabase, type SqliteRunner } from './sqlite/database.js';
import { SqliteOutboxStore } from './sqlite/outbox-store.js';
import { SqliteReadPool } from './sqlite/read-pool.js';
import { SqliteReportLog } from './sqlite/report-log.js';
import { SqliteStatementStore } from './sqlite/statement-store.js';
import { asyncStore, type MethodNames } from './sqlite/synchronous.js';

/** Options of {@link openLedger}. */
export interface OpenLedgerOptions {
  /**
   * At most this many threads answer the bucket reads of `buckets` (window sums, buckets, series,
   * groups, and the sync's scans: `BucketReads` of sqlite/read-pool.ts) off the main thread, each on
   * a read-only connection of its own; a thread starts at the first read that needs it. 0, the
   * default, reads on the main connection. A database only this connection can see (`:memory:`, or
   * the temporary one of an empty path) is always read on it.
   */
  readThreads?: number;
}

/**
 * Opens the ledger at `path` (a SQLite file, created if needed; `:memory:` for a throwaway one),
 * migrated to the current schema, with every store on the one database. The SQLite stores are
 * synchronous (better-sqlite3); each call is handed back as a settled promise, after any open
 * transaction of this process (see {@link SqliteDatabase.run}). With `readThreads`, the bucket
 * reads of `buckets` go to read threads instead: they see what was committed when they run, and
 * do not wait for a transaction of this process (its work reads through its own stores).
 */
export function openLedger(path: string, options: OpenLedgerOptions = {}): LedgerStores {
  const database = SqliteDatabase.open(path);
  const { db } = database;
  const stores = {
    buckets: new SqliteBucketStore(db),
    outbox: new SqliteOutboxStore(db),
    alertState: new SqliteAlertStateStore(db),
    reportLog: new SqliteReportLog(db),
    corrections: new SqliteCorrectionStore(db),
    statements: new SqliteStatementStore(db),
  };
  /** The six stores with every call going through `run`: the database's, or one transaction's. */
  const bind = (run: SqliteRunner): LedgerTx => ({
    buckets: asyncStore<BucketStore>(stores.buckets, BUCKET_STORE, run),
    outbox: asyncStore<OutboxStore>(stores.outbox, OUTBOX_STORE, run),
    alertState: asyncStore<AlertStateStore>(stores.alertState, ALERT_STATE_STORE, run),
    reportLog: asyncStore<ReportLog>(stores.reportLog, REPORT_LOG, run),
    corrections: asyncStore<CorrectionStore>(stores.corrections, CORRECTION_STORE, run),
    statements: asyncStore<StatementStore>(stores.statements, STATEMENT_STORE, run),
  });
  const own = bind((op) => database.run(op));
  const threads = (options.readThreads ?? 0) > 0 && path !== ':memory:' && path !== '' ? new SqliteReadPool(path, options.readThreads!) : undefined;
  return {
    ...own,
    ...(threads === undefined ? {} : { buckets: { ...own.buckets, ...threads.reader() } }),
    transaction: (work) => database.transaction((run) => work(bind(run))),
    close: async () => {
      await threads?.close();
      await database.close();
    },
  };
}

const BUCKET_STORE: MethodNames<BucketStore> = {
  findSeries: true, listGroups: true, sumWindow: true, sumWindows: true, readBuckets: true, readBucketColumns: true, bucketStatus: true, noDataRuns: true,
  ensureSeries: true, unsettledBucketEnds: true, lastDataEndMs: true, markSettled: true, writeBuckets: true, bookReconciliation: true,
  changesSince: true, recordSync: true, prune: true,
};
const OUTBOX_STORE: MethodNames<OutboxStore> = {
  enqueue: true, requeue: true, due: true, list: true, byId: true, byKey: true, backlog: true, claim: true, markSent: true,
  markAttemptFailed: true, retryNow: true, drop: true,
};
const ALERT_STATE_STORE: MethodNames<AlertStateStore> = { all: true, get: true, save: true };
const REPORT_LOG: MethodNames<ReportLog> = { get: true, record: true };
const CORRECTION_STORE: MethodNames<CorrectionStore> = { add: true, list: true, get: true, remove: true, revision: true, history: true };
const STATEMENT_STORE: MethodNames<StatementStore> = { append: true, latest: true, versions: true, months: true };
