import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresPool } from '../../../src/ledger/postgres/connection.js';
import { migratePostgres } from '../../../src/ledger/postgres/migrate.js';
import { ExactSum } from '../../../src/ledger/postgres/sums.js';
import { startPostgres, type RunningPostgres } from '../../helpers/postgres.js';

let server: RunningPostgres;
let pool: pg.Pool;

beforeAll(async () => {
  server = await startPostgres();
  pool = openPostgresPool(await server.createDatabase(), { env: {}, max: 2 });
  await migratePostgres(pool);
});

afterAll(async () => {
  await pool?.end();
  await server?.stop();
});

/** Series whose naive sums lose digits: cancellation, mixed magnitudes, long runs of fractions. */
function series(): number[][] {
  let seed = 42;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
  return [
    [],
    [0.1, 0.2, 0.3],
    [1e16, 1, -1e16, 3.3, 1e-3],
    [1e100, 1, -1e100, 1],
    Array.from({ length: 8_640 }, () => random() * 1_200.37),
    Array.from({ length: 2_000 }, (_, i) => (i % 2 === 0 ? 1e12 : -1e12) + random()),
    Array.from({ length: 500 }, () => Math.round(random() * 1e6) / 7),
  ];
}

describe('ledger_sum: the PostgreSQL aggregate of the window sums', () => {
  it('adds in the given order exactly as ExactSum and SQLite SUM() do, to the last bit', async () => {
    const sqlite = new Database(':memory:');
    sqlite.exec('CREATE TABLE v (i INTEGER PRIMARY KEY, x REAL NOT NULL)');
    for (const values of series()) {
      const exact = new ExactSum();
      for (const x of values) exact.add(x);
      sqlite.exec('DELETE FROM v');
      const insert = sqlite.prepare('INSERT INTO v (i, x) VALUES (?, ?)');
      values.forEach((x, i) => insert.run(i, x));
      const bySqlite = (sqlite.prepare('SELECT COALESCE(SUM(x), 0) AS s FROM (SELECT x FROM v ORDER BY i)').get() as { s: number }).s;
      const { rows } = await pool.query<{ s: number }>('SELECT ledger_sum(x ORDER BY i) AS s FROM unnest($1::float8[]) WITH ORDINALITY AS t(x, i)', [values]);
      const byPostgres = rows[0]!.s;
      expect(Object.is(byPostgres, exact.value), `${values.length} values: ${byPostgres} vs ${exact.value}`).toBe(true);
      expect(Object.is(byPostgres, bySqlite), `${values.length} values: ${byPostgres} vs SQLite ${bySqlite}`).toBe(true);
    }
    // The naive sum differs on these: the check above could fail.
    const { rows } = await pool.query<{ naive: number; exact: number }>('SELECT sum(x) AS naive, ledger_sum(x ORDER BY i) AS exact FROM unnest($1::float8[]) WITH ORDINALITY AS t(x, i)', [[1e16, 1, -1e16, 3.3, 1e-3]]);
    expect(rows[0]!.naive).not.toBe(rows[0]!.exact);
    sqlite.close();
  });
});
