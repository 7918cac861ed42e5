import { afterAll, describe, expect, it } from 'vitest';
import { correctedBuckets } from '../../src/app/corrected-buckets.js';
import { evaluateAndNotifyAlerts, type AlertEvaluation } from '../../src/app/evaluate-alerts.js';
import { syncLedger } from '../../src/app/sync-ledger.js';
import type { AlertingConfig } from '../../src/config/alerting-config.js';
import { DEFAULT_ALERT_POLICY } from '../../src/domain/alert-policy.js';
import type { Correction } from '../../src/domain/correction.js';
import { BUCKET_MS } from '../../src/domain/duration.js';
import type { SloDefinition } from '../../src/domain/slo.js';
import { openLedger } from '../../src/ledger/open-ledger.js';
import { InMemoryMetricsSource, ManualClock } from '../helpers/in-memory-source.js';

// A correction added for the past changes what the next evaluation sees, and never makes an alert
// fire again or notify twice for a transition already notified.
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const at = (iso: string) => Date.parse(iso);
const SLO: SloDefinition = {
  name: 'checkout', service: 'shop', description: '', objectiveRatio: 0.999, windowMs: 30 * DAY,
  sli: { kind: 'events', badQuery: 'bad[{{.window}}]', totalQuery: 'total[{{.window}}]' },
};
const ALERTING: AlertingConfig = { policy: DEFAULT_ALERT_POLICY, minCoverageRatio: 0.9, noDataAfterMs: 30 * MINUTE, repeatIntervalMs: DAY };
const BURN_START = at('2026-10-31T21:00:00Z');
const BURN_END = at('2026-10-31T21:30:00Z');
const DEPLOY: Correction = {
  id: 'c1', scope: { slo: 'checkout' }, category: 'deployment', reason: 'a bad deploy, caught by the synthetic check',
  timing: { kind: 'once', fromMs: BURN_START, toMs: BURN_END },
};

describe('a correction added after an alert fired', () => {
  const ledger = openLedger(':memory:');
  afterAll(() => ledger.close());
  const evaluations: AlertEvaluation[] = [];

  it('resolves the page at the next evaluation and notifies once for each transition', async () => {
    const source = new InMemoryMetricsSource();
    for (let end = at('2026-09-25T00:00:00Z'); end <= at('2026-11-01T00:00:00Z'); end += BUCKET_MS) {
      const burning = end > BURN_START && end <= BURN_END;
      source.set(SLO.name, end, { good: burning ? 800 : 999.9, total: 1000 });
    }
    const clock = new ManualClock(0);
    const tick = async (iso: string, corrections: Correction[]) => {
      const atMs = at(iso);
      clock.set(atMs + 3 * MINUTE);
      await syncLedger({ buckets: ledger.buckets, source, slos: [SLO], clock, timeZone: 'UTC', atMs, retentionMs: 400 * DAY });
      const figures = correctedBuckets(ledger.buckets, corrections, 'UTC');
      evaluations.push(await evaluateAndNotifyAlerts({ ledger, figures, slos: [SLO], alerting: ALERTING, timeZone: 'UTC', atMs, clock, target: { format: 'json' } }));
    };
    await tick('2026-10-31T21:05:00Z', []);
    await tick('2026-10-31T21:10:00Z', []);
    // The deploy is recognised and corrected for the past: from now on the burn is not there.
    await tick('2026-10-31T21:15:00Z', [DEPLOY]);
    await tick('2026-10-31T21:20:00Z', [DEPLOY]);
    await tick('2026-10-31T21:15:00Z', [DEPLOY]);
    const decided = evaluations.flatMap((e) => e.notifications.map((n) => `${new Date(e.atMs).toISOString().slice(11, 16)} ${n.notification.transition} ${n.notification.severity}`));
    expect(decided).toEqual(['21:05 firing page', '21:15 resolved page']);
    expect((await ledger.outbox.list()).map((e) => e.key).sort()).toEqual([
      'alert/checkout/burn-rate/firing/page/2026-10-31T21:05:00.000Z',
      'alert/checkout/burn-rate/resolved/page/2026-10-31T21:15:00.000Z',
    ]);
    // The stored counts are untouched: without the correction the burn is still there.
    const raw = await evaluateAndNotifyAlerts({ ledger, slos: [SLO], alerting: ALERTING, timeZone: 'UTC', atMs: at('2026-10-31T21:25:00Z'), clock, dryRun: true });
    expect(raw.assessments[0]!.decision.state).toBe('firing');
  });
});
