import type { BucketColumns, BucketRun, BucketStatus, BucketSums, LedgerBucket, SpanCounts } from '../../domain/bucket.js';
import { BUCKET_MS } from '../../domain/duration.js';
import { groupKey, type GroupLabels, type SloDefinition } from '../../domain/slo.js';
import type { BucketStore, LedgerChanges } from '../bucket-store.js';
import { reconciledBuckets } from '../reconciled-buckets.js';
import { definitionHash } from '../definition-hash.js';
import type { Queryable } from './connection.js';
import { ExactSum, sumPairs, sumPairsByFirst } from './sums.js';

/** A statement's rows as arrays, the cheapest form pg returns. */
async function rows<T extends unknown[]>(db: Queryable, text: string, values: unknown[]): Promise<T[]> {
  const result = await db.query({ text, values, rowMode: 'array' } as never);
  return result.rows as unknown as T[];
}

/**
 * The ledger's buckets in PostgreSQL: the tables of the SQLite ledger with the same meaning, the
 * same rules (a re-fetch replaces a bucket, a reconciled bucket is never downgraded to no-data) and
 * the same sums to the last bit ({@link ExactSum}). `db` is the pool, or a transaction's client.
 */
export class PostgresBucketStore implements BucketStore {
  constructor(private readonly db: Queryable) {}

  async ensureSeries(slo: SloDefinition, nowMs: number, group?: GroupLabels): Promise<number> {
    const hash = definitionHash(slo);
    const key = group === undefined ? '' : groupKey(group);
    // One statement: retire the other definitions of the SLO, then find or create this one.
    const [row] = await rows<[string]>(
      this.db,
      `WITH retired AS (
         UPDATE slo_series SET retired_at_ms = $5 WHERE slo = $1 AND definition_hash != $2 AND retired_at_ms IS NULL
       )
       INSERT INTO slo_series (slo, definition_hash, definition, group_key, group_labels, created_at_ms) VALUES ($1, $2, $3, $4, $6, $5)
       ON CONFLICT (slo, definition_hash, group_key) DO UPDATE SET retired_at_ms = NULL
       RETURNING id`,
      [slo.name, hash, JSON.stringify(slo.sli), key, nowMs, group === undefined ? null : JSON.stringify(group)],
    );
    return Number(row![0]);
  }

  async findSeries(slo: SloDefinition, group?: GroupLabels): Promise<number | undefined> {
    const key = group === undefined ? '' : groupKey(group);
    const [row] = await rows<[string]>(this.db, 'SELECT id FROM slo_series WHERE slo = $1 AND definition_hash = $2 AND group_key = $3', [slo.name, definitionHash(slo), key]);
    return row === undefined ? undefined : Number(row[0]);
  }

  async listGroups(slo: SloDefinition): Promise<Array<{ seriesId: number; labels: GroupLabels }>> {
    if (slo.groupBy === undefined) return [];
    const found = await rows<[string, string]>(
      this.db,
      // COLLATE "C": the byte order SQLite sorts text in.
      `SELECT id, group_labels FROM slo_series WHERE slo = $1 AND definition_hash = $2 AND group_key != '' ORDER BY group_key COLLATE "C"`,
      [slo.name, definitionHash(slo)],
    );
    const wanted = [...slo.groupBy].sort().join('\u0000');
    return found
      .map(([id, labels]) => ({ seriesId: Number(id), labels: JSON.parse(labels) as GroupLabels }))
      .filter((g) => Object.keys(g.labels).sort().join('\u0000') === wanted);
  }

  async unsettledBucketEnds(seriesId: number, firstEndMs: number, lastEndMs: number, settleMs: number, emptySettleMs = settleMs): Promise<number[]> {
    const [span] = await rows<[string | null, string | null]>(this.db, 'SELECT settled_from_ms, settled_through_ms FROM slo_series WHERE id = $1', [seriesId]);
    const fromMs = span?.[0] == null ? undefined : Number(span[0]);
    const throughMs = span?.[1] == null ? undefined : Number(span[1]);
    if (fromMs === undefined || throughMs === undefined || throughMs < firstEndMs || fromMs > lastEndMs) {
      return this.scanUnsettled(seriesId, firstEndMs, lastEndMs, settleMs, emptySettleMs);
    }
    return [
      ...(firstEndMs < fromMs ? await this.scanUnsettled(seriesId, firstEndMs, fromMs - BUCKET_MS, settleMs, emptySettleMs) : []),
      ...(lastEndMs > throughMs ? await this.scanUnsettled(seriesId, throughMs + BUCKET_MS, lastEndMs, settleMs, emptySettleMs) : []),
    ];
  }

