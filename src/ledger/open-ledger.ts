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
import { SqliteReportLog } from './sqlite/report-log.js';
import { SqliteStatementStore } from './sqlite/statement-store.js';
import { asyncStore, type MethodNames } from './sqlite/synchronous.js';

/**
 * Opens the ledger at `path` (a SQLite file, created if needed; `:memory:` for a throwaway one),
 * migrated to the current schema, with every store on the one database. The SQLite stores are
 * synchronous (better-sqlite3); each call is handed back as a settled promise, after any open
 * transaction of this process (see {@link SqliteDatabase.run}).
 */
export function openLedger(path: string): LedgerStores {
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
  return {
    ...bind((op) => database.run(op)),
    transaction: (work) => database.transaction((run) => work(bind(run))),
    close: () => database.close(),
  };
}

const BUCKET_STORE: MethodNames<BucketStore> = {
  findSeries: true, listGroups: true, sumWindow: true, readBuckets: true, readBucketColumns: true, bucketStatus: true, noDataRuns: true,
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
