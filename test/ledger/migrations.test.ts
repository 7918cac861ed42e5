import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_SLOS } from '../../src/config/defaults.js';
import { BUCKET_MS } from '../../src/domain/duration.js';
import { openLedger } from '../../src/ledger/open-ledger.js';
import { MIGRATIONS } from '../../src/ledger/sqlite/migrations.js';

const T0 = Date.parse('2026-10-01T00:00:00Z');
const SLO = DEFAULT_SLOS[0]!;

describe('migrating a ledger written before grouped SLOs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slo-ledger-migrate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every series, bucket and alert state, with the same ids, when the tables are rebuilt', async () => {
    const path = join(dir, 'old.db');
    // A ledger as the release before groups left it: schema version 6, synced once, one alert firing.
    const old = openLedger(join(dir, 'reference.db'));
    const seriesId = await old.buckets.ensureSeries(SLO, T0);
    await old.close();
    const definition = JSON.stringify(SLO.sli);
    const db = new Database(path);
    db.pragma('foreign_keys = ON');
    for (const sql of MIGRATIONS.slice(0, 6)) db.exec(sql);
    db.pragma('user_version = 6');
    // The definition's hash as the current code computes it, so the migrated series is found again.
    const reference = new Database(join(dir, 'reference.db'));
    const hash = (reference.prepare('SELECT definition_hash AS h FROM slo_series WHERE id = ?').get(seriesId) as { h: string }).h;
    reference.close();
    db.prepare('INSERT INTO slo_series (id, slo, definition_hash, definition, created_at_ms, settled_from_ms, settled_through_ms) VALUES (7, ?, ?, ?, ?, ?, ?)')
      .run(SLO.name, hash, definition, T0, T0 + BUCKET_MS, T0 + 12 * BUCKET_MS);
    const insert = db.prepare("INSERT INTO buckets (series_id, bucket_end_ms, status, good, total, fetched_at_ms) VALUES (7, ?, 'ok', ?, ?, ?)");
    for (let i = 1; i <= 12; i++) insert.run(T0 + i * BUCKET_MS, 990 + i, 1000 + i, T0 + 13 * BUCKET_MS);
    db.prepare("INSERT INTO alert_state (slo, kind, phase, severity, firing_since_ms, last_notified_ms, resolved_ms, evaluated_ms, observed) VALUES (?, 'burn-rate', 'firing', 'page', ?, ?, NULL, ?, 'firing')")
      .run(SLO.name, T0, T0, T0 + BUCKET_MS);
    db.close();

    const ledger = openLedger(path);
    try {
      expect(await ledger.buckets.findSeries(SLO)).toBe(7);
      const sums = await ledger.buckets.sumWindow(7, T0, T0 + 12 * BUCKET_MS, false);
      expect(sums).toMatchObject({ good: 12 * 990 + 78, total: 12 * 1000 + 78, coveredBuckets: 12 });
      expect(await ledger.buckets.unsettledBucketEnds(7, T0 + BUCKET_MS, T0 + 12 * BUCKET_MS, 0)).toEqual([]);
      expect(await ledger.alertState.get(SLO.name, 'burn-rate')).toMatchObject({ phase: 'firing', severity: 'page', firingSinceMs: T0 });
      expect((await ledger.alertState.get(SLO.name, 'burn-rate'))!.group).toBeUndefined();
      // A group series of the same definition can now sit beside the SLO's own.
      const grouped = { ...SLO, groupBy: ['endpoint'] };
      const groupId = await ledger.buckets.ensureSeries(grouped, T0, { endpoint: '/api/v1/convert' });
      expect(groupId).not.toBe(7);
      expect(await ledger.buckets.listGroups(grouped)).toEqual([{ seriesId: groupId, labels: { endpoint: '/api/v1/convert' } }]);
    } finally {
      await ledger.close();
    }
  });
});