  private async scanUnsettled(seriesId: number, firstEndMs: number, lastEndMs: number, settleMs: number, emptySettleMs: number): Promise<number[]> {
    const settled = new Set(
      (
        await rows<[string]>(
          this.db,
          `SELECT bucket_end_ms FROM buckets WHERE series_id = $1 AND bucket_end_ms BETWEEN $2 AND $3
             AND fetched_at_ms >= bucket_end_ms + CASE WHEN status = 'no-data' THEN $4::bigint ELSE $5::bigint END`,
          [seriesId, firstEndMs, lastEndMs, emptySettleMs, settleMs],
        )
      ).map(([t]) => Number(t)),
    );
    const out: number[] = [];
    for (let t = firstEndMs; t <= lastEndMs; t += BUCKET_MS) if (!settled.has(t)) out.push(t);
    return out;
  }

  async markSettled(seriesId: number, firstEndMs: number, throughMs: number): Promise<void> {
    if (throughMs < firstEndMs) return;
    await this.db.query(
      `UPDATE slo_series SET
         settled_from_ms = CASE WHEN settled_through_ms IS NOT NULL AND settled_through_ms >= $1::bigint - ${BUCKET_MS} AND settled_from_ms <= $2::bigint + ${BUCKET_MS}
                                THEN LEAST(settled_from_ms, $1::bigint) ELSE $1::bigint END,
         settled_through_ms = CASE WHEN settled_through_ms IS NOT NULL AND settled_through_ms >= $1::bigint - ${BUCKET_MS} AND settled_from_ms <= $2::bigint + ${BUCKET_MS}
                                   THEN GREATEST(settled_through_ms, $2::bigint) ELSE $2::bigint END
       WHERE id = $3`,
      [firstEndMs, throughMs, seriesId],
    );
  }

  async lastDataEndMs(seriesId: number, firstEndMs: number, lastEndMs: number): Promise<number | undefined> {
    const [row] = await rows<[string]>(
      this.db,
      "SELECT bucket_end_ms FROM buckets WHERE series_id = $1 AND bucket_end_ms BETWEEN $2 AND $3 AND status != 'no-data' ORDER BY bucket_end_ms DESC LIMIT 1",
      [seriesId, firstEndMs, lastEndMs],
    );
    return row === undefined ? undefined : Number(row[0]);
  }

  /** Writes fetched buckets in one statement per table; the caller's transaction (or the statement) makes them atomic. */
  async writeBuckets(seriesId: number, buckets: readonly LedgerBucket[], fetchedAtMs: number): Promise<void> {
    if (buckets.length === 0) return;
    const changed = new Set(
      (
        await rows<[string]>(
          this.db,
          `INSERT INTO buckets (series_id, bucket_end_ms, status, good, total, fetched_at_ms)
           SELECT $1, t.e, t.s, t.g, t.n, $6 FROM unnest($2::bigint[], $3::text[], $4::float8[], $5::float8[]) AS t (e, s, g, n)
           ON CONFLICT (series_id, bucket_end_ms) DO UPDATE SET
             status = excluded.status, good = excluded.good, total = excluded.total, fetched_at_ms = excluded.fetched_at_ms
           WHERE NOT (buckets.status = 'reconciled' AND excluded.status = 'no-data')
           RETURNING bucket_end_ms`,
          [seriesId, buckets.map((b) => b.endMs), buckets.map((b) => b.status), buckets.map((b) => b.good), buckets.map((b) => b.total), fetchedAtMs],
        )
      ).map(([t]) => Number(t)),
    );
    const kept = buckets.filter((b) => !changed.has(b.endMs)).map((b) => b.endMs);
    if (kept.length > 0) {
      await this.db.query("UPDATE buckets SET fetched_at_ms = $1 WHERE series_id = $2 AND bucket_end_ms = ANY($3::bigint[]) AND status = 'reconciled'", [fetchedAtMs, seriesId, kept]);
    }
    const written = buckets.filter((b) => changed.has(b.endMs));
    if (written.length === 0) return;
    await this.db.query('DELETE FROM histogram_buckets WHERE series_id = $1 AND bucket_end_ms = ANY($2::bigint[])', [seriesId, written.map((b) => b.endMs)]);
    const histogram = written.flatMap((b) => (b.histogram ?? []).map((h) => [b.endMs, h.le, h.count] as const));
    if (histogram.length > 0) {
      await this.db.query(
        'INSERT INTO histogram_buckets (series_id, bucket_end_ms, le, count) SELECT $1, t.e, t.le, t.c FROM unnest($2::bigint[], $3::float8[], $4::float8[]) AS t (e, le, c)',
        [seriesId, histogram.map((h) => h[0]), histogram.map((h) => h[1]), histogram.map((h) => h[2])],
      );
    }
  }

