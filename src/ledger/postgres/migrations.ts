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
  `
  -- The ledger itself: the tables of the SQLite ledger's schema (its migrations 1 to 10), with
  -- the same columns and meanings, so both engines hold the same numbers and db copy moves
  -- rows one to one. Instants are epoch milliseconds (bigint), as in SQLite; counts are doubles.

  -- One row per SLO name, SLI definition and group: when a definition changes, its buckets are set
  -- aside. group_key is '' for the SLO's own series, else the group's labels as sorted JSON.
  CREATE TABLE slo_series (
    id bigserial PRIMARY KEY,
    slo text NOT NULL,
    definition_hash text NOT NULL,
    definition text NOT NULL,
    group_key text NOT NULL DEFAULT '',
    group_labels text,
    created_at_ms bigint NOT NULL,
    retired_at_ms bigint,
    settled_from_ms bigint,
    settled_through_ms bigint,
    UNIQUE (slo, definition_hash, group_key)
  );

  -- Event counts per 5-minute bucket, identified by the bucket's end instant.
  CREATE TABLE buckets (
    series_id bigint NOT NULL REFERENCES slo_series (id) ON DELETE CASCADE,
    bucket_end_ms bigint NOT NULL,
    status text NOT NULL CHECK (status IN ('ok', 'no-data', 'reconciled')),
    good double precision NOT NULL,
    total double precision NOT NULL,
    fetched_at_ms bigint NOT NULL,
    PRIMARY KEY (series_id, bucket_end_ms)
  );
  CREATE INDEX buckets_no_data ON buckets (series_id, bucket_end_ms) WHERE status = 'no-data';
  -- Pruning by age reads no series' rows it keeps.
  CREATE INDEX buckets_end ON buckets (bucket_end_ms);

  -- Latency SLIs: cumulative histogram counts per bucket and upper bound (+Inf stored as Infinity).
  CREATE TABLE histogram_buckets (
    series_id bigint NOT NULL REFERENCES slo_series (id) ON DELETE CASCADE,
    bucket_end_ms bigint NOT NULL,
    le double precision NOT NULL,
    count double precision NOT NULL,
    PRIMARY KEY (series_id, bucket_end_ms, le)
  );

  -- Every reconciled gap, for audit: what Prometheus said across it and what was booked.
  CREATE TABLE reconciliations (
    series_id bigint NOT NULL REFERENCES slo_series (id) ON DELETE CASCADE,
    first_bucket_end_ms bigint NOT NULL,
    last_bucket_end_ms bigint NOT NULL,
    span_good double precision NOT NULL,
    span_total double precision NOT NULL,
    booked_good double precision NOT NULL,
    booked_total double precision NOT NULL,
    reconciled_at_ms bigint NOT NULL,
    PRIMARY KEY (series_id, first_bucket_end_ms)
  );

  -- The outcome of the last sync of each SLO.
  CREATE TABLE sync_status (
    slo text PRIMARY KEY,
    last_attempt_ms bigint NOT NULL,
    last_success_ms bigint,
    last_error text
  );

  -- Deliveries: written first, then attempted; sent, retried with backoff, or failed for good.
  CREATE TABLE outbox (
    id bigserial PRIMARY KEY,
    idempotency_key text NOT NULL UNIQUE,
    channel text NOT NULL,
    payload text NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'dropped')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_ms bigint NOT NULL,
    deadline_ms bigint NOT NULL,
    last_error text,
    created_ms bigint NOT NULL,
    sent_ms bigint
  );
  CREATE INDEX outbox_due ON outbox (next_attempt_ms) WHERE status = 'pending';

  -- Burn-rate and no-data alert state per SLO and group (group_key '' for the SLO's own).
  CREATE TABLE alert_state (
    slo text NOT NULL,
    group_key text NOT NULL DEFAULT '',
    group_labels text,
    kind text NOT NULL CHECK (kind IN ('burn-rate', 'no-data')),
    phase text NOT NULL CHECK (phase IN ('inactive', 'firing', 'resolved')),
    severity text CHECK (severity IN ('page', 'ticket')),
    firing_since_ms bigint,
    last_notified_ms bigint,
    resolved_ms bigint,
    evaluated_ms bigint NOT NULL,
    observed text NOT NULL CHECK (observed IN ('firing', 'clear', 'unknown')),
    PRIMARY KEY (slo, group_key, kind)
  );

  -- Monthly reports produced, so a month is produced once.
  CREATE TABLE monthly_reports (
    month text PRIMARY KEY,
    due_ms bigint,
    produced_ms bigint NOT NULL,
    outbox_key text
  );

  -- Corrections added at run time; a deletion is recorded, never erased.
  CREATE TABLE corrections (
    id bigserial PRIMARY KEY,
    scope text NOT NULL,
    timing text NOT NULL,
    category text NOT NULL CHECK (category IN ('planned-maintenance', 'deployment', 'false-positive', 'other')),
    reason text NOT NULL,
    author text NOT NULL,
    created_ms bigint NOT NULL,
    deleted_ms bigint,
    deleted_by text,
    delete_reason text
  );

  -- Statements: a month's figures as produced and mailed, one row per version. Immutable.
  CREATE TABLE statements (
    month text NOT NULL,
    version integer NOT NULL CHECK (version >= 1),
    kind text NOT NULL CHECK (kind IN ('original', 'restated')),
    produced_ms bigint NOT NULL,
    content_hash text NOT NULL,
    slos text NOT NULL,
    corrections text NOT NULL,
    files text NOT NULL,
    message_id text,
    PRIMARY KEY (month, version)
  );
  CREATE FUNCTION statements_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'statements are immutable: a restatement adds a version'; END;
  $$;
  CREATE TRIGGER statements_no_update BEFORE UPDATE OR DELETE ON statements
    FOR EACH ROW EXECUTE FUNCTION statements_immutable();
  CREATE TRIGGER statements_no_truncate BEFORE TRUNCATE ON statements
    FOR EACH STATEMENT EXECUTE FUNCTION statements_immutable();
  `,
  // 3: window sums added in the database, the way SQLite's SUM() adds (Kahan-Babuska-Neumaier, in
  // the order the aggregate is given), so only the sums cross the network: the same numbers to the
  // last bit as sums.ts's ExactSum and SQLite.
  `
  CREATE FUNCTION ledger_sum_step(state float8[], x float8) RETURNS float8[] LANGUAGE plpgsql IMMUTABLE STRICT AS $$
    DECLARE t float8 := state[1] + x;
    BEGIN
      IF abs(state[1]) > abs(x) THEN RETURN ARRAY[t, state[2] + ((state[1] - t) + x)]; END IF;
      RETURN ARRAY[t, state[2] + ((x - t) + state[1])];
    END;
  $$;
  CREATE FUNCTION ledger_sum_final(state float8[]) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN state[2] IN ('Infinity'::float8, '-Infinity'::float8, 'NaN'::float8) THEN state[1] ELSE state[1] + state[2] END
  $$;
  CREATE AGGREGATE ledger_sum(float8) (SFUNC = ledger_sum_step, STYPE = float8[], FINALFUNC = ledger_sum_final, INITCOND = '{0,0}');
  `,
  // 4: window sums are added by slo-ledger itself, from each window's values packed into one field
  // (bucket-store.ts): the same numbers, 2-3 times faster than ledger_sum's PL/pgSQL step per row.
  // The aggregate goes, so that nothing in the schema is left unused.
  `
  DROP AGGREGATE ledger_sum(float8);
  DROP FUNCTION ledger_sum_final(float8[]);
  DROP FUNCTION ledger_sum_step(float8[], float8);
  `,
];
