import { describe, expect, it } from 'vitest';
import { evaluateAndNotifyAlerts } from '../../src/app/evaluate-alerts.js';
import type { AlertingConfig } from '../../src/config/alerting-config.js';
import { DEFAULT_SLOS } from '../../src/config/defaults.js';
import { DEFAULT_ALERT_POLICY } from '../../src/domain/alert-policy.js';
import { systemClock } from '../../src/domain/clock.js';
import { openLedger } from '../../src/ledger/open-ledger.js';

const HOUR = 3_600_000;
const ALERTING: AlertingConfig = {
  policy: DEFAULT_ALERT_POLICY, minCoverageRatio: 0.9, noDataAfterMs: HOUR / 2, repeatIntervalMs: 4 * HOUR, linkBaseUrl: 'https://slo.example.com',
};

describe('the alert step of a tick with many SLOs', () => {
  it('gives the event loop turns while it writes the states, and writes every one of them', async () => {
    const base = DEFAULT_SLOS.find((s) => s.name === 'api-availability')!;
    const slos = Array.from({ length: 150 }, (_, i) => ({ ...structuredClone(base), name: `slo-${i}` }));
    const ledger = openLedger(':memory:');
    try {
      // Counts the turns of the loop that run while the step is under way.
      let turns = 0;
      let counting = true;
      const count = () => {
        if (!counting) return;
        turns++;
        setImmediate(count);
      };
      setImmediate(count);
      const evaluation = await evaluateAndNotifyAlerts({ ledger, slos, alerting: ALERTING, timeZone: 'UTC', atMs: Date.parse('2026-11-01T00:00:00Z'), clock: systemClock });
      counting = false;
      // Two alert kinds per SLO: 300 states, a turn at least every 100 of them.
      expect(evaluation.records).toHaveLength(300);
      expect(await ledger.alertState.all()).toHaveLength(300);
      expect(turns).toBeGreaterThanOrEqual(3);
    } finally {
      await ledger.close();
    }
  });
});
