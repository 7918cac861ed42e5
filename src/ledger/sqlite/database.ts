import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { LedgerError } from '../../errors.js';
import { MIGRATIONS } from './migrations.js';

/** One SQLite database file: opened in WAL mode, migrated, with one way to run a transaction. */
export class SqliteDatabase {
  private readonly turns = new Turns();

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
   * Runs one store call, `op` (synchronous better-sqlite3 work), and hands back its result or its
   * error as a promise: at once when no transaction is open, else once the transactions and calls
   * queued before it have finished, so a call from elsewhere never lands inside a transaction's
   * work on this one connection.
   */
  run<T>(op: () => T): Promise<T> {
    if (!this.turns.busy) return settle(op);
    return this.inTurn(op);
  }

  private async inTurn<T>(op: () => T): Promise<T> {
    await this.turns.take();
    try {
      return op();
    } finally {
      this.turns.pass();
    }
  }

  /**
   * Runs `work` in one IMMEDIATE transaction (see `LedgerStores.transaction`): it takes the write
   * lock at the start, so a second process (`serve` and a `tick` by hand) waits for the first to
   * finish instead of both reading the same old state, and within this process the transaction
   * waits for its turn: calls and transactions of this process go one at a time while it is open.
   * `work` gets a runner for the store calls that belong to the transaction; it refuses once the
   * work has settled. COMMIT when the work resolves, ROLLBACK when it rejects.
   */
  async transaction<T>(work: (run: SqliteRunner) => Promise<T>): Promise<T> {
    await this.turns.take();
    let open = true;
    const run: SqliteRunner = (op) =>
      open ? settle(op) : Promise.reject(new Error('a ledger transaction\'s stores were used after its work had settled; use them only inside the work, and await each call'));
    try {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(run);
        open = false;
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        open = false;
        // A failed statement may have rolled the transaction back already (SQLITE_FULL, …).
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    } finally {
      this.turns.pass();
    }
  }

  /** Closes the database once the calls and transactions already queued have finished; idempotent. */
  close(): Promise<void> {
    return this.run(() => {
      if (this.db.open) this.db.close();
    });
  }
}

/** Runs one synchronous store call and hands back its result, or its error, as a promise. */
export type SqliteRunner = <T>(op: () => T) => Promise<T>;

function settle<T>(op: () => T): Promise<T> {
  try {
    return Promise.resolve(op());
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * One connection's turns: a transaction holds the turn from BEGIN to COMMIT, and everything else
 * that comes meanwhile waits for it, first come first served. A plain call that finds no one
 * holding it runs at once without taking it (it is synchronous: nothing can come between).
 */
class Turns {
  busy = false;
  private readonly waiting: Array<() => void> = [];

  take(): Promise<void> {
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Hands the turn to the next in line, or frees it. */
  pass(): void {
    const next = this.waiting.shift();
    if (next === undefined) this.busy = false;
    else next();
  }
}
