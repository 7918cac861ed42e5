import Database from 'better-sqlite3';

/** A way to tell whether the ledger changed: `revision()` differs after every write; `close` releases it. */
export interface LedgerRevision {
  revision(): string;
  close(): void;
}

/**
 * The revision of the ledger's SQLite file, for the HTTP server's caches: `PRAGMA data_version`
 * on a read-only connection of its own, which SQLite changes whenever any other connection commits
 * to the file — this process's own (the tick's sync, the corrections API) and other processes'
 * (`slo-ledger sync`, `corrections add`) alike. One cheap statement per check, no table read.
 * Undefined for a database that lives only in memory, or when the file cannot be opened so: the
 * server then computes every answer afresh.
 */
export function watchLedgerRevision(databasePath: string): LedgerRevision | undefined {
  if (databasePath === ':memory:' || databasePath === '') return undefined;
  let db: Database.Database;
  try {
    db = new Database(databasePath, { readonly: true, fileMustExist: true });
  } catch {
    return undefined;
  }
  const dataVersion = db.prepare('PRAGMA data_version').pluck();
  return {
    revision: () => String(dataVersion.get()),
    close: () => db.close(),
  };
}
