import type Database from 'better-sqlite3';
import type { BucketColumns, BucketRun, BucketStatus, BucketSums, LedgerBucket, SpanCounts } from '../../domain/bucket.js';
import { BUCKET_MS } from '../../domain/duration.js';
import { groupKey, type GroupLabels, type SloDefinition } from '../../domain/slo.js';
import type { BucketStore, LedgerChanges } from '../bucket-store.js';
import { reconciledBuckets } from '../reconciled-buckets.js';
import { definitionHash } from '../definition-hash.js';
import { SettledSpans } from './settled-spans.js';
import type { Synchronous } from './synchronous.js';

/** The ledger's buckets in SQLite: tables `slo_series`, `buckets`, `histogram_buckets`, `reconciliations`, `sync_status`. */
export class SqliteBucketStore implements Synchronous<BucketStore> {
  private readonly settled: SettledSpans;

  /** Prepared once and reused: a backfill of a thousand groups writes hundreds of thousands of times. */
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {
    this.settled = new SettledSpans(db);
  }

  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (statement === undefined) this.statements.set(text, (statement = this.db.prepare(text)));
    return statement;
  }

  ensureSeries(slo: SloDefinition, nowMs: number, group?: GroupLabels): number {
    const definition = JSON.stringify(slo.sli);
    const hash = definitionHash(slo);
    const key = group === undefined ? '' : groupKey(group);
    return this.db.transaction(() => {
      this.sql('UPDATE slo_series SET retired_at_ms = ? WHERE slo = ? AND definition_hash != ? AND retired_at_ms IS NULL')
        .run(nowMs, slo.name, hash);
      const row = this.sql('SELECT id FROM slo_series WHERE slo = ? AND definition_hash = ? AND group_key = ?').get(slo.name, hash, key) as { id: number } | undefined;
      if (row) {
        this.sql('UPDATE slo_series SET retired_at_ms = NULL WHERE id = ?').run(row.id);
        return row.id;
      }
      const result = this.sql('INSERT INTO slo_series (slo, definition_hash, definition, group_key, group_labels, created_at_ms) VALUES (?, ?, ?, ?, ?, ?)')
        .run(slo.name, hash, definition, key, group === undefined ? null : JSON.stringify(group), nowMs);
      return Number(result.lastInsertRowid);
    })();
  }

  findSeries(slo: SloDefinition, group?: GroupLabels): number | undefined {
    const key = group === undefined ? '' : groupKey(group);
    const row = this.sql('SELECT id FROM slo_series WHERE slo = ? AND definition_hash = ? AND group_key = ?').get(slo.name, definitionHash(slo), key) as
      | { id: number }
      | undefined;
    return row?.id;
  }

  listGroups(slo: SloDefinition): Array<{ seriesId: number; labels: GroupLabels }> {
    if (slo.groupBy === undefined) return [];
    const rows = this.sql("SELECT id, group_labels FROM slo_series WHERE slo = ? AND definition_hash = ? AND group_key != '' ORDER BY group_key")
      .all(slo.name, definitionHash(slo)) as Array<{ id: number; group_labels: string }>;
    const wanted = [...slo.groupBy].sort().join('\u0000');
    return rows
      .map((row) => ({ seriesId: row.id, labels: JSON.parse(row.group_labels) as GroupLabels }))
      // Groups of an earlier group_by stay in the ledger, but are not this SLO's groups.
      .filter((g) => Object.keys(g.labels).sort().join('\u0000') === wanted);
  }

  unsettledBucketEnds(seriesId: number, firstEndMs: number, lastEndMs: number, settleMs: number, emptySettleMs = settleMs): number[] {
    return this.settled.unsettledBucketEnds(seriesId, firstEndMs, lastEndMs, settleMs, emptySettleMs);
  }

  markSettled(seriesId: number, firstEndMs: number, throughMs: number): void {
    this.settled.markSettled(seriesId, firstEndMs, throughMs);
  }

  /**
   * Writes fetched buckets in one transaction; a re-fetch replaces the row (never adds to it).
   * A reconciled bucket is not downgraded to no-data by a later fetch of the same gap.
   */
  writeBuckets(seriesId: number, buckets: readonly LedgerBucket[], fetchedAtMs: number): void {
    const upsert = this.sql(`
      INSERT INTO buckets (series_id, bucket_end_ms, status, good, total, fetched_at_ms) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (series_id, bucket_end_ms) DO UPDATE SET
        status = excluded.status, good = excluded.good, total = excluded.total, fetched_at_ms = excluded.fetched_at_ms
      WHERE NOT (buckets.status = 'reconciled' AND excluded.status = 'no-data')`);
    const keepReconciled = this.sql(
      "UPDATE buckets SET fetched_at_ms = ? WHERE series_id = ? AND bucket_end_ms = ? AND status = 'reconciled'",
    );
    const clearHistogram = this.sql('DELETE FROM histogram_buckets WHERE series_id = ? AND bucket_end_ms = ?');
    const insertHistogram = this.sql('INSERT INTO histogram_buckets (series_id, bucket_end_ms, le, count) VALUES (?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const b of buckets) {
        const changed = upsert.run(seriesId, b.endMs, b.status, b.good, b.total, fetchedAtMs).changes > 0;
        if (!changed) {
          keepReconciled.run(fetchedAtMs, seriesId, b.endMs);
          continue;
        }
        clearHistogram.run(seriesId, b.endMs);
        for (const h of b.histogram ?? []) insertHistogram.run(seriesId, b.endMs, h.le, h.count);
      }
    })();
  }

  /** Buckets with their counts in [firstEndMs, lastEndMs] that exist in the ledger. */
  readBuckets(seriesId: number, firstEndMs: number, lastEndMs: number): LedgerBucket[] {
    return (
      this.sql('SELECT bucket_end_ms AS endMs, status, good, total FROM buckets WHERE series_id = ? AND bucket_end_ms BETWEEN ? AND ? ORDER BY bucket_end_ms')
        .all(seriesId, firstEndMs, lastEndMs) as LedgerBucket[]
    );
  }

  /** Runs of consecutive no-data buckets in [firstEndMs, lastEndMs]. */
  noDataRuns(seriesId: number, firstEndMs: number, lastEndMs: number): BucketRun[] {
    const ends = (
      this.sql("SELECT bucket_end_ms AS t FROM buckets WHERE series_id = ? AND status = 'no-data' AND bucket_end_ms BETWEEN ? AND ? ORDER BY bucket_end_ms")
        .all(seriesId, firstEndMs, lastEndMs) as Array<{ t: number }>
    ).map((r) => r.t);
    const runs: BucketRun[] = [];
    for (const t of ends) {
      const last = runs[runs.length - 1];
      if (last && t === last.lastEndMs + BUCKET_MS) last.lastEndMs = t;
      else runs.push({ firstEndMs: t, lastEndMs: t });
    }
    return runs;
  }

  /** The end of the newest bucket in [firstEndMs, lastEndMs] that holds data (ok or reconciled). */
  lastDataEndMs(seriesId: number, firstEndMs: number, lastEndMs: number): number | undefined {
    // Newest first: for a series with data the first row read answers.
    const row = this.sql("SELECT bucket_end_ms AS t FROM buckets WHERE series_id = ? AND bucket_end_ms BETWEEN ? AND ? AND status != 'no-data' ORDER BY bucket_end_ms DESC LIMIT 1")
      .get(seriesId, firstEndMs, lastEndMs) as { t: number } | undefined;
    return row?.t;
  }

  /** The status of one bucket, or undefined when it was never fetched. */
  bucketStatus(seriesId: number, endMs: number): BucketStatus | undefined {
    const row = this.sql('SELECT status FROM buckets WHERE series_id = ? AND bucket_end_ms = ?').get(seriesId, endMs) as { status: BucketStatus } | undefined;
    return row?.status;
  }

  /**
   * Books events Prometheus saw across a closed gap onto the gap's buckets, evenly (when in the
   * gap they happened is unknowable), and records the reconciliation.
   */
  bookReconciliation(seriesId: number, run: BucketRun, span: SpanCounts, booked: SpanCounts, nowMs: number): void {
    const perBucket = reconciledBuckets(run, booked);
    this.db.transaction(() => {
      this.writeBuckets(seriesId, perBucket, nowMs);
      this.sql(`INSERT OR REPLACE INTO reconciliations VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(seriesId, run.firstEndMs, run.lastEndMs, span.good, span.total, booked.good, booked.total, nowMs);
    })();
  }

  changesSince(seriesId: number, sinceMs: number, startMs: number, endMs: number): LedgerChanges {
    const reconciliations = (this.sql(
      `SELECT first_bucket_end_ms AS firstEndMs, last_bucket_end_ms AS lastEndMs, booked_good AS good, booked_total AS total, reconciled_at_ms AS reconciledAtMs
       FROM reconciliations WHERE series_id = ? AND reconciled_at_ms > ? AND last_bucket_end_ms > ? AND first_bucket_end_ms <= ? ORDER BY first_bucket_end_ms`,
    ).all(seriesId, sinceMs, startMs, endMs)) as LedgerChanges['reconciliations'];
    const refetched = this.sql(
      `SELECT COUNT(*) AS buckets, COALESCE(SUM(good), 0) AS good, COALESCE(SUM(total), 0) AS total FROM buckets
       WHERE series_id = ? AND bucket_end_ms > ? AND bucket_end_ms <= ? AND fetched_at_ms > ? AND status != 'reconciled'`,
    ).get(seriesId, startMs, endMs, sinceMs) as LedgerChanges['refetched'];
    return { reconciliations, refetched };
  }

  /** Σgood, Σtotal, covered buckets and the summed histogram over buckets with end in (startMs, endMs]. */
  sumWindow(seriesId: number, startMs: number, endMs: number, withHistogram: boolean): BucketSums {
    const row = this.sql(
        `SELECT COALESCE(SUM(good), 0) AS good, COALESCE(SUM(total), 0) AS total,
                COUNT(*) FILTER (WHERE status != 'no-data') AS covered
         FROM buckets WHERE series_id = ? AND bucket_end_ms > ? AND bucket_end_ms <= ?`,
      )
      .get(seriesId, startMs, endMs) as { good: number; total: number; covered: number };
    const sums: BucketSums = {
      good: row.good,
      total: row.total,
      coveredBuckets: row.covered,
      expectedBuckets: Math.max(0, Math.round((endMs - startMs) / BUCKET_MS)),
    };
    if (withHistogram) {
      sums.histogram = this.sql('SELECT le, SUM(count) AS count FROM histogram_buckets WHERE series_id = ? AND bucket_end_ms > ? AND bucket_end_ms <= ? GROUP BY le ORDER BY le')
        .all(seriesId, startMs, endMs) as Array<{ le: number; count: number }>;
    }
    return sums;
  }

  sumWindows(seriesId: number, windows: ReadonlyArray<{ startMs: number; endMs: number }>, withHistogram: boolean): BucketSums[] {
    return windows.map((w) => this.sumWindow(seriesId, w.startMs, w.endMs, withHistogram));
  }

  /** Records the outcome of one SLO's sync. */
  recordSync(slo: string, attemptMs: number, error?: string): void {
    this.sql(
        `INSERT INTO sync_status (slo, last_attempt_ms, last_success_ms, last_error) VALUES (?, ?, ?, ?)
         ON CONFLICT (slo) DO UPDATE SET last_attempt_ms = excluded.last_attempt_ms,
           last_success_ms = COALESCE(excluded.last_success_ms, sync_status.last_success_ms), last_error = excluded.last_error`,
      )
      .run(slo, attemptMs, error === undefined ? attemptMs : null, error ?? null);
  }

  /**
   * Deletes buckets that ended before `beforeMs`; returns how many. Goes series by series so each
   * delete is a range of the primary key: a tick with nothing to prune costs no table scan.
   */
  prune(beforeMs: number): number {
    const series = (this.sql('SELECT id FROM slo_series').all() as Array<{ id: number }>).map((r) => r.id);
    const histograms = this.sql('DELETE FROM histogram_buckets WHERE series_id = ? AND bucket_end_ms < ?');
    const buckets = this.sql('DELETE FROM buckets WHERE series_id = ? AND bucket_end_ms < ?');
    return this.db.transaction(() => {
      let deleted = 0;
      for (const id of series) {
        histograms.run(id, beforeMs);
        deleted += buckets.run(id, beforeMs).changes;
      }
      this.sql(
          `UPDATE slo_series SET settled_from_ms = CASE WHEN settled_through_ms >= ? THEN MAX(settled_from_ms, ?) END,
             settled_through_ms = CASE WHEN settled_through_ms >= ? THEN settled_through_ms END
           WHERE settled_from_ms < ?`,
        )
        .run(beforeMs, beforeMs, beforeMs, beforeMs);
      return deleted;
    })();
  }

  /**
   * The buckets with end in [firstEndMs, lastEndMs], ascending, as columns: what a report walks
   * bucket by bucket (a month is 8,928 buckets per SLO; typed arrays hold them in ~250 kB and
   * read about twice as fast as row objects). `status` holds indexes into {@link BUCKET_STATUSES}.
   */
  readBucketColumns(seriesId: number, firstEndMs: number, lastEndMs: number): BucketColumns {
    // The status comes back as its index in BUCKET_STATUSES: numbers are cheaper to return than text.
    const rows = this.sql(
        `SELECT bucket_end_ms, CASE status WHEN 'ok' THEN 0 WHEN 'no-data' THEN 1 ELSE 2 END, good, total
         FROM buckets WHERE series_id = ? AND bucket_end_ms BETWEEN ? AND ? ORDER BY bucket_end_ms`,
      )
      .raw(true)
      .all(seriesId, firstEndMs, lastEndMs) as Array<[number, number, number, number]>;
    const columns: BucketColumns = {
      length: rows.length,
      endMs: new Float64Array(rows.length),
      status: new Uint8Array(rows.length),
      good: new Float64Array(rows.length),
      total: new Float64Array(rows.length),
    };
    rows.forEach(([endMs, status, good, total], i) => {
      columns.endMs[i] = endMs;
      columns.status[i] = status;
      columns.good[i] = good;
      columns.total[i] = total;
    });
    return columns;
  }
}
