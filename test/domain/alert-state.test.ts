import { describe, expect, it } from 'vitest';
import { alertNotificationKey, stepAlert, type AlertObservation, type AlertRecord } from '../../src/domain/alert-state.js';
import { DEFAULT_ALERT_POLICY, resolveAlertPolicy } from '../../src/domain/alert-policy.js';
import { budgetExhaustionMs } from '../../src/domain/alert-notification.js';
import { DEFAULT_BURN_RATE_POLICY } from '../../src/domain/burn-rate.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-10-31T12:00:00Z');
const REPEAT = 4 * HOUR;
const ID = { slo: 'api-availability', kind: 'burn-rate' as const };

const page: AlertObservation = { state: 'firing', severity: 'page' };
const ticket: AlertObservation = { state: 'firing', severity: 'ticket' };
const clear: AlertObservation = { state: 'clear' };
const unknown: AlertObservation = { state: 'unknown' };

/** Runs observations every 5 minutes from T0 and lists the notifications, as "minute:transition:severity". */
function run(observations: AlertObservation[], start?: AlertRecord): { sent: string[]; last: AlertRecord | undefined } {
  let record = start;
  const sent: string[] = [];
  observations.forEach((observation, i) => {
    const atMs = T0 + i * 5 * MINUTE;
    const step = stepAlert(record, ID, observation, atMs, REPEAT);
    record = step.record;
    if (step.notify) sent.push(`${i * 5}:${step.notify.transition}:${step.record.severity}`);
  });
  return { sent, last: record };
}

describe('stepAlert', () => {
  const cases: Array<{ name: string; observations: AlertObservation[]; sent: string[] }> = [
    { name: 'an alert that never fires never notifies', observations: [clear, clear, clear], sent: [] },
    { name: 'an alert that starts firing notifies once, then stays quiet within the repeat interval', observations: [clear, page, page, page], sent: ['5:firing:page'] },
    { name: 'an alert that stops firing notifies once that it resolved', observations: [page, page, clear, clear], sent: ['0:firing:page', '10:resolved:page'] },
    { name: 'a ticket that becomes a page notifies the escalation', observations: [ticket, ticket, page], sent: ['0:firing:ticket', '10:escalated:page'] },
    { name: 'a page that drops to a ticket notifies the de-escalation', observations: [page, ticket], sent: ['0:firing:page', '5:deescalated:ticket'] },
    { name: 'unknown data neither starts nor ends an alert', observations: [unknown, page, unknown, unknown, page, clear], sent: ['5:firing:page', '25:resolved:page'] },
    { name: 'an alert that fires again after resolving notifies again', observations: [page, clear, page], sent: ['0:firing:page', '5:resolved:page', '10:firing:page'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(run(c.observations).sent).toEqual(c.sent);
    });
  }

  it('reminds every repeat interval while firing, counted from the last notification', () => {
    // 4h at 5-minute steps: a reminder at minute 240 and 480, not before.
    const observations = Array.from({ length: 97 }, () => page);
    expect(run(observations).sent).toEqual(['0:firing:page', '240:reminder:page', '480:reminder:page']);
  });

  it('keeps since-when the alert fires through reminders and severity changes', () => {
    const { last } = run([clear, ticket, page, page]);
    expect(last).toMatchObject({ phase: 'firing', severity: 'page', firingSinceMs: T0 + 5 * MINUTE, lastNotifiedMs: T0 + 10 * MINUTE });
  });

  it('ignores an evaluation at or before the last one: a repeated tick never notifies twice', () => {
    const first = stepAlert(undefined, ID, page, T0, REPEAT);
    expect(first.notify?.transition).toBe('firing');
    expect(stepAlert(first.record, ID, clear, T0, REPEAT)).toEqual({ record: first.record, notify: null });
    expect(stepAlert(first.record, ID, clear, T0 - 5 * MINUTE, REPEAT).notify).toBeNull();
  });

  it('continues from a stored record as if it had never stopped (a restart)', () => {
    const before = run([page, page]).last!;
    const restored: AlertRecord = JSON.parse(JSON.stringify(before)) as AlertRecord;
    const after = stepAlert(restored, ID, page, T0 + 10 * MINUTE, REPEAT);
    expect(after.notify).toBeNull();
  });

  it('keys a notification by SLO, alert, transition, severity and instant', () => {
    expect(alertNotificationKey('api-availability', 'burn-rate', 'firing', 'page', T0)).toBe('alert/api-availability/burn-rate/firing/page/2026-10-31T12:00:00.000Z');
    expect(alertNotificationKey('x', 'no-data', 'resolved', null, T0)).toBe('alert/x/no-data/resolved/none/2026-10-31T12:00:00.000Z');
  });
});

describe('resolveAlertPolicy', () => {
  it('the default policy, as budget shares, gives the workbook factors 14.4, 6, 3, 1 for a 30-day SLO', () => {
    expect(resolveAlertPolicy(DEFAULT_ALERT_POLICY, 30 * DAY)).toEqual(DEFAULT_BURN_RATE_POLICY);
  });

  it('scales the factors with the SLO window: 2 % of a 28-day budget in 1h is 13.44', () => {
    expect(resolveAlertPolicy(DEFAULT_ALERT_POLICY, 28 * DAY).map((r) => r.factor)).toEqual([13.44, 5.6, 2.8, 0.933333333333]);
  });

  it('keeps a fixed factor as given, whatever the window', () => {
    const [rule] = resolveAlertPolicy([{ severity: 'page', longWindowMs: HOUR, shortWindowMs: 5 * MINUTE, factor: 10 }], 7 * DAY);
    expect(rule?.factor).toBe(10);
  });
});

describe('budgetExhaustionMs', () => {
  const cases: Array<{ name: string; remaining: number | null; burn: number | null; expected: number | null }> = [
    { name: 'half the budget left at a burn of 50 lasts 30d × 0.5 / 50 = 7.2 h', remaining: 0.5, burn: 50, expected: 7.2 * HOUR },
    { name: 'a spent budget is exhausted now', remaining: -0.2, burn: 50, expected: 0 },
    { name: 'nothing burning never exhausts it', remaining: 0.5, burn: 0, expected: null },
    { name: 'no traffic says nothing', remaining: null, burn: null, expected: null },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const value = budgetExhaustionMs(c.remaining, c.burn, 30 * DAY);
      if (c.expected === null) expect(value).toBeNull();
      else expect(value).toBeCloseTo(c.expected, 3);
    });
  }
});
