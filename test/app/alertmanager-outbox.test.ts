import { afterAll, describe, expect, it } from 'vitest';
import { evaluateAndNotifyAlerts } from '../../src/app/evaluate-alerts.js';
import { syncLedger } from '../../src/app/sync-ledger.js';
import type { AlertingConfig } from '../../src/config/alerting-config.js';
import { DEFAULT_ALERT_POLICY } from '../../src/domain/alert-policy.js';
import { BUCKET_MS } from '../../src/domain/duration.js';
import type { SloDefinition } from '../../src/domain/slo.js';
import { openLedger } from '../../src/ledger/open-ledger.js';
import type { AlertmanagerAlert, AlertmanagerTarget } from '../../src/notify/alertmanager.js';
import { InMemoryMetricsSource, ManualClock } from '../helpers/in-memory-source.js';

// Alertmanager deliveries while Alertmanager is down: one per evaluation, each superseding the one
// still pending, so a stale firing alert can never reach Alertmanager after its resolve.
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const at = (iso: string) => Date.parse(iso);
const SLO: SloDefinition = {
  name: 'checkout', service: 'shop', description: '', objectiveRatio: 0.999, windowMs: 30 * DAY,
  sli: { kind: 'events', badQuery: 'bad[{{.window}}]', totalQuery: 'total[{{.window}}]' },
};
const ALERTING: AlertingConfig = { policy: DEFAULT_ALERT_POLICY, minCoverageRatio: 0.9, noDataAfterMs: 30 * MINUTE, repeatIntervalMs: DAY };
const TARGET: AlertmanagerTarget = { labels: { team: 'shop' }, severity: { page: 'critical', ticket: 'warning', noData: 'warning' }, expireAfterMs: 15 * MINUTE };

describe('Alertmanager deliveries in the outbox', () => {
  const ledger = openLedger(':memory:');
  afterAll(() => ledger.close());

  it('renews a firing alert every evaluation; each delivery supersedes the pending one, carrying its resolves over', async () => {
    const source = new InMemoryMetricsSource();
    for (let end = at('2026-09-25T00:00:00Z'); end <= at('2026-11-01T00:00:00Z'); end += BUCKET_MS) {
      const burning = end > at('2026-10-31T21:00:00Z') && end <= at('2026-10-31T21:30:00Z');
      source.set(SLO.name, end, { good: burning ? 800 : 999.9, total: 1000 });
    }
    const clock = new ManualClock(0);
    const tick = async (iso: string) => {
      const atMs = at(iso);
      clock.set(atMs + 3 * MINUTE);
      await syncLedger({ buckets: ledger.buckets, source, slos: [SLO], clock, timeZone: 'UTC', atMs, retentionMs: 400 * DAY });
      return evaluateAndNotifyAlerts({ ledger, slos: [SLO], alerting: ALERTING, timeZone: 'UTC', atMs, clock, alertmanager: TARGET });
    };
    const pending = async () => (await ledger.outbox.list('pending')).filter((e) => e.channel === 'alertmanager');
    const alerts = async () => (await pending()).flatMap((e) => e.payload as AlertmanagerAlert[]);

    await tick('2026-10-31T21:05:00Z');
    expect((await pending()).map((e) => e.key)).toEqual(['alertmanager/2026-10-31T21:05:00.000Z']);
    const [fired] = await alerts();
    expect(fired!.labels).toEqual({ team: 'shop', alertname: 'SloBurnRate', slo: 'checkout', service: 'shop', severity: 'critical' });
    expect(fired!.startsAt).toBe('2026-10-31T21:05:00.000Z');
    expect(fired!.endsAt).toBe(new Date(at('2026-10-31T21:08:00Z') + 15 * MINUTE).toISOString());

    // Alertmanager is down: the next evaluation's renewal replaces the pending one.
    await tick('2026-10-31T21:10:00Z');
    expect((await pending()).map((e) => e.key)).toEqual(['alertmanager/2026-10-31T21:10:00.000Z']);
    expect((await alerts()).map((a) => [a.labels.severity, a.endsAt])).toEqual([['critical', new Date(at('2026-10-31T21:13:00Z') + 15 * MINUTE).toISOString()]]);

    // De-escalated to a ticket while still undelivered: Alertmanager tells alerts apart by their
    // labels, so the critical alert resolves (ends now) and a warning one fires.
    await tick('2026-10-31T22:10:00Z');
    expect((await pending()).map((e) => e.key)).toEqual(['alertmanager/2026-10-31T22:10:00.000Z']);
    expect((await alerts()).map((a) => [a.labels.severity, a.endsAt])).toEqual([['warning', '2026-10-31T22:28:00.000Z'], ['critical', '2026-10-31T22:13:00.000Z']]);
    // The next evaluation renews the warning and carries the undelivered resolve of the critical one over.
    await tick('2026-10-31T22:15:00Z');
    expect((await pending()).map((e) => e.key)).toEqual(['alertmanager/2026-10-31T22:15:00.000Z']);
    expect((await alerts()).map((a) => [a.labels.severity, a.endsAt])).toEqual([['warning', '2026-10-31T22:33:00.000Z'], ['critical', '2026-10-31T22:13:00.000Z']]);
    expect((await ledger.outbox.list('dropped')).map((e) => e.key)).toEqual([
      'alertmanager/2026-10-31T22:10:00.000Z', 'alertmanager/2026-10-31T21:10:00.000Z', 'alertmanager/2026-10-31T21:05:00.000Z',
    ]);
  });
});
