import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerError } from '../../../src/errors.js';
import { connectionUrl, databaseSecrets, isPostgresUrl, openPostgresPool, redactDatabaseUrl, withTransaction } from '../../../src/ledger/postgres/connection.js';
import { migratePostgres, schemaVersion } from '../../../src/ledger/postgres/migrate.js';
import { POSTGRES_MIGRATIONS } from '../../../src/ledger/postgres/migrations.js';
import { startPostgres, type RunningPostgres } from '../../helpers/postgres.js';

let server: RunningPostgres;
const pools: pg.Pool[] = [];

/** A pool that the file's afterAll closes. */
function pool(url: string, env: NodeJS.ProcessEnv = {}): pg.Pool {
  const opened = openPostgresPool(url, { env, max: 4 });
  pools.push(opened);
  return opened;
}

async function tables(db: pg.Pool): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
  return rows.map((row) => row.name);
}

beforeAll(async () => {
  server = await startPostgres();
});

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
  await server?.stop();
});

describe('database URLs', () => {
  it('takes the password from the URL, else from $PGPASSWORD, and never shows it', () => {
    const password = 'p@ss:w/rd%?#';
    expect(isPostgresUrl('postgres://u@h/db')).toBe(true);
    expect(isPostgresUrl('postgresql://u@h/db')).toBe(true);
    expect(isPostgresUrl('ledger.db')).toBe(false);
    const filled = connectionUrl('postgres://app@db.internal:5432/ledger?sslmode=require', { PGPASSWORD: password });
    expect(decodeURIComponent(new URL(filled).password)).toBe(password);
    expect(new URL(filled).searchParams.get('sslmode')).toBe('require');
    // The URL's own password wins over $PGPASSWORD.
    expect(new URL(connectionUrl('postgres://app:own@h/db', { PGPASSWORD: password })).password).toBe('own');
    expect(redactDatabaseUrl(filled)).toBe('postgres://app:***@db.internal:5432/ledger?sslmode=require');
    expect(redactDatabaseUrl('postgres://app@h/db')).toBe('postgres://app@h/db');
    expect(databaseSecrets('postgres://app:a%40b@h/db', {})).toEqual(['a%40b', 'a@b']);
    expect(databaseSecrets('postgres://app@h/db', { PGPASSWORD: password })).toEqual([password]);
  });

  it('refuses what is not a postgres:// URL without repeating its password', () => {
    expect(() => connectionUrl('mysql://app:hunter2@h/db', {})).toThrow(LedgerError);
    expect(() => connectionUrl('mysql://app:hunter2@h/db', {})).toThrow(/mysql:\/\/app:\*\*\*@h\/db/);
    expect(() => connectionUrl('not a url', {})).toThrow(LedgerError);
  });

  it('connects with a password given only in $PGPASSWORD, special characters and all', async () => {
    const url = await server.createDatabase();
    const password = "p@ss:w/rd%?#&'x";
    await pool(url).query(`CREATE ROLE replica LOGIN PASSWORD '${password.replaceAll("'", "''")}'`);
    const bare = new URL(url);
    bare.username = 'replica';
    bare.password = '';
    const { rows } = await pool(bare.toString(), { PGPASSWORD: password }).query<{ user: string }>('SELECT current_user AS user');
    expect(rows[0]?.user).toBe('replica');
    // With a wrong one the server refuses, and the error (a LedgerError) does not carry the password.
    const refused = await withTransaction(pool(bare.toString(), { PGPASSWORD: 'not-the-password' }), async () => undefined).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(LedgerError);
    expect(String(refused)).toMatch(/password authentication failed/);
    expect(String(refused)).not.toContain('not-the-password');
  });
});

describe('PostgreSQL migrations', () => {
  it('create the lease, claim and ledger tables once, and running them again changes nothing', async () => {
    const db = pool(await server.createDatabase());
    expect(await schemaVersion(db)).toBe(0);
    expect(await migratePostgres(db)).toBe(POSTGRES_MIGRATIONS.length);
    expect(await migratePostgres(db)).toBe(POSTGRES_MIGRATIONS.length);
    expect(await tables(db)).toEqual([
      'alert_state', 'buckets', 'corrections', 'histogram_buckets', 'leader_lease', 'monthly_reports', 'outbox',
      'reconciliations', 'schema_migrations', 'slo_series', 'statements', 'sync_claims', 'sync_status',
    ]);
    const { rows } = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((row) => row.version)).toEqual(POSTGRES_MIGRATIONS.map((_, i) => i + 1));
  });

  it('are applied exactly once when eight replicas start at the same moment', async () => {
    const url = await server.createDatabase();
    // Statements that fail when run twice, and a slow one to widen the window for a race.
    const migrations = [...POSTGRES_MIGRATIONS, 'SELECT pg_sleep(0.2); CREATE TABLE second (id int PRIMARY KEY)', 'ALTER TABLE second ADD COLUMN note text'];
    const replicas = Array.from({ length: 8 }, () => pool(url));
    const versions = await Promise.all(replicas.map((replica) => migratePostgres(replica, migrations)));
    expect(versions).toEqual(replicas.map(() => migrations.length));
    const { rows } = await replicas[0]!.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((row) => row.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(await tables(replicas[0]!)).toContain('second');
  });

  it('leave nothing of a migration that fails, and keep the ones before it', async () => {
    const db = pool(await server.createDatabase());
    const broken = [...POSTGRES_MIGRATIONS, 'CREATE TABLE half_done (id int); SELECT 1 / 0'];
    await expect(migratePostgres(db, broken)).rejects.toThrow(new RegExp(`migration ${broken.length} failed; nothing of it was applied: division by zero`));
    expect(await schemaVersion(db)).toBe(POSTGRES_MIGRATIONS.length);
    expect(await tables(db)).not.toContain('half_done');
  });

  it('refuse a database whose schema is newer than this slo-ledger', async () => {
    const db = pool(await server.createDatabase());
    await migratePostgres(db);
    await db.query('INSERT INTO schema_migrations (version) VALUES ($1)', [POSTGRES_MIGRATIONS.length + 1]);
    await expect(migratePostgres(db)).rejects.toThrow(/newer than this slo-ledger knows.*upgrade slo-ledger/);
  });
});

describe('a pool across a server restart', () => {
  it('drops the connections the restart cut and answers the next query on new ones', async () => {
    const idleErrors: Error[] = [];
    const db = openPostgresPool(server.url, { env: {}, max: 3, onIdleError: (error) => idleErrors.push(error) });
    pools.push(db);
    await Promise.all([1, 2, 3].map(() => db.query('SELECT pg_sleep(0.05)')));
    expect(db.idleCount).toBeGreaterThan(0);
    const pidBefore = server.pid;
    await server.restart('immediate');
    expect(server.pid).not.toBe(pidBefore);
    // The cut connections are dropped as their errors arrive; a query then opens a new one.
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const { rows } = await db.query<{ one: number }>('SELECT 1 AS one');
        expect(rows[0]?.one).toBe(1);
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    expect(idleErrors.length).toBeGreaterThan(0);
  });
});
