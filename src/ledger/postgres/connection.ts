import pg from 'pg';
import { LedgerError, SloLedgerError } from '../../errors.js';

/**
 * What runs a statement: the pool (each call on whichever connection is free) or one client
 * inside a transaction. Both `pg.Pool` and `pg.PoolClient` fit.
 */
export interface Queryable {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** Options of {@link openPostgresPool}. */
export interface PostgresPoolOptions {
  /** Where `$PGPASSWORD` is read when the URL has no password; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Connections at most; default 10. */
  max?: number;
  /** Shown in `pg_stat_activity`; default `slo-ledger`. */
  applicationName?: string;
  /**
   * The server ends a session left idle inside a transaction this long (a paused or partitioned
   * replica), which frees the rows it locked; default 60 s.
   */
  idleInTransactionTimeoutMs?: number;
  /**
   * Called with the error of a connection that failed while idle in the pool (the server restarted
   * or cut it). Default: ignored; the pool drops that connection and the next query opens another.
   */
  onIdleError?: (error: Error) => void;
}

/** True for a `postgres://` or `postgresql://` URL. */
export function isPostgresUrl(text: string): boolean {
  return /^postgres(ql)?:\/\//i.test(text);
}

/**
 * The URL with `$PGPASSWORD` filled in when it names no password of its own. Throws
 * `LedgerError` (without the password) when it is not a PostgreSQL URL.
 */
export function connectionUrl(url: string, env: NodeJS.ProcessEnv = process.env): string {
  const parsed = parseUrl(url);
  const password = env.PGPASSWORD;
  if (parsed.password === '' && password !== undefined && password !== '') {
    if (parsed.username === '') throw new LedgerError(`the database URL ${redactDatabaseUrl(url)} names no user for $PGPASSWORD`);
    parsed.password = encodeURIComponent(password);
  }
  return parsed.toString();
}

/** The URL with its password, if any, replaced by `***`: the only form that may be logged. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return parsed.toString();
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unreadable database URL)';
  }
}

/**
 * The secrets a database URL brings (its password, as written and decoded, or `$PGPASSWORD`), for
 * the lists that keep them out of logs and messages.
 */
export function databaseSecrets(url: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const secrets: string[] = [];
  try {
    const { password } = new URL(url);
    if (password !== '') secrets.push(password, safeDecode(password));
  } catch {
    // not a URL: nothing to take from it
  }
  if (env.PGPASSWORD !== undefined && env.PGPASSWORD !== '') secrets.push(env.PGPASSWORD);
  return [...new Set(secrets)];
}

/**
 * A pool of connections to the database at `url` (password from the URL or `$PGPASSWORD`). It
 * connects lazily: the first query, not this call, finds out whether the server can be reached.
 */
export function openPostgresPool(url: string, options: PostgresPoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: connectionUrl(url, options.env),
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'slo-ledger',
    idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? 60_000,
    connectionTimeoutMillis: 10_000,
  });
  // Without a listener an idle connection's error would end the process.
  pool.on('error', (error) => options.onIdleError?.(error));
  return pool;
}

/**
 * Runs `work` on one connection inside a transaction: committed when it resolves, rolled back
 * when it throws (its error is rethrown as it was). A connection that could not even roll back is
 * discarded rather than handed to the next caller.
 */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw asLedgerError('cannot connect to the PostgreSQL ledger', error);
  }
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError as Error;
    }
    throw error;
  } finally {
    client.release(broken);
  }
}

/**
 * `error` as a `LedgerError` whose message starts with `what`; project errors pass unchanged.
 * pg's messages name no password, and the URL is never part of them.
 */
export function asLedgerError(what: string, error: unknown): SloLedgerError {
  if (error instanceof SloLedgerError) return error;
  return new LedgerError(`${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

function parseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new LedgerError('the database URL is not a URL', { cause: error });
  }
  if (!isPostgresUrl(url)) throw new LedgerError(`the database URL ${redactDatabaseUrl(url)} is not a postgres:// URL`);
  return parsed;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
