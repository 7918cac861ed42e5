import { describe, expect, it } from 'vitest';
import type { AlertNotification } from '../../src/domain/alert-notification.js';
import type { SloAlerting } from '../../src/domain/slo.js';
import { toAlertmanagerAlerts, type AlertmanagerTarget } from '../../src/notify/alertmanager.js';

// An SLO's own `alerting` (from a Sloth file, or written in the config) on its Alertmanager alerts:
// labels after the static ones, the severity's after the SLO's, slo-ledger's own never replaced;
// annotations over slo-ledger's; disabled severities.
const MINUTE = 60_000;
const NOW = Date.parse('2026-10-31T21:08:00Z');

const ALERTING: SloAlerting = {
  labels: { team: 'checkout-team', category: 'availability' },
  annotations: { summary: 'High error rate on checkout' },
  page: { labels: { routing_key: 'checkout-oncall' }, annotations: { runbook: 'https://runbooks.example/checkout' } },
  ticket: { labels: { slack_channel: '#checkout' } },
};

function target(slos: Record<string, SloAlerting>): AlertmanagerTarget {
  return { labels: { team: 'shop', env: 'prod' }, severity: { page: 'critical', ticket: 'warning', noData: 'warning' }, expireAfterMs: 15 * MINUTE, slos };
}

function notification(overrides: Partial<AlertNotification> = {}): AlertNotification {
  return {
    slo: 'checkout', service: 'shop', description: '', kind: 'burn-rate', transition: 'firing', severity: 'page', previousSeverity: null,
    atMs: NOW, firingSinceMs: NOW, objectiveRatio: 0.999, sloWindowMs: 30 * 24 * 60 * MINUTE,
    rule: { severity: 'page', longWindowMs: 60 * MINUTE, shortWindowMs: 5 * MINUTE, factor: 14.4, longBurnRate: 20, shortBurnRate: 25 },
    budgetRemainingRatio: 0.5, budgetExhaustedInMs: 3_600_000, noDataForMs: null, link: null,
    ...overrides,
  };
}

describe('Alertmanager alerts of an SLO with its own alerting', () => {
  it('adds the SLO labels after the static ones and the severity labels after those; slo-ledger sets alertname, slo, service and severity', () => {
    const [page] = toAlertmanagerAlerts(notification(), target({ checkout: ALERTING }), NOW);
    expect(page!.labels).toEqual({
      team: 'checkout-team', env: 'prod', category: 'availability', routing_key: 'checkout-oncall',
      alertname: 'SloBurnRate', slo: 'checkout', service: 'shop', severity: 'critical',
    });
    expect(page!.annotations.summary).toBe('High error rate on checkout');
    expect(page!.annotations.runbook).toBe('https://runbooks.example/checkout');
    expect(page!.annotations.description).toContain('Burning its error budget');

    const [ticket] = toAlertmanagerAlerts(notification({ severity: 'ticket' }), target({ checkout: ALERTING }), NOW);
    expect(ticket!.labels).toMatchObject({ team: 'checkout-team', category: 'availability', slack_channel: '#checkout', severity: 'warning' });
    expect(ticket!.labels.routing_key).toBeUndefined();
    expect(ticket!.annotations.runbook).toBeUndefined();
  });

  it('never lets an SLO label replace the ones slo-ledger sets, nor a group label', () => {
    const sneaky = { labels: { slo: 'other', severity: 'none', endpoint: 'x' } } as SloAlerting;
    const [alert] = toAlertmanagerAlerts(
      notification({ groups: [{ labels: { endpoint: '/api' }, longBurnRate: 20, shortBurnRate: 25, budgetRemainingRatio: 0.5, noDataForMs: null }] }),
      target({ checkout: sneaky }), NOW,
    );
    expect(alert!.labels).toMatchObject({ slo: 'checkout', severity: 'critical', endpoint: '/api' });
  });

  it('adds only the SLO-wide labels to a no-data alert', () => {
    const [alert] = toAlertmanagerAlerts(notification({ kind: 'no-data', severity: null, rule: null, noDataForMs: 40 * MINUTE }), target({ checkout: ALERTING }), NOW);
    expect(alert!.labels).toEqual({ team: 'checkout-team', env: 'prod', category: 'availability', alertname: 'SloNoData', slo: 'checkout', service: 'shop', severity: 'warning' });
  });

  it('posts a disabled page as a ticket, with the ticket labels, and an escalation to it changes nothing at Alertmanager', () => {
    const noPage: SloAlerting = { ...ALERTING, page: { ...ALERTING.page, disable: true } };
    const alerts = toAlertmanagerAlerts(notification({ transition: 'escalated', previousSeverity: 'ticket' }), target({ checkout: noPage }), NOW);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.labels).toMatchObject({ severity: 'warning', slack_channel: '#checkout' });
    expect(alerts[0]!.endsAt).toBe(new Date(NOW + 15 * MINUTE).toISOString());
  });

  it('does not post a disabled ticket; with both disabled, nothing of the SLO is posted', () => {
    const noTicket: SloAlerting = { ticket: { disable: true } };
    expect(toAlertmanagerAlerts(notification({ severity: 'ticket' }), target({ checkout: noTicket }), NOW)).toEqual([]);
    // De-escalating from page to a disabled ticket resolves the page alert and fires nothing.
    const resolved = toAlertmanagerAlerts(notification({ transition: 'deescalated', severity: 'ticket', previousSeverity: 'page' }), target({ checkout: noTicket }), NOW);
    expect(resolved.map((a) => [a.labels.severity, a.endsAt])).toEqual([['critical', new Date(NOW).toISOString()]]);
    const none: SloAlerting = { page: { disable: true }, ticket: { disable: true } };
    expect(toAlertmanagerAlerts(notification(), target({ checkout: none }), NOW)).toEqual([]);
    expect(toAlertmanagerAlerts(notification({ kind: 'no-data', severity: null }), target({ checkout: none }), NOW)).toEqual([]);
  });

  it('leaves the alerts of other SLOs as they were', () => {
    const [alert] = toAlertmanagerAlerts(notification({ slo: 'search' }), target({ checkout: ALERTING }), NOW);
    expect(alert!.labels).toEqual({ team: 'shop', env: 'prod', alertname: 'SloBurnRate', slo: 'search', service: 'shop', severity: 'critical' });
    expect(alert!.annotations.summary).toBe('search (shop) is burning its error budget at 20.00×');
  });
});
