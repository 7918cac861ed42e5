import type pg from 'pg';
import { LedgerError } from '../../errors.js';
import { asLedgerError, withTransaction, type Queryable } from './connection.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';

/**
 * The advisory lock (a pair of int4 keys: "sLoL", 1) that serialises migrations: replicas that
 * start at once take turns, and each sees what the one before it applied.
 */
const MIGRATION_LOCK: readonly [number, number] = [0x734c6f4c, 1];

/**
 * Applies the pending migrations, each in its own transaction under the migration lock, and
 * returns the schema version. Safe to call from several replicas at once: a migration runs once,
 * and one that fails leaves nothing behind (it and its version row roll back together). Throws
 * `LedgerError` when the database is newer than this slo-ledger.
 */
export async function migratePostgres(pool: pg.Pool, migrations: readonly string[] = POSTGRES_MIGRATIONS): Promise<number> {
  for (;;) {
    const version = await withTransaction(pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', [...MIGRATION_LOCK]);
      await client.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           version integer PRIMARY KEY,
           applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
         )`,
      );
      const current = await schemaVersion(client);
      if (current > migrations.length) {
        throw new LedgerError(`the PostgreSQL ledger's schema version ${current} is newer than this slo-ledger knows (${migrations.length}); upgrade slo-ledger`);
      }
      if (current === migrations.length) return current;
      try {
        await client.query(migrations[current]!);
        await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [current + 1]);
      } catch (error) {
        throw asLedgerError(`PostgreSQL migration ${current + 1} failed; nothing of it was applied`, error);
      }
      return undefined;
    }).catch((error: unknown) => {
      throw asLedgerError('cannot migrate the PostgreSQL ledger', error);
    });
    if (version !== undefined) return version;
  }
}

/** The number of migrations applied (0 for a new database). */
export async function schemaVersion(db: Queryable): Promise<number> {
  const table = await db.query<{ found: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS found");
  if (table.rows[0]?.found !== true) return 0;
  const { rows } = await db.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
  return rows[0]?.version ?? 0;
}
