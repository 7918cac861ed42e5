import type { Logger } from '../logging.js';
import type { Services } from './compose.js';
import { evaluateAndNotifyAlerts, type AlertTarget } from './evaluate-alerts.js';
import type { Clock } from './ports.js';

/** Options of {@link createAlertsStep}. */
export interface AlertsStepOptions {
  services: Services;
  log: Logger;
  /** Wall clock for the outbox; default the services' clock. */
  clock?: Clock;
}

/** The notification target the config sets up: the `slack` section's format; none without it. */
export function alertTargetOf(services: Services): AlertTarget | undefined {
  const { slack } = services.config;
  if (slack === undefined) return undefined;
  return { format: slack.format, ...(slack.channel === undefined ? {} : { channel: slack.channel }) };
}

/**
 * The alerts step of a tick (`EvaluateAlertsStep` of tick.ts): evaluates every SLO's burn-rate and
 * no-data alerts at the tick's instant and queues their notifications; logs each decision.
 * With `dryRun` it decides and logs what it would send, and changes nothing.
 */
export function createAlertsStep(options: AlertsStepOptions): (atMs: number, dryRun: boolean) => Promise<void> {
  const { services } = options;
  const log = options.log.child({ component: 'alerts' });
  let warnedNoTarget = false;
  return async (atMs, dryRun) => {
    const target = alertTargetOf(services);
    const evaluation = evaluateAndNotifyAlerts({
      ledger: services.ledger, slos: services.config.slos, alerting: services.config.alerting, timeZone: services.config.timeZone,
      atMs, clock: options.clock ?? services.clock, dryRun, ...(target ? { target } : {}),
    });
    for (const { key, notification, queued } of evaluation.notifications) {
      const fields = { job: 'tick', slo: notification.slo, alert: notification.kind, transition: notification.transition, severity: notification.severity, key, queued };
      log.info(fields, dryRun ? `would notify: ${key}` : `alert ${notification.transition}: ${key}`);
    }
    if (target === undefined && evaluation.notifications.length > 0 && !dryRun && !warnedNoTarget) {
      warnedNoTarget = true;
      log.warn({ job: 'tick' }, 'alert notifications were decided but not queued: configure slack.webhook_url (or SLACK_WEBHOOK_URL) to send them');
    }
  };
}
