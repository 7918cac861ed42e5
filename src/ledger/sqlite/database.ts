import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { LedgerError } from '../../errors.js';
import { MIGRATIONS } from './migrations.js';

/** One SQLite database file: opened in WAL mode, migrated, with one way to run a transaction. */
export class SqliteDatabase {
  private constructor(readonly db: Database.Database) {}

  /** Opens (creating if needed) the database at `path` and runs pending migrations. */
  static open(path: string): SqliteDatabase {
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      const db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 10000');
      db.pragma('foreign_keys = ON');
      db.pragma('synchronous = NORMAL');
      const database = new SqliteDatabase(db);
      database.migrate();
      return database;
    } catch (error) {
      throw new LedgerError(`cannot open the ledger database ${path}: ${(error as Error).message}`, { cause: error });
    }
  }

  /**
   * Runs the pending migrations in one transaction. Foreign keys are off meanwhile (SQLite's own
   * procedure for rebuilding a table: dropping a parent table must not cascade to its rows), and
   * checked before the transaction commits.
   */
  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new Error(`schema version ${version} is newer than this slo-ledger knows (${MIGRATIONS.length}); upgrade slo-ledger`);
    }
    if (version === MIGRATIONS.length) return;
    this.db.pragma('foreign_keys = OFF');
    try {
      this.db.transaction(() => {
        for (let i = version; i < MIGRATIONS.length; i++) this.db.exec(MIGRATIONS[i]!);
        const broken = this.db.pragma('foreign_key_check') as unknown[];
        if (broken.length > 0) throw new Error(`migration to schema ${MIGRATIONS.length} left ${broken.length} rows without their parent; nothing was changed`);
        this.db.pragma(`user_version = ${MIGRATIONS.length}`);
      })();
    } finally {
      this.db.pragma('foreign_keys = ON');
    }
  }

  /**
   * Runs `work` in one IMMEDIATE transaction: it takes the write lock at the start, so a second
   * process (`serve` and a `tick` by hand) waits for the first to finish instead of both reading
   * the same old state. Inside another transaction it nests as a savepoint.
   */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
