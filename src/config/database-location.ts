/** Where the ledger lives: a SQLite file (the default), or a PostgreSQL database several replicas share. */
export type DatabaseLocation = { engine: 'sqlite'; path: string } | { engine: 'postgres'; url: string };

/**
 * Reads `database` (or `--db`, or `$DATABASE_URL`): `postgres://` / `postgresql://` URLs select
 * PostgreSQL; `sqlite:PATH` or a plain path selects SQLite. Any other `scheme://` is refused, so a
 * typo such as `postgress://` never becomes a SQLite file of that name.
 * @throws Error naming what is wrong (the caller adds where).
 */
export function parseDatabaseLocation(text: string): DatabaseLocation {
  if (/^postgres(ql)?:\/\//i.test(text)) {
    if (!URL.canParse(text)) throw new Error('is not a valid postgres:// URL (postgres://user:${PGPASSWORD}@host:5432/db?sslmode=require)');
    const url = new URL(text);
    if (url.hostname === '' && !url.searchParams.has('host')) throw new Error('names no host: postgres://user@host:5432/db');
    return { engine: 'postgres', url: text };
  }
  if (/^sqlite:/i.test(text)) {
    const path = text.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '') throw new Error('sqlite: needs a file path, e.g. sqlite:./slo-ledger.db');
    return { engine: 'sqlite', path };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  if (scheme !== null) throw new Error(`${scheme[1]}:// is not a ledger database: give a SQLite file path, sqlite:PATH, or a postgres:// URL`);
  return { engine: 'sqlite', path: text };
}
