import type Database from 'better-sqlite3';
import { BUCKET_MS } from '../../domain/duration.js';

/**
 * The span of bucket ends known to be fetched and settled, per series (columns of `slo_series`), so
 * a tick finds what is missing without counting the rows of the whole backfill range.
 */
export class SettledSpans {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (statement === undefined) this.statements.set(text, (statement = this.db.prepare(text)));
    return statement;
  }

  /**
   * Bucket ends in [firstEndMs, lastEndMs] that still need fetching: no row, a row with data fetched
   * less than `settleMs` after the bucket closed (late samples may still have been on their way),
   * or a no-data row fetched less than `emptySettleMs` after it closed (an empty answer is not
   * believed until then: a restarted Prometheus or a store still syncing answers empty).
   */
  unsettledBucketEnds(seriesId: number, firstEndMs: number, lastEndMs: number, settleMs: number, emptySettleMs = settleMs): number[] {
    const span = this.sql('SELECT settled_from_ms AS fromMs, settled_through_ms AS throughMs FROM slo_series WHERE id = ?').get(seriesId) as
      | { fromMs: number | null; throughMs: number | null }
      | undefined;
    if (span?.fromMs == null || span.throughMs == null || span.throughMs < firstEndMs || span.fromMs > lastEndMs) {
      return this.scanUnsettled(seriesId, firstEndMs, lastEndMs, settleMs, emptySettleMs);
    }
    // Only the parts of the range outside the known settled span need a look.
    return [
      ...(firstEndMs < span.fromMs ? this.scanUnsettled(seriesId, firstEndMs, span.fromMs - BUCKET_MS, settleMs, emptySettleMs) : []),
      ...(lastEndMs > span.throughMs ? this.scanUnsettled(seriesId, span.throughMs + BUCKET_MS, lastEndMs, settleMs, emptySettleMs) : []),
    ];
  }

  /**
   * Records that every bucket with end in [firstEndMs, throughMs] is fetched and settled (a sync
   * of that range succeeded); joined to the span already known when the two touch.
   */
  markSettled(seriesId: number, firstEndMs: number, throughMs: number): void {
    if (throughMs < firstEndMs) return;
    this.sql(
        `UPDATE slo_series SET
           settled_from_ms = CASE WHEN settled_through_ms IS NOT NULL AND settled_through_ms >= ? - ${BUCKET_MS} AND settled_from_ms <= ? + ${BUCKET_MS}
                                  THEN MIN(settled_from_ms, ?) ELSE ? END,
           settled_through_ms = CASE WHEN settled_through_ms IS NOT NULL AND settled_through_ms >= ? - ${BUCKET_MS} AND settled_from_ms <= ? + ${BUCKET_MS}
                                     THEN MAX(settled_through_ms, ?) ELSE ? END
         WHERE id = ?`,
      )
      .run(firstEndMs, throughMs, firstEndMs, firstEndMs, firstEndMs, throughMs, throughMs, throughMs, seriesId);
  }

  private scanUnsettled(seriesId: number, firstEndMs: number, lastEndMs: number, settleMs: number, emptySettleMs: number): number[] {
    const expected = Math.floor((lastEndMs - firstEndMs) / BUCKET_MS) + 1;
    const settledWhere = "series_id = ? AND bucket_end_ms BETWEEN ? AND ? AND fetched_at_ms >= bucket_end_ms + CASE WHEN status = 'no-data' THEN ? ELSE ? END";
    const summary = this.sql(`SELECT COUNT(*) AS n, MAX(bucket_end_ms) AS lastSettled FROM buckets WHERE ${settledWhere}`)
      .get(seriesId, firstEndMs, lastEndMs, emptySettleMs, settleMs) as { n: number; lastSettled: number | null };
    if (summary.n === expected) return [];
    const out: number[] = [];
    // Everything settled up to some bucket and only the newest missing: no need to read the rows.
    if (summary.lastSettled === null || summary.n === (summary.lastSettled - firstEndMs) / BUCKET_MS + 1) {
      const from = summary.lastSettled === null ? firstEndMs : summary.lastSettled + BUCKET_MS;
      for (let t = from; t <= lastEndMs; t += BUCKET_MS) out.push(t);
      return out;
    }
    const settled = new Set(
      (this.sql(`SELECT bucket_end_ms AS t FROM buckets WHERE ${settledWhere}`).all(seriesId, firstEndMs, lastEndMs, emptySettleMs, settleMs) as Array<{ t: number }>).map(
        (r) => r.t,
      ),
    );
    for (let t = firstEndMs; t <= lastEndMs; t += BUCKET_MS) if (!settled.has(t)) out.push(t);
    return out;
  }
}
