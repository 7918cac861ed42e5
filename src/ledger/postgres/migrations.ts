/**
 * Versioned schema changes of the PostgreSQL ledger, applied in order by `migratePostgres`; the
 * `schema_migrations` table records each one that ran. Append only: never edit a migration that
 * has shipped. Times are `timestamptz` set from the database's clock, never a replica's.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `
  -- Leases of singleton duties (the leader's: alert transitions and notifications, monthly
  -- reports, outbox delivery), one row per lease name. token is the fencing token: it rises each
  -- time the lease changes hands, and a holder's writes check it in their own transaction.
  -- holder is null once released; the row stays so that the token keeps rising.
  CREATE TABLE leader_lease (
    name text PRIMARY KEY,
    holder text,
    token bigint NOT NULL CHECK (token > 0),
    acquired_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
  );

  -- Sync work shared by replicas: one row per item (an SLO, or one of its groups). A replica
  -- claims free or expired items until expires_at; done_at is when an item was last released as
  -- synced, so a tick's other claimers pass over it.
  CREATE TABLE sync_claims (
    item text PRIMARY KEY,
    holder text,
    claimed_at timestamptz,
    expires_at timestamptz,
    done_at timestamptz,
    CHECK ((holder IS NULL) = (expires_at IS NULL))
  );
  `,
];
