import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/fixture/prometheus-server.js';
import { ALERT_SCENARIO } from '../../helpers/alert-scenario.js';
import { runCli } from '../../helpers/cli.js';
import { startFixturePrometheus, type FixturePrometheus } from '../../helpers/fixture.js';
import { startPostgres, type RunningPostgres } from '../../helpers/postgres.js';

const TABLES = [
  ['slo_series', 'id'], ['buckets', 'series_id, bucket_end_ms'], ['histogram_buckets', 'series_id, bucket_end_ms, le'],
  ['reconciliations', 'series_id, first_bucket_end_ms'], ['sync_status', 'slo'], ['outbox', 'id'], ['alert_state', 'slo, group_key, kind'],
  ['monthly_reports', 'month'], ['corrections', 'id'], ['statements', 'month, version'],
] as const;

/** A bigint column: PostgreSQL's driver gives those as text, SQLite's as numbers. */
const isBigint = (column: string) => column.endsWith('_ms') || column === 'id' || column === 'series_id';

/** Every row of a table as JSON text, bigints as numbers. */
function normalise(rows: Array<Record<string, unknown>>): string[] {
  return rows.map((row) =>
    JSON.stringify(Object.fromEntries(Object.entries(row).map(([column, value]) => [column, isBigint(column) && typeof value === 'string' ? Number(value) : value]))),
  );
}

