import type pg from 'pg';
import { LedgerError } from '../../errors.js';
import { asLedgerError, withTransaction, type Queryable } from './connection.js';

/** The lease of the leader's singleton duties: alert transitions and notifications, monthly reports, outbox delivery. */
export const LEADER_LEASE = 'leader';

/** A lease as its holder knows it. */
export interface Lease {
  name: string;
  holder: string;
  /**
   * The fencing token: it rises each time the lease changes hands, and every write the holder
   * makes checks it in the write's own transaction (`assertFencing`).
   */
  token: number;
  /** When the lease runs out, by the database's clock, unless renewed before. */
  expiresAt: Date;
}

/** What {@link acquireLease} asks for. */
export interface LeaseRequest {
  /** Who asks: unique per process (host, process id and a random part), never shared by two. */
  holder: string;
  /** How long the lease lasts from now, by the database's clock. */
  ttlMs: number;
  /** Default {@link LEADER_LEASE}. */
  name?: string;
  /**
   * How long to wait for the lease's row while the holder's fenced writes keep it locked; after
   * that the lease counts as taken. Default 5 s.
   */
  lockTimeoutMs?: number;
}

/** The lease a write relied on has expired, was released or changed hands: the write is refused. */
export class LeaseLostError extends LedgerError {}

interface LeaseRow {
  name: string;
  holder: string;
  token: string;
  expires_at: Date;
}

