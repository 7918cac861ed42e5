import { asLedgerError, type Queryable } from './connection.js';

/** What {@link claimItems} asks for. */
export interface ClaimRequest {
  /** The replica that claims: unique per process. */
  holder: string;
  /** The items there are (SLO names, or SLO and group keys); the first claim of one records it. */
  items: readonly string[];
  /** Claim at most this many. */
  limit: number;
  /** How long the claims last, by the database's clock, unless renewed. */
  ttlMs: number;
  /**
   * Pass over items released as done less than this long ago (by the database's clock), so an
   * item synced this tick by one replica is not synced again by another; default 0.
   */
  restMs?: number;
}

/** An item claimed by one replica until `expiresAt`. */
export interface Claim {
  item: string;
  expiresAt: Date;
}

interface ClaimRow {
  item: string;
  expires_at: Date;
}

/**
 * Claims up to `limit` of `items` that nobody holds or whose claim has expired, least recently
 * done first. Rows another replica is claiming at this moment are skipped, not waited for
 * (FOR UPDATE SKIP LOCKED), so replicas claiming at once get disjoint sets. Own live claims are
 * not returned again: renew them.
 */
export async function claimItems(db: Queryable, request: ClaimRequest): Promise<Claim[]> {
  checkPositive('a claim duration', request.ttlMs);
  if (request.items.length === 0 || request.limit <= 0) return [];
  try {
    await db.query('INSERT INTO sync_claims (item) SELECT unnest($1::text[]) ON CONFLICT (item) DO NOTHING', [[...request.items]]);
    const { rows } = await db.query<ClaimRow>(
      `WITH free AS (
         SELECT item FROM sync_claims
         WHERE item = ANY ($1::text[])
           AND (holder IS NULL OR expires_at <= clock_timestamp())
           AND (done_at IS NULL OR done_at <= clock_timestamp() - $5::double precision * interval '1 millisecond')
         ORDER BY done_at NULLS FIRST, item
         LIMIT $3
         FOR UPDATE SKIP LOCKED
       )
       UPDATE sync_claims AS c
       SET holder = $2, claimed_at = clock_timestamp(), expires_at = clock_timestamp() + $4::double precision * interval '1 millisecond'
       FROM free WHERE c.item = free.item
       RETURNING c.item, c.expires_at`,
      [[...request.items], request.holder, Math.floor(request.limit), request.ttlMs, request.restMs ?? 0],
    );
    return rows.map((row) => ({ item: row.item, expiresAt: row.expires_at })).sort((a, b) => (a.item < b.item ? -1 : a.item > b.item ? 1 : 0));
  } catch (error) {
    throw asLedgerError('cannot claim sync work', error);
  }
}

/**
 * Extends this holder's live claims on `items`; returns those it still held. One that expired is
 * not renewed even if nobody took it: claim it again.
 */
export async function renewClaims(db: Queryable, holder: string, items: readonly string[], ttlMs: number): Promise<Claim[]> {
  checkPositive('a claim duration', ttlMs);
  if (items.length === 0) return [];
  try {
    const { rows } = await db.query<ClaimRow>(
      `UPDATE sync_claims SET expires_at = clock_timestamp() + $3::double precision * interval '1 millisecond'
       WHERE item = ANY ($1::text[]) AND holder = $2 AND expires_at > clock_timestamp()
       RETURNING item, expires_at`,
      [[...items], holder, ttlMs],
    );
    return rows.map((row) => ({ item: row.item, expiresAt: row.expires_at }));
  } catch (error) {
    throw asLedgerError('cannot renew sync claims', error);
  }
}

/**
 * Gives up this holder's claims on `items` (another holder's claims are left alone); `done`
 * records them as synced now. Returns the items released.
 */
export async function releaseClaims(db: Queryable, holder: string, items: readonly string[], options: { done?: boolean } = {}): Promise<string[]> {
  if (items.length === 0) return [];
  try {
    const { rows } = await db.query<{ item: string }>(
      `UPDATE sync_claims SET holder = NULL, expires_at = NULL, done_at = CASE WHEN $3 THEN clock_timestamp() ELSE done_at END
       WHERE item = ANY ($1::text[]) AND holder = $2
       RETURNING item`,
      [[...items], holder, options.done === true],
    );
    return rows.map((row) => row.item);
  } catch (error) {
    throw asLedgerError('cannot release sync claims', error);
  }
}

function checkPositive(what: string, ms: number): void {
  if (!Number.isFinite(ms) || ms <= 0) throw new Error(`${what} must be positive, not ${ms} ms`);
}

/** The items another holder than `holder` has a live claim on now. */
export async function itemsHeldByOthers(db: Queryable, holder: string): Promise<string[]> {
  try {
    const { rows } = await db.query<{ item: string }>('SELECT item FROM sync_claims WHERE holder IS NOT NULL AND holder != $1 AND expires_at > clock_timestamp()', [holder]);
    return rows.map((row) => row.item);
  } catch (error) {
    throw asLedgerError('cannot read sync claims', error);
  }
}
