import type { LedgerStores } from './ledger-stores.js';
import { SqliteAlertStateStore } from './sqlite/alert-state-store.js';
import { SqliteBucketStore } from './sqlite/bucket-store.js';
import { SqliteCorrectionStore } from './sqlite/correction-store.js';
import { SqliteDatabase } from './sqlite/database.js';
import { SqliteOutboxStore } from './sqlite/outbox-store.js';
import { SqliteReportLog } from './sqlite/report-log.js';
import { SqliteStatementStore } from './sqlite/statement-store.js';

/**
 * Opens the ledger at `path` (a SQLite file, created if needed; `:memory:` for a throwaway one),
 * migrated to the current schema, with every store on the one database.
 */
export function openLedger(path: string): LedgerStores {
  const database = SqliteDatabase.open(path);
  const { db } = database;
  return {
    buckets: new SqliteBucketStore(db),
    outbox: new SqliteOutboxStore(db),
    alertState: new SqliteAlertStateStore(db),
    reportLog: new SqliteReportLog(db),
    corrections: new SqliteCorrectionStore(db),
    statements: new SqliteStatementStore(db),
    transaction: (work) => database.transaction(work),
    close: () => database.close(),
  };
}
