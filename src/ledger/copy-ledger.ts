import { existsSync } from 'node:fs';
import type pg from 'pg';
import { LedgerError, UsageError } from '../errors.js';
import { withTransaction } from './postgres/connection.js';
import { migratePostgres } from './postgres/migrate.js';
import { SqliteDatabase } from './sqlite/database.js';

/** The PostgreSQL type of each column, for `unnest` of one array per column. */
type ColumnType = 'bigint' | 'integer' | 'text' | 'float8';

/**
 * The ledger's tables in the order their rows can be inserted (parents first), with every column:
 * both engines have the same tables and columns. The leader lease and sync claims are not copied:
 * they describe running replicas, not the ledger.
 */
const TABLES: ReadonlyArray<{ name: string; columns: ReadonlyArray<readonly [string, ColumnType]>; orderBy: string; sequence?: string }> = [
  {
    name: 'slo_series',
    columns: [['id', 'bigint'], ['slo', 'text'], ['definition_hash', 'text'], ['definition', 'text'], ['group_key', 'text'], ['group_labels', 'text'],
      ['created_at_ms', 'bigint'], ['retired_at_ms', 'bigint'], ['settled_from_ms', 'bigint'], ['settled_through_ms', 'bigint']],
    orderBy: 'id',
    sequence: 'id',
  },
  {
    name: 'buckets',
    columns: [['series_id', 'bigint'], ['bucket_end_ms', 'bigint'], ['status', 'text'], ['good', 'float8'], ['total', 'float8'], ['fetched_at_ms', 'bigint']],
    orderBy: 'series_id, bucket_end_ms',
  },
  {
    name: 'histogram_buckets',
    columns: [['series_id', 'bigint'], ['bucket_end_ms', 'bigint'], ['le', 'float8'], ['count', 'float8']],
    orderBy: 'series_id, bucket_end_ms, le',
  },
  {
    name: 'reconciliations',
    columns: [['series_id', 'bigint'], ['first_bucket_end_ms', 'bigint'], ['last_bucket_end_ms', 'bigint'], ['span_good', 'float8'], ['span_total', 'float8'],
      ['booked_good', 'float8'], ['booked_total', 'float8'], ['reconciled_at_ms', 'bigint']],
    orderBy: 'series_id, first_bucket_end_ms',
  },
  { name: 'sync_status', columns: [['slo', 'text'], ['last_attempt_ms', 'bigint'], ['last_success_ms', 'bigint'], ['last_error', 'text']], orderBy: 'slo' },
  {
    name: 'outbox',
    columns: [['id', 'bigint'], ['idempotency_key', 'text'], ['channel', 'text'], ['payload', 'text'], ['status', 'text'], ['attempts', 'integer'],
      ['next_attempt_ms', 'bigint'], ['deadline_ms', 'bigint'], ['last_error', 'text'], ['created_ms', 'bigint'], ['sent_ms', 'bigint']],
    orderBy: 'id',
    sequence: 'id',
  },
  {
    name: 'alert_state',
    columns: [['slo', 'text'], ['group_key', 'text'], ['group_labels', 'text'], ['kind', 'text'], ['phase', 'text'], ['severity', 'text'],
      ['firing_since_ms', 'bigint'], ['last_notified_ms', 'bigint'], ['resolved_ms', 'bigint'], ['evaluated_ms', 'bigint'], ['observed', 'text']],
    orderBy: 'slo, group_key, kind',
  },
  { name: 'monthly_reports', columns: [['month', 'text'], ['due_ms', 'bigint'], ['produced_ms', 'bigint'], ['outbox_key', 'text']], orderBy: 'month' },
  {
    name: 'corrections',
    columns: [['id', 'bigint'], ['scope', 'text'], ['timing', 'text'], ['category', 'text'], ['reason', 'text'], ['author', 'text'], ['created_ms', 'bigint'],
      ['deleted_ms', 'bigint'], ['deleted_by', 'text'], ['delete_reason', 'text']],
    orderBy: 'id',
    sequence: 'id',
  },
  {
    name: 'statements',
    columns: [['month', 'text'], ['version', 'integer'], ['kind', 'text'], ['produced_ms', 'bigint'], ['content_hash', 'text'], ['slos', 'text'],
      ['corrections', 'text'], ['files', 'text'], ['message_id', 'text']],
    orderBy: 'month, version',
  },
];

/** Rows sent per statement: large enough to be fast, small enough to keep memory flat. */
const BATCH_ROWS = 5_000;

/** What {@link copySqliteToPostgres} copied, table by table. */
export interface CopyResult {
  tables: Array<{ name: string; rows: number }>;
}

/**
 * Copies a SQLite ledger into an empty PostgreSQL ledger (migrated first), every table row for row
 * with the same ids, in one transaction: an interrupted copy leaves the target as it was. Then
 * counts every table on both sides and refuses (rolling back) when they differ.
 * @throws UsageError when the source does not exist or the target already holds a ledger.
 */
export async function copySqliteToPostgres(sourcePath: string, target: pg.Pool, onTable?: (name: string, rows: number) => void): Promise<CopyResult> {
  if (!existsSync(sourcePath)) throw new UsageError(`db copy: no SQLite ledger at ${sourcePath}`);
  // Opening migrates an older ledger to the current schema, as every command does.
  const source = SqliteDatabase.open(sourcePath);
  try {
    await migratePostgres(target);
    // One read transaction: every table is read from the same snapshot, even while a `serve` writes.
    source.db.exec('BEGIN');
    return await withTransaction(target, async (client) => {
      for (const table of TABLES) {
        const { rows } = await client.query<{ found: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${table.name}) AS found`);
        if (rows[0]!.found) {
          throw new UsageError(`db copy: the target database already holds a ledger (table ${table.name} has rows); copy into an empty database`);
        }
      }
      const result: CopyResult = { tables: [] };
      for (const table of TABLES) {
        const names = table.columns.map(([name]) => name);
        const insert = `INSERT INTO ${table.name} (${names.join(', ')}) SELECT * FROM unnest(${table.columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})`;
        const statement = source.db.prepare(`SELECT ${names.join(', ')} FROM ${table.name} ORDER BY ${table.orderBy}`).raw(true);
        let batch: unknown[][] = [];
        let copied = 0;
        const flush = async () => {
          if (batch.length === 0) return;
          const columns = table.columns.map((_, c) => batch.map((row) => row[c]));
          await client.query(insert, columns);
          copied += batch.length;
          batch = [];
        };
        for (const row of statement.iterate() as Iterable<unknown[]>) {
          batch.push(row);
          if (batch.length >= BATCH_ROWS) await flush();
        }
        await flush();
        if (table.sequence !== undefined) {
          // The next id continues after the copied ones.
          await client.query(`SELECT setval(pg_get_serial_sequence('${table.name}', '${table.sequence}'), GREATEST((SELECT MAX(${table.sequence}) FROM ${table.name}), 1), (SELECT COUNT(*) > 0 FROM ${table.name}))`);
        }
        const counted = Number((await client.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${table.name}`)).rows[0]!.n);
        const expected = (source.db.prepare(`SELECT COUNT(*) AS n FROM ${table.name}`).get() as { n: number }).n;
        if (counted !== expected || copied !== expected) {
          throw new LedgerError(`db copy: table ${table.name} has ${expected} rows in the source but ${counted} in the target; nothing was copied`);
        }
        result.tables.push({ name: table.name, rows: counted });
        onTable?.(table.name, counted);
      }
      return result;
    });
  } finally {
    if (source.db.inTransaction) source.db.exec('ROLLBACK');
    await source.close();
  }
}