  async readBuckets(seriesId: number, firstEndMs: number, lastEndMs: number): Promise<LedgerBucket[]> {
    const found = await rows<[string, BucketStatus, number, number]>(
      this.db,
      'SELECT bucket_end_ms, status, good, total FROM buckets WHERE series_id = $1 AND bucket_end_ms BETWEEN $2 AND $3 ORDER BY bucket_end_ms',
      [seriesId, firstEndMs, lastEndMs],
    );
    return found.map(([endMs, status, good, total]) => ({ endMs: Number(endMs), status, good, total }));
  }

  async noDataRuns(seriesId: number, firstEndMs: number, lastEndMs: number): Promise<BucketRun[]> {
    const ends = await rows<[string]>(
      this.db,
      "SELECT bucket_end_ms FROM buckets WHERE series_id = $1 AND status = 'no-data' AND bucket_end_ms BETWEEN $2 AND $3 ORDER BY bucket_end_ms",
      [seriesId, firstEndMs, lastEndMs],
    );
    const runs: BucketRun[] = [];
    for (const [text] of ends) {
      const t = Number(text);
      const last = runs[runs.length - 1];
      if (last && t === last.lastEndMs + BUCKET_MS) last.lastEndMs = t;
      else runs.push({ firstEndMs: t, lastEndMs: t });
    }
    return runs;
  }

  async bucketStatus(seriesId: number, endMs: number): Promise<BucketStatus | undefined> {
    const [row] = await rows<[BucketStatus]>(this.db, 'SELECT status FROM buckets WHERE series_id = $1 AND bucket_end_ms = $2', [seriesId, endMs]);
    return row?.[0];
  }

  /** Books a gap's events evenly onto its buckets and records the reconciliation; the caller runs it in a transaction. */
  async bookReconciliation(seriesId: number, run: BucketRun, span: SpanCounts, booked: SpanCounts, nowMs: number): Promise<void> {
    const perBucket = reconciledBuckets(run, booked);
    await this.writeBuckets(seriesId, perBucket, nowMs);
    await this.db.query(
      `INSERT INTO reconciliations VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (series_id, first_bucket_end_ms) DO UPDATE SET last_bucket_end_ms = excluded.last_bucket_end_ms,
         span_good = excluded.span_good, span_total = excluded.span_total, booked_good = excluded.booked_good,
         booked_total = excluded.booked_total, reconciled_at_ms = excluded.reconciled_at_ms`,
      [seriesId, run.firstEndMs, run.lastEndMs, span.good, span.total, booked.good, booked.total, nowMs],
    );
  }

  async changesSince(seriesId: number, sinceMs: number, startMs: number, endMs: number): Promise<LedgerChanges> {
    const reconciliations = (
      await rows<[string, string, number, number, string]>(
        this.db,
        `SELECT first_bucket_end_ms, last_bucket_end_ms, booked_good, booked_total, reconciled_at_ms
         FROM reconciliations WHERE series_id = $1 AND reconciled_at_ms > $2 AND last_bucket_end_ms > $3 AND first_bucket_end_ms <= $4 ORDER BY first_bucket_end_ms`,
        [seriesId, sinceMs, startMs, endMs],
      )
    ).map(([first, last, good, total, at]) => ({ firstEndMs: Number(first), lastEndMs: Number(last), good, total, reconciledAtMs: Number(at) }));
    const refetchedRows = await rows<[number, number]>(
      this.db,
      `SELECT good, total FROM buckets WHERE series_id = $1 AND bucket_end_ms > $2 AND bucket_end_ms <= $3 AND fetched_at_ms > $4 AND status != 'reconciled'
       ORDER BY bucket_end_ms`,
      [seriesId, startMs, endMs, sinceMs],
    );
    const good = new ExactSum();
    const total = new ExactSum();
    for (const [g, t] of refetchedRows) {
      good.add(g);
      total.add(t);
    }
    return { reconciliations, refetched: { buckets: refetchedRows.length, good: good.value, total: total.value } };
  }

  async sumWindow(seriesId: number, startMs: number, endMs: number, withHistogram: boolean): Promise<BucketSums> {
    return (await this.sumWindows(seriesId, [{ startMs, endMs }], withHistogram))[0]!;
  }

