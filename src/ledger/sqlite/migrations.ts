/**
 * Versioned schema changes, applied in order on open; `PRAGMA user_version` records how many ran.
 * Append only: never edit a migration that has shipped.
 */
export const MIGRATIONS: readonly string[] = [
  `
  -- One row per SLO name and SLI definition: when a definition changes, its buckets are set aside.
  CREATE TABLE slo_series (
    id INTEGER PRIMARY KEY,
    slo TEXT NOT NULL,
    definition_hash TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    retired_at_ms INTEGER,
    UNIQUE (slo, definition_hash)
  );

  -- The ledger: event counts per 5-minute bucket, identified by the bucket's end instant.
  -- status: ok (Prometheus counted it), no-data (Prometheus had no samples),
  -- reconciled (a closed scrape gap whose events were booked from the increase across it).
  CREATE TABLE buckets (
    series_id INTEGER NOT NULL REFERENCES slo_series (id) ON DELETE CASCADE,
    bucket_end_ms INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'no-data', 'reconciled')),
    good REAL NOT NULL,
    total REAL NOT NULL,
    fetched_at_ms INTEGER NOT NULL,
    PRIMARY KEY (series_id, bucket_end_ms)
  ) WITHOUT ROWID;

  -- Latency SLIs: cumulative histogram counts per bucket and upper bound (le, +Inf stored as Inf).
  CREATE TABLE histogram_buckets (
    series_id INTEGER NOT NULL REFERENCES slo_series (id) ON DELETE CASCADE,
    bucket_end_ms INTEGER NOT NULL,
    le REAL NOT NULL,
    count REAL NOT NULL,
    PRIMARY KEY (series_id, bucket_end_ms, le)
  ) WITHOUT ROWID;

  -- Every gap that was reconciled, for audit: what Prometheus said across it and what was booked.
  CREATE TABLE reconciliations (
    series_id INTEGER NOT NULL REFERENCES slo_series (id) ON DELETE CASCADE,
    first_bucket_end_ms INTEGER NOT NULL,
    last_bucket_end_ms INTEGER NOT NULL,
    span_good REAL NOT NULL,
    span_total REAL NOT NULL,
    booked_good REAL NOT NULL,
    booked_total REAL NOT NULL,
    reconciled_at_ms INTEGER NOT NULL,
    PRIMARY KEY (series_id, first_bucket_end_ms)
  ) WITHOUT ROWID;

  -- The outcome of the last sync of each SLO: when, and the error if it failed.
  CREATE TABLE sync_status (
    slo TEXT PRIMARY KEY,
    last_attempt_ms INTEGER NOT NULL,
    last_success_ms INTEGER,
    last_error TEXT
  );
  `,
  `
  -- Scrape gaps are looked for on every tick: find no-data buckets without reading the others.
  CREATE INDEX buckets_no_data ON buckets (series_id, bucket_end_ms) WHERE status = 'no-data';
  `,
  `
  -- The span of bucket ends known to be fetched and settled, so a tick finds what is missing
  -- without counting the rows of the whole backfill range.
  ALTER TABLE slo_series ADD COLUMN settled_from_ms INTEGER;
  ALTER TABLE slo_series ADD COLUMN settled_through_ms INTEGER;
  `,
  `
  -- Every delivery (report email, Slack message) is written here first, then attempted: sent once
  -- it succeeded, retried with backoff while it fails, failed for good after its deadline.
  CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'dropped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    deadline_ms INTEGER NOT NULL,
    last_error TEXT,
    created_ms INTEGER NOT NULL,
    sent_ms INTEGER
  );
  CREATE INDEX outbox_due ON outbox (next_attempt_ms) WHERE status = 'pending';
  `,
  `
  -- Burn-rate and no-data alert state per SLO, so a restart never re-sends a notification
  -- already sent. phase: inactive, firing, resolved; observed: what the last evaluation saw.
  CREATE TABLE alert_state (
    slo TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('burn-rate', 'no-data')),
    phase TEXT NOT NULL CHECK (phase IN ('inactive', 'firing', 'resolved')),
    severity TEXT CHECK (severity IN ('page', 'ticket')),
    firing_since_ms INTEGER,
    last_notified_ms INTEGER,
    resolved_ms INTEGER,
    evaluated_ms INTEGER NOT NULL,
    observed TEXT NOT NULL CHECK (observed IN ('firing', 'clear', 'unknown')),
    PRIMARY KEY (slo, kind)
  ) WITHOUT ROWID;
  `,
  `
  -- Monthly reports produced by the schedule (or on demand), so a month is produced once: a
  -- restart after the due instant catches up on a missing month but never repeats one.
  CREATE TABLE monthly_reports (
    month TEXT PRIMARY KEY,
    due_ms INTEGER,
    produced_ms INTEGER NOT NULL,
    outbox_key TEXT
  ) WITHOUT ROWID;
  `,
  `
  -- Grouped SLOs: one series per SLO, definition and group (an endpoint, a tenant). group_key is ''
  -- for the SLO's own series (all groups summed), else its labels as sorted JSON; group_labels is
  -- that JSON as an object. SQLite cannot drop a UNIQUE constraint, so the table is rebuilt with
  -- the same ids (foreign keys are off while migrations run, so no bucket is touched).
  CREATE TABLE slo_series_next (
    id INTEGER PRIMARY KEY,
    slo TEXT NOT NULL,
    definition_hash TEXT NOT NULL,
    definition TEXT NOT NULL,
    group_key TEXT NOT NULL DEFAULT '',
    group_labels TEXT,
    created_at_ms INTEGER NOT NULL,
    retired_at_ms INTEGER,
    settled_from_ms INTEGER,
    settled_through_ms INTEGER,
    UNIQUE (slo, definition_hash, group_key)
  );
  INSERT INTO slo_series_next (id, slo, definition_hash, definition, created_at_ms, retired_at_ms, settled_from_ms, settled_through_ms)
    SELECT id, slo, definition_hash, definition, created_at_ms, retired_at_ms, settled_from_ms, settled_through_ms FROM slo_series;
  DROP TABLE slo_series;
  ALTER TABLE slo_series_next RENAME TO slo_series;
  `,
  `
  -- Burn-rate and no-data alerts per group of a grouped SLO, beside the SLO's own (group_key '').
  CREATE TABLE alert_state_next (
    slo TEXT NOT NULL,
    group_key TEXT NOT NULL DEFAULT '',
    group_labels TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('burn-rate', 'no-data')),
    phase TEXT NOT NULL CHECK (phase IN ('inactive', 'firing', 'resolved')),
    severity TEXT CHECK (severity IN ('page', 'ticket')),
    firing_since_ms INTEGER,
    last_notified_ms INTEGER,
    resolved_ms INTEGER,
    evaluated_ms INTEGER NOT NULL,
    observed TEXT NOT NULL CHECK (observed IN ('firing', 'clear', 'unknown')),
    PRIMARY KEY (slo, group_key, kind)
  ) WITHOUT ROWID;
  INSERT INTO alert_state_next (slo, kind, phase, severity, firing_since_ms, last_notified_ms, resolved_ms, evaluated_ms, observed)
    SELECT slo, kind, phase, severity, firing_since_ms, last_notified_ms, resolved_ms, evaluated_ms, observed FROM alert_state;
  DROP TABLE alert_state;
  ALTER TABLE alert_state_next RENAME TO alert_state;
  `,
  `
  -- Corrections added at run time (the CLI), beside the config's. A deletion is recorded, never
  -- erased: deleted_ms and deleted_by are set and the row stays, so the audit trail keeps both.
  CREATE TABLE corrections (
    id INTEGER PRIMARY KEY,
    scope TEXT NOT NULL,
    timing TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('planned-maintenance', 'deployment', 'false-positive', 'other')),
    reason TEXT NOT NULL,
    author TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    deleted_ms INTEGER,
    deleted_by TEXT,
    delete_reason TEXT
  );
  `,
  `
  -- Statements: a month's figures as produced and mailed, one row per version (1 the original, then
  -- each restatement). Immutable: the triggers refuse every UPDATE and DELETE.
  CREATE TABLE statements (
    month TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    kind TEXT NOT NULL CHECK (kind IN ('original', 'restated')),
    produced_ms INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    slos TEXT NOT NULL,
    corrections TEXT NOT NULL,
    files TEXT NOT NULL,
    message_id TEXT,
    PRIMARY KEY (month, version)
  ) WITHOUT ROWID;
  CREATE TRIGGER statements_no_update BEFORE UPDATE ON statements
    BEGIN SELECT RAISE(ABORT, 'statements are immutable: a restatement adds a version'); END;
  CREATE TRIGGER statements_no_delete BEFORE DELETE ON statements
    BEGIN SELECT RAISE(ABORT, 'statements are immutable: a restatement adds a version'); END;
  `,
];
