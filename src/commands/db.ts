import type { Command } from 'commander';
import { redactSecrets, SloLedgerError, UsageError } from '../errors.js';
import { copySqliteToPostgres } from '../ledger/copy-ledger.js';
import { databaseSecrets, isPostgresUrl, openPostgresPool, redactDatabaseUrl } from '../ledger/postgres/connection.js';

/** `db copy --from FILE --to postgres://…`: moves a SQLite ledger into PostgreSQL. */
export function registerDbCommand(program: Command): void {
  const db = program.command('db').description('manage the ledger database');
  db.command('copy')
    .description('copy a SQLite ledger (buckets, history, statements, outbox, alert state, corrections) into an empty PostgreSQL database')
    .requiredOption('--from <file>', 'the SQLite ledger file')
    .requiredOption('--to <url>', 'postgres://user@host:5432/db (the password from the URL or $PGPASSWORD)')
    .action(async (options: { from: string; to: string }) => {
      if (!isPostgresUrl(options.to)) throw new UsageError(`db copy: --to must be a postgres:// URL, got ${redactDatabaseUrl(options.to)}`);
      const secrets = databaseSecrets(options.to);
      const pool = openPostgresPool(options.to);
      try {
        const result = await copySqliteToPostgres(options.from, pool, (name, rows) => process.stderr.write(`slo-ledger: copied ${name}: ${rows} rows\n`));
        const rows = result.tables.reduce((n, t) => n + t.rows, 0);
        process.stdout.write(`copied ${rows} rows in ${result.tables.length} tables from ${options.from} to ${redactDatabaseUrl(options.to)}; every table's row count checked\n`);
      } catch (error) {
        // pg names no password, but a message may quote the URL it was given.
        if (error instanceof SloLedgerError) throw Object.assign(error, { message: redactSecrets(error.message, secrets) });
        throw new SloLedgerError(`db copy failed: ${redactSecrets((error as Error).message, secrets)}`, { cause: error });
      } finally {
        await pool.end();
      }
    });
}