  async sumWindows(seriesId: number, windows: ReadonlyArray<{ startMs: number; endMs: number }>, withHistogram: boolean): Promise<BucketSums[]> {
    // One query for all the windows. Each window's values cross packed into one field (binary
    // floats in bucket order, base64) and are added here exactly as SQLite's SUM() adds
    // ({@link ExactSum}): an aggregate in PL/pgSQL adding row by row was 2-3 times slower.
    const histogram = withHistogram
      ? `(SELECT encode(string_agg(float8send(le) || float8send(count), ''::bytea ORDER BY bucket_end_ms, le), 'base64')
          FROM histogram_buckets WHERE series_id = $1 AND bucket_end_ms > w.s AND bucket_end_ms <= w.e)`
      : 'NULL';
    const found = await rows<[string | null, string, string | null]>(
      this.db,
      `SELECT b.packed, b.covered, ${histogram}
       FROM unnest($2::bigint[], $3::bigint[]) WITH ORDINALITY AS w (s, e, i),
         LATERAL (SELECT encode(string_agg(float8send(good) || float8send(total), ''::bytea ORDER BY bucket_end_ms), 'base64') AS packed,
                    count(*) FILTER (WHERE status != 'no-data') AS covered
                  FROM buckets WHERE series_id = $1 AND bucket_end_ms > w.s AND bucket_end_ms <= w.e) AS b
       ORDER BY w.i`,
      [seriesId, windows.map((w) => w.startMs), windows.map((w) => w.endMs)],
    );
    return found.map(([packed, covered, packedHistogram], i) => {
      const { startMs, endMs } = windows[i]!;
      const [good, total] = sumPairs(packed);
      const sums: BucketSums = { good, total, coveredBuckets: Number(covered), expectedBuckets: Math.max(0, Math.round((endMs - startMs) / BUCKET_MS)) };
      if (withHistogram) sums.histogram = sumPairsByFirst(packedHistogram).map(([le, count]) => ({ le, count }));
      return sums;
    });
  }

  async recordSync(slo: string, attemptMs: number, error?: string): Promise<void> {
    await this.db.query(
      `INSERT INTO sync_status (slo, last_attempt_ms, last_success_ms, last_error) VALUES ($1, $2, $3, $4)
       ON CONFLICT (slo) DO UPDATE SET last_attempt_ms = excluded.last_attempt_ms,
         last_success_ms = COALESCE(excluded.last_success_ms, sync_status.last_success_ms), last_error = excluded.last_error`,
      [slo, attemptMs, error === undefined ? attemptMs : null, error ?? null],
    );
  }

  /** Deletes buckets that ended before `beforeMs`; returns how many. The caller runs it in a transaction. */
  async prune(beforeMs: number): Promise<number> {
    // Per series, as ranges of the primary key: a prune with nothing to delete reads no table.
    const series = (await rows<[string]>(this.db, 'SELECT id FROM slo_series', [])).map(([id]) => id);
    await this.db.query('DELETE FROM histogram_buckets WHERE series_id = ANY ($1::bigint[]) AND bucket_end_ms < $2', [series, beforeMs]);
    const deleted = await this.db.query('DELETE FROM buckets WHERE series_id = ANY ($1::bigint[]) AND bucket_end_ms < $2', [series, beforeMs]);
    await this.db.query(
      `UPDATE slo_series SET settled_from_ms = CASE WHEN settled_through_ms >= $1 THEN GREATEST(settled_from_ms, $1) END,
         settled_through_ms = CASE WHEN settled_through_ms >= $1 THEN settled_through_ms END
       WHERE settled_from_ms < $1`,
      [beforeMs],
    );
    return deleted.rowCount ?? 0;
  }

  async readBucketColumns(seriesId: number, firstEndMs: number, lastEndMs: number): Promise<BucketColumns> {
    // Packed as the window sums are: each bucket's end and counts as binary numbers (base64), and
    // its status as one digit of a string (the index into BUCKET_STATUSES): a month crosses as two
    // fields, not as thousands of rows, which cost the client twice the time to take apart.
    const [row] = await rows<[string | null, string | null]>(
      this.db,
      `SELECT encode(string_agg(int8send(bucket_end_ms) || float8send(good) || float8send(total), ''::bytea ORDER BY bucket_end_ms), 'base64'),
         string_agg(CASE status WHEN 'ok' THEN '0' WHEN 'no-data' THEN '1' ELSE '2' END, '' ORDER BY bucket_end_ms)
       FROM buckets WHERE series_id = $1 AND bucket_end_ms BETWEEN $2 AND $3`,
      [seriesId, firstEndMs, lastEndMs],
    );
    const [packed, statuses] = row!;
    const bytes = packed === null ? Buffer.alloc(0) : Buffer.from(packed, 'base64');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const length = bytes.length / 24;
    const columns: BucketColumns = {
      length,
      endMs: new Float64Array(length),
      status: new Uint8Array(length),
      good: new Float64Array(length),
      total: new Float64Array(length),
    };
    for (let i = 0, at = 0; i < length; i++, at += 24) {
      columns.endMs[i] = view.getInt32(at) * 2 ** 32 + view.getUint32(at + 4);
      columns.good[i] = view.getFloat64(at + 8);
      columns.total[i] = view.getFloat64(at + 16);
      columns.status[i] = statuses!.charCodeAt(i) - 48;
    }
    return columns;
  }
}
