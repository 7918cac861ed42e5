import type { Clock } from '../domain/clock.js';
import type { Logger } from '../logging.js';
import type { AlertmanagerTarget } from '../notify/alertmanager.js';
import { evaluateAndNotifyAlerts, type AlertTarget } from './evaluate-alerts.js';
import type { Adapters } from './ports.js';

/** Options of {@link createAlertsStep}. */
export interface AlertsStepOptions {
  adapters: Adapters;
  log: Logger;
  /** Wall clock for the outbox; default the adapters' clock. */
  clock?: Clock;
}

/** The notification target the config sets up: the `slack` section's format; none without it. */
export function alertTargetOf(adapters: Adapters): AlertTarget | undefined {
  const { slack } = adapters.config;
  if (slack === undefined) return undefined;
  return { format: slack.format, ...(slack.channel === undefined ? {} : { channel: slack.channel }) };
}

/** The Alertmanager target the config sets up: the `alertmanager` section's labels and timing; none without it. */
export function alertmanagerTargetOf(adapters: Adapters): AlertmanagerTarget | undefined {
  const am = adapters.config.alertmanager;
  if (am === undefined) return undefined;
  const slos = Object.fromEntries(adapters.config.slos.flatMap((slo) => (slo.alerting === undefined ? [] : [[slo.name, slo.alerting] as const])));
  return { labels: am.labels, severity: am.severity, expireAfterMs: am.expireAfterMs, ...(am.runbookUrl === undefined ? {} : { runbookUrl: am.runbookUrl }), slos };
}

/**
 * The alerts step of a tick (`EvaluateAlertsStep` of tick.ts): evaluates every SLO's burn-rate and
 * no-data alerts at the tick's instant and queues their notifications; logs each decision.
 * With `dryRun` it decides and logs what it would send, and changes nothing.
 */
export function createAlertsStep(options: AlertsStepOptions): (atMs: number, dryRun: boolean) => Promise<void> {
  const { adapters } = options;
  const log = options.log.child({ component: 'alerts' });
  let warnedNoTarget = false;
  return async (atMs, dryRun) => {
    const target = alertTargetOf(adapters);
    const alertmanager = alertmanagerTargetOf(adapters);
    const evaluation = await evaluateAndNotifyAlerts({
      ledger: adapters.ledger, figures: adapters.figures, slos: adapters.config.slos, alerting: adapters.config.alerting, timeZone: adapters.config.timeZone,
      atMs, clock: options.clock ?? adapters.clock, dryRun, ...(target ? { target } : {}), ...(alertmanager ? { alertmanager } : {}),
    });
    for (const { key, notification, queued } of evaluation.notifications) {
      const fields = { job: 'tick', slo: notification.slo, alert: notification.kind, transition: notification.transition, severity: notification.severity, key, queued };
      log.info(fields, dryRun ? `would notify: ${key}` : `alert ${notification.transition}: ${key}`);
    }
    if (target === undefined && alertmanager === undefined && evaluation.notifications.length > 0 && !dryRun && !warnedNoTarget) {
      warnedNoTarget = true;
      log.warn({ job: 'tick' }, 'alert notifications were decided but not queued: configure slack.webhook_url (or SLACK_WEBHOOK_URL) or alertmanager.url to send them');
    }
  };
}