// `slo-ledger db copy` through the built CLI: a SQLite ledger synced from a real Prometheus, with a
// correction, a statement and alert state, into a real PostgreSQL; then every table compared.
describe('slo-ledger db copy (the built CLI, a real Prometheus, SQLite file and PostgreSQL)', () => {
  let fixture: FixturePrometheus;
  let postgres: RunningPostgres;
  let dir: string;
  let source: string;

  beforeAll(async () => {
    [fixture, postgres] = await Promise.all([startFixturePrometheus(ALERT_SCENARIO), startPostgres()]);
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-db-copy-'));
    source = join(dir, 'ledger.db');
    const config = join(dir, 'config.yaml');
    writeFileSync(config, `server:\n  reports_dir: ${JSON.stringify(join(dir, 'reports'))}\n`);
    const cli = (...args: string[]) => runCli(['--config', config, '--prometheus', fixture.prometheus.url, '--db', source, ...args], {}, 120_000);
    for (const run of [
      await cli('sync', '--at', '2026-11-01T01:00:00Z'),
      await cli('corrections', 'add', '--slo', 'api-availability', '--from', '2026-10-31T21:00:00Z', '--to', '2026-10-31T21:30:00Z', '--category', 'deployment', '--reason', 'bad deploy', '--author', 'alice'),
      // The scheduled monthly report of October: its statement and its entry in the report log.
      await cli('tick', '--at', '2026-11-01T12:00:00Z'),
      await cli('alerts', '--at', '2026-10-31T21:20:00Z'),
    ]) {
      expect(run.code, run.stderr).toBe(0);
    }
  }, 240_000);

  afterAll(async () => {
    await fixture?.prometheus.stop();
    await postgres?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('copies every table row for row, ids included, and the next ids continue after them', async () => {
    const url = await postgres.createDatabase();
    const run = await runCli(['db', 'copy', '--from', source, '--to', url]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^copied \d+ rows in 10 tables from .*ledger\.db to postgres:\/\/.*; every table's row count checked\n$/);
    const lite = new Database(source, { readonly: true });
    const pool = new pg.Pool({ connectionString: url });
    try {
      for (const [table, order] of TABLES) {
        const expected = lite.prepare(`SELECT * FROM ${table} ORDER BY ${order}`).all() as Array<Record<string, unknown>>;
        const { rows } = await pool.query(`SELECT * FROM ${table} ORDER BY ${order}`);
        expect(normalise(rows), table).toEqual(normalise(expected));
        if (['slo_series', 'buckets', 'corrections', 'statements', 'monthly_reports', 'alert_state'].includes(table)) expect(expected.length, table).toBeGreaterThan(0);
      }
      const next = await pool.query<{ id: string }>("INSERT INTO corrections (scope, timing, category, reason, author, created_ms) VALUES ('{}', '{}', 'other', 'r', 'a', 0) RETURNING id");
      const last = lite.prepare('SELECT MAX(id) AS id FROM corrections').get() as { id: number };
      expect(Number(next.rows[0]!.id)).toBe(last.id + 1);
    } finally {
      lite.close();
      await pool.end();
    }
  }, 120_000);

  it('gives the same report from PostgreSQL as from SQLite: synced into PostgreSQL directly, and copied there', async () => {
    const direct = await postgres.createDatabase();
    const synced = await runCli(['--prometheus', fixture.prometheus.url, '--db', direct, 'sync', '--at', '2026-11-01T01:00:00Z'], {}, 120_000);
    expect(synced.code, synced.stderr).toBe(0);
    const copied = await postgres.createDatabase();
    expect((await runCli(['db', 'copy', '--from', source, '--to', copied])).code).toBe(0);
    const report = async (db: string, ...args: string[]) => {
      const run = await runCli(['--db', db, 'report', '--offline', '--at', '2026-11-01T00:00:00Z', ...args]);
      expect(run.code, run.stderr).toBe(0);
      return run.stdout;
    };
    for (const args of [['--windows', '1h,24h,3d', '--format', 'json'], ['--month', '2026-10', '--format', 'csv'], ['--windows', '24h', '--format', 'table']]) {
      const expected = await report(source, ...args);
      expect(expected.length).toBeGreaterThan(100);
      expect(await report(copied, ...args), args.join(' ')).toBe(expected);
    }
    // Synced directly: the same buckets, so the same figures (the copy also holds a correction).
    const withoutCorrection = join(dir, 'plain.db');
    expect((await runCli(['--prometheus', fixture.prometheus.url, '--db', withoutCorrection, 'sync', '--at', '2026-11-01T01:00:00Z'], {}, 120_000)).code).toBe(0);
    expect(await report(direct, '--windows', '1h,24h,3d', '--format', 'json')).toBe(await report(withoutCorrection, '--windows', '1h,24h,3d', '--format', 'json'));
  }, 240_000);

  it('refuses a target that already holds a ledger, and changes nothing there', async () => {
    const url = await postgres.createDatabase();
    expect((await runCli(['db', 'copy', '--from', source, '--to', url])).code).toBe(0);
    const pool = new pg.Pool({ connectionString: url });
    try {
      const before = (await pool.query('SELECT COUNT(*) AS n FROM buckets')).rows[0];
      const again = await runCli(['db', 'copy', '--from', source, '--to', url]);
      expect(again.code).toBe(2);
      expect(again.stderr).toBe('slo-ledger: db copy: the target database already holds a ledger (table slo_series has rows); copy into an empty database\n');
      expect((await pool.query('SELECT COUNT(*) AS n FROM buckets')).rows[0]).toEqual(before);
    } finally {
      await pool.end();
    }
  }, 60_000);

  it('names a missing source, and an unreachable server without printing its password', async () => {
    const url = await postgres.createDatabase();
    const missing = await runCli(['db', 'copy', '--from', join(dir, 'nope.db'), '--to', url]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`slo-ledger: db copy: no SQLite ledger at ${join(dir, 'nope.db')}\n`);
    const port = await freePort();
    const down = await runCli(['db', 'copy', '--from', source, '--to', `postgres://slo:S3cret-pw-x@127.0.0.1:${port}/ledger`]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('ECONNREFUSED');
    expect(down.stderr).not.toContain('S3cret-pw-x');
    const notUrl = await runCli(['db', 'copy', '--from', source, '--to', 'mysql://x:S3cret-pw-x@h/db']);
    expect(notUrl.code).toBe(2);
    expect(notUrl.stderr).not.toContain('S3cret-pw-x');
  }, 60_000);
});
