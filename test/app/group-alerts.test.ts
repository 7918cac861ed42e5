import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateAndNotifyAlerts, type AlertEvaluation } from '../../src/app/evaluate-alerts.js';
import { syncLedger } from '../../src/app/sync-ledger.js';
import type { AlertingConfig } from '../../src/config/alerting-config.js';
import { DEFAULT_ALERT_POLICY } from '../../src/domain/alert-policy.js';
import { BUCKET_MS } from '../../src/domain/duration.js';
import type { SloDefinition } from '../../src/domain/slo.js';
import { openLedger } from '../../src/ledger/open-ledger.js';
import { deliverOutbox } from '../../src/notify/outbox-delivery.js';
import { createWebhookSender } from '../../src/notify/webhook-sender.js';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver.js';
import { InMemoryMetricsSource, ManualClock } from '../helpers/in-memory-source.js';

// Burn-rate alerts per group, over a real SQLite file and a webhook receiver on 127.0.0.1, with the
// traffic held in memory so the burn of every group is known exactly.
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const at = (iso: string) => Date.parse(iso);
const BURN_START = at('2026-10-31T21:00:00Z');
const BURN_END = at('2026-10-31T21:30:00Z');
const FIRST_TICK = at('2026-10-31T20:30:00Z');
const LAST_TICK = at('2026-11-01T04:00:00Z');
const RESTART_AFTER = at('2026-10-31T21:15:00Z');
const TENANTS = Array.from({ length: 50 }, (_, i) => `t${String(i).padStart(2, '0')}`);
/** 40 tenants burn at 200× (20 % errors against 99.9 %) for 30 minutes; 10 stay at 0.01 %. */
const BURNING = new Set(TENANTS.slice(0, 40));
const SLO: SloDefinition = {
  name: 'tenant-availability', service: 'api', description: '', objectiveRatio: 0.999, windowMs: 30 * DAY, groupBy: ['tenant'], maxGroups: 1000,
  sli: { kind: 'events', badQuery: 'sum by (tenant) (bad[{{.window}}])', totalQuery: 'sum by (tenant) (total[{{.window}}])' },
};
const ALERTING: AlertingConfig = { policy: DEFAULT_ALERT_POLICY, minCoverageRatio: 0.9, noDataAfterMs: 30 * MINUTE, repeatIntervalMs: 24 * HOUR };

describe('burn-rate alerts per group: state per group, one message per SLO and transition', () => {
  let receiver: HttpReceiver;
  let dir: string;
  const evaluations: AlertEvaluation[] = [];

  beforeAll(async () => {
    receiver = await startHttpReceiver();
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-group-alerts-'));
    const source = new InMemoryMetricsSource();
    for (let end = at('2026-09-25T00:00:00Z'); end <= LAST_TICK; end += BUCKET_MS) {
      for (const tenant of TENANTS) {
        const burning = BURNING.has(tenant) && end > BURN_START && end <= BURN_END;
        source.set(SLO.name, end, { good: burning ? 800 : 999.9, total: 1000 }, { tenant });
      }
    }
    const path = join(dir, 'ledger.db');
    const clock = new ManualClock(FIRST_TICK);
    const sender = createWebhookSender({ url: receiver.url('/hooks/slack'), name: 'Slack webhook', timeoutMs: 5_000, secrets: [] });
    let ledger = openLedger(path);
    for (let atMs = FIRST_TICK; atMs <= LAST_TICK; atMs += 5 * MINUTE) {
      // The tick runs when its last bucket has settled.
      clock.set(atMs + 3 * MINUTE);
      await syncLedger({ buckets: ledger.buckets, source, slos: [SLO], clock, timeZone: 'UTC', atMs, retentionMs: 400 * DAY });
      evaluations.push(await evaluateAndNotifyAlerts({ ledger, slos: [SLO], alerting: ALERTING, timeZone: 'UTC', atMs, clock, target: { format: 'slack' } }));
      await deliverOutbox({ outbox: ledger.outbox, senders: { slack: sender }, clock });
      if (atMs === RESTART_AFTER) {
        await ledger.close();
        ledger = openLedger(path);
        // The same tick again after the restart decides nothing new.
        evaluations.push(await evaluateAndNotifyAlerts({ ledger, slos: [SLO], alerting: ALERTING, timeZone: 'UTC', atMs, clock, target: { format: 'slack' } }));
      }
    }
    await ledger.close();
  }, 120_000);

  afterAll(async () => {
    await receiver?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const bodies = () => receiver.requests.map((r) => JSON.parse(r.body) as { text: string });

  const headlines = () => bodies().map((b) => b.text.split('\n')[0]!);

  it('sends one message per SLO and transition for the 40 groups, beside the SLO\'s own: page, ticket, resolved', () => {
    // The groups burn at 200× and page at the first tick (21:05: 200 × 5/60 > 14.4 over 1h); the SLO
    // as a whole burns at 160× and pages a tick later; both step down to a ticket once the 30-minute
    // window has cleared (22:00) and resolve when the burst has left the 6-hour window (03:30).
    expect([...headlines()].sort()).toEqual([
      '[PAGE] tenant-availability (api) is burning its error budget at 26.75× over 1h',
      '[PAGE] tenant-availability (api): 40 groups are burning their error budget',
      '[RESOLVED] tenant-availability (api): the ticket burn-rate alert is over',
      '[RESOLVED] tenant-availability (api): the ticket burn-rate alert is over for 40 groups',
      '[TICKET] tenant-availability (api): 40 groups deescalated from page to ticket',
      '[TICKET] tenant-availability (api): deescalated from page to ticket, burning its error budget at 3.43× over 1d',
    ]);
  });

  it('names ten groups in a message with their burn, counts the other 30, and never names a group that did not burn', () => {
    const page = bodies().find((b) => b.text.startsWith('[PAGE] tenant-availability (api): 40 groups'))!.text;
    // Over the hour to 21:05: 5 minutes at 200× and 55 at 0.1× (0.01 % errors) = 16.76×.
    expect(page).toMatch(/Groups: tenant=t\d\d: 16\.76× over 1h, budget left /);
    expect(page.match(/tenant=t\d\d:/g)).toHaveLength(10);
    expect(page).toContain('and 30 more');
    for (const tenant of TENANTS.slice(40)) expect(page).not.toContain(`tenant=${tenant}:`);
  });

  it('keeps one alert state per group: 40 fire and 10 stay inactive at the first tick', () => {
    const firingTick = evaluations.find((e) => e.notifications.length > 0)!;
    expect(new Date(firingTick.atMs).toISOString()).toBe('2026-10-31T21:05:00.000Z');
    const groupRecords = firingTick.records.filter((r) => r.group !== undefined && r.kind === 'burn-rate');
    expect(groupRecords.filter((r) => r.phase === 'firing').map((r) => r.group!.tenant).sort()).toEqual([...BURNING].sort());
    expect(groupRecords.filter((r) => r.phase === 'inactive')).toHaveLength(10);
    expect(firingTick.notifications.map((n) => n.key)).toEqual(['alert/tenant-availability/groups/burn-rate/firing/page/2026-10-31T21:05:00.000Z']);
  });

  it('sends nothing twice: the tick repeated after a restart decides nothing, and no message arrives twice', () => {
    const replay = evaluations[evaluations.findIndex((e) => e.atMs === RESTART_AFTER) + 1]!;
    expect(replay.atMs).toBe(RESTART_AFTER);
    expect(replay.notifications).toEqual([]);
    expect(new Set(headlines()).size).toBe(receiver.requests.length);
  });
});