const RETURNING = 'RETURNING name, holder, token, expires_at';
/** How long a fenced write waits for the lease's row (held by a handover in progress) before it gives up. */
const FENCING_LOCK_TIMEOUT_MS = 5_000;
/** SQLSTATE of a lock not obtained within lock_timeout. */
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * Takes the lease when it is free, released or expired (by the database's clock), with a token
 * one higher than the last; returns it, or undefined when someone else holds it. A holder that
 * still holds it gets it extended under the same token. Of replicas asking at once, exactly one
 * wins: the row lock serialises them and each sees the one before it.
 */
export async function acquireLease(pool: pg.Pool, request: LeaseRequest): Promise<Lease | undefined> {
  checkTtl(request.ttlMs);
  try {
    return await withTransaction(pool, async (client) => {
      await setLockTimeout(client, request.lockTimeoutMs ?? 5_000);
      const { rows } = await client.query<LeaseRow>(
        `INSERT INTO leader_lease AS l (name, holder, token, acquired_at, expires_at)
         VALUES ($1, $2, 1, clock_timestamp(), clock_timestamp() + $3::double precision * interval '1 millisecond')
         ON CONFLICT (name) DO UPDATE SET
           holder = excluded.holder,
           token = CASE WHEN l.holder = excluded.holder AND l.expires_at > clock_timestamp() THEN l.token ELSE l.token + 1 END,
           acquired_at = CASE WHEN l.holder = excluded.holder AND l.expires_at > clock_timestamp() THEN l.acquired_at ELSE excluded.acquired_at END,
           expires_at = excluded.expires_at
         WHERE l.holder IS NULL OR l.expires_at <= clock_timestamp() OR l.holder = excluded.holder
         ${RETURNING}`,
        [request.name ?? LEADER_LEASE, request.holder, request.ttlMs],
      );
      return toLease(rows[0]);
    });
  } catch (error) {
    if (sqlState(error) === LOCK_NOT_AVAILABLE) return undefined;
    throw asLedgerError('cannot acquire the lease', error);
  }
}

/**
 * Extends a lease its holder still holds under the same token; returns the renewed lease, or
 * undefined when it has expired (even if nobody took it meanwhile: the holder must acquire it
 * again and work under the new token) or changed hands.
 */
export async function renewLease(db: Queryable, lease: Lease, ttlMs: number): Promise<Lease | undefined> {
  checkTtl(ttlMs);
  try {
    const { rows } = await db.query<LeaseRow>(
      `UPDATE leader_lease SET expires_at = clock_timestamp() + $4::double precision * interval '1 millisecond'
       WHERE name = $1 AND holder = $2 AND token = $3 AND expires_at > clock_timestamp()
       ${RETURNING}`,
      [lease.name, lease.holder, lease.token, ttlMs],
    );
    return toLease(rows[0]);
  } catch (error) {
    throw asLedgerError('cannot renew the lease', error);
  }
}

/**
 * Gives a held lease up at once (the next `acquireLease` takes it with a higher token); returns
 * false when it was no longer this holder's.
 */
export async function releaseLease(db: Queryable, lease: Lease): Promise<boolean> {
  try {
    const { rowCount } = await db.query(
      `UPDATE leader_lease SET holder = NULL, expires_at = clock_timestamp()
       WHERE name = $1 AND holder = $2 AND token = $3`,
      [lease.name, lease.holder, lease.token],
    );
    return rowCount === 1;
  } catch (error) {
    throw asLedgerError('cannot release the lease', error);
  }
}

/** The lease as the database has it now: holder (null when free), token, and whether it is live. */
export async function readLease(db: Queryable, name = LEADER_LEASE): Promise<{ holder: string | null; token: number; expiresAt: Date; live: boolean } | undefined> {
  const { rows } = await db.query<Omit<LeaseRow, 'holder'> & { holder: string | null; live: boolean }>(
    'SELECT name, holder, token, expires_at, expires_at > clock_timestamp() AS live FROM leader_lease WHERE name = $1',
    [name],
  );
  const row = rows[0];
  return row === undefined ? undefined : { holder: row.holder, token: toToken(row.token), expiresAt: row.expires_at, live: row.live && row.holder !== null };
}

/**
 * Checks, inside the caller's transaction on `client`, that the lease is live (by the database's
 * clock) and still carries `token`; throws `LeaseLostError` otherwise, so the transaction's writes
 * roll back. The check share-locks the lease's row until that transaction ends, and taking the
 * lease over needs that row, so no new holder can appear between the check and the commit: a
 * write checked this way lands before any handover or not at all.
 */
export async function assertFencing(client: pg.ClientBase, token: number, name = LEADER_LEASE): Promise<void> {
  const { rows } = await client.query<{ holder: string | null; token: string; live: boolean }>(
    'SELECT holder, token, expires_at > clock_timestamp() AS live FROM leader_lease WHERE name = $1 FOR SHARE',
    [name],
  );
  const row = rows[0];
  if (row === undefined) throw new LeaseLostError(`the ${name} lease does not exist; a write under token ${token} is refused`);
  const current = toToken(row.token);
  if (current !== token) throw new LeaseLostError(`the ${name} lease has token ${current} now; a write under token ${token} is refused`);
  if (row.holder === null) throw new LeaseLostError(`the ${name} lease under token ${token} was released; the write is refused`);
  if (!row.live) throw new LeaseLostError(`the ${name} lease under token ${token} has expired; the write is refused`);
}

/**
 * Runs `work` in one transaction that first checks the lease with {@link assertFencing}: all of
 * it is written under `lease`, or nothing is.
 */
export async function fencedTransaction<T>(pool: pg.Pool, lease: Pick<Lease, 'name' | 'token'>, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return withTransaction(pool, async (client) => {
    // A leader that cannot confirm its lease soon does not write: the step fails and the next tick tries again.
    await setLockTimeout(client, FENCING_LOCK_TIMEOUT_MS);
    await assertFencing(client, lease.token, lease.name);
    return work(client);
  });
}

function toLease(row: LeaseRow | undefined): Lease | undefined {
  return row === undefined ? undefined : { name: row.name, holder: row.holder, token: toToken(row.token), expiresAt: row.expires_at };
}

/** pg returns bigint as text; a token stays far below 2^53. */
function toToken(text: string): number {
  const token = Number(text);
  if (!Number.isSafeInteger(token)) throw new LedgerError(`the lease's token ${text} is out of range`);
  return token;
}

function checkTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new Error(`a lease's duration must be positive, not ${ttlMs} ms`);
}

async function setLockTimeout(client: pg.ClientBase, ms: number): Promise<void> {
  await client.query("SELECT set_config('lock_timeout', $1, true)", [`${Math.max(1, Math.round(ms))}ms`]);
}

function sqlState(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}
