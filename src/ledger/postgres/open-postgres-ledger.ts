import type pg from 'pg';
import type { LedgerStores, LedgerTx } from '../ledger-stores.js';
import { PostgresAlertStateStore } from './alert-state-store.js';
import { PostgresBucketStore } from './bucket-store.js';
import { asLedgerError, openPostgresPool, redactDatabaseUrl, withTransaction, type Queryable } from './connection.js';
import { PostgresCorrectionStore } from './correction-store.js';
import { migratePostgres } from './migrate.js';
import { PostgresOutboxStore } from './outbox-store.js';
import { PostgresReportLog } from './report-log.js';
import { PostgresStatementStore } from './statement-store.js';

/** The PostgreSQL ledger as the program holds it: the stores, and the pool for the lease and claims. */
export interface PostgresLedger extends LedgerStores {
  readonly pool: pg.Pool;
  /** Resolves once the schema is migrated; rejects (with the reason) when the database cannot be reached or migrated. */
  readonly ready: Promise<void>;
}

/** The six stores on one queryable: the pool (each call on any connection) or one transaction's client. */
export function storesOn(db: Queryable): LedgerTx {
  return {
    buckets: new PostgresBucketStore(db),
    outbox: new PostgresOutboxStore(db),
    alertState: new PostgresAlertStateStore(db),
    reportLog: new PostgresReportLog(db),
    corrections: new PostgresCorrectionStore(db),
    statements: new PostgresStatementStore(db),
  };
}

/**
 * Opens the ledger in the PostgreSQL database at `url` (password from the URL or `$PGPASSWORD`).
 * Returns at once: the schema is migrated in the background, and every call waits for that first,
 * so opening stays synchronous like SQLite's and a database that cannot be reached fails the first
 * call with the reason. Several replicas may open one database at once (migrations take turns).
 */
export function openPostgresLedger(url: string, env: NodeJS.ProcessEnv = process.env): PostgresLedger {
  const pool = openPostgresPool(url, { env });
  const ready = migratePostgres(pool).then(
    () => undefined,
    (error: unknown) => {
      throw asLedgerError(`cannot open the PostgreSQL ledger ${redactDatabaseUrl(url)}`, error);
    },
  );
  // A failure is reported by the calls that wait for it; an unobserved one must not end the process.
  ready.catch(() => undefined);
  const direct = storesOn(pool);
  /** Each store's methods wait for the migration first. */
  const afterReady = <T extends object>(store: T): T =>
    new Proxy(store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          await ready;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  let closed: Promise<void> | undefined;
  return {
    pool,
    ready,
    buckets: afterReady(direct.buckets),
    outbox: afterReady(direct.outbox),
    alertState: afterReady(direct.alertState),
    reportLog: afterReady(direct.reportLog),
    corrections: afterReady(direct.corrections),
    statements: afterReady(direct.statements),
    transaction: async (work) => {
      await ready;
      return withTransaction(pool, (client) => work(storesOn(client)));
    },
    close: () => (closed ??= pool.end()),
  };
}
