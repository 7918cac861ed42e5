import { DEFAULT_ALERT_POLICY, type AlertPolicySpec } from '../domain/alert-policy.js';
import { formatDuration, parseDuration } from '../domain/duration.js';
import type { AlertingEntry, SlackEntry } from './schema.js';
import { SECRET_MASK } from './secrets.js';
import { percentToRatio, ratioToPercent } from './slo-codec.js';

// The alerting and slack sections: their types, and the mapping in both directions side by side
// (see slo-codec.ts).

/** Burn-rate alerting: the policy as data and the timing of notifications. */
export interface AlertingConfig {
  /** The rules every SLO is evaluated with; the default when the config gives none. */
  policy: AlertPolicySpec;
  /** A window with less data than this share makes its rule unknown. */
  minCoverageRatio: number;
  /** The metric missing for this long raises a no-data alert. */
  noDataAfterMs: number;
  /** A firing alert is repeated this often. */
  repeatIntervalMs: number;
  /** Base URL of the status page, for the link in notifications. */
  linkBaseUrl?: string;
}

/** Where alert notifications are posted: a Slack incoming webhook, or a generic JSON webhook. */
export interface SlackConfig {
  /** A secret (it carries the token): never logged or printed. */
  webhookUrl: string;
  format: 'slack' | 'json';
  /** Legacy webhooks only. */
  channel?: string;
  timeoutMs: number;
}

/** The alerting section as the program sees it: the policy as data, durations in milliseconds. */
export function toAlertingConfig(entry: AlertingEntry): AlertingConfig {
  const policy: AlertPolicySpec =
    entry.policy === undefined
      ? DEFAULT_ALERT_POLICY
      : entry.policy.map((rule) => ({
          severity: rule.severity,
          longWindowMs: parseDuration(rule.long_window),
          shortWindowMs: parseDuration(rule.short_window),
          // The schema guarantees exactly one of factor and budget_consumed.
          ...(rule.factor !== undefined ? { factor: rule.factor } : { budgetConsumedRatio: percentToRatio(rule.budget_consumed!) }),
        }));
  return {
    policy,
    minCoverageRatio: percentToRatio(entry.min_coverage),
    noDataAfterMs: parseDuration(entry.no_data_after),
    repeatIntervalMs: parseDuration(entry.repeat_interval),
    ...(entry.link_base_url === undefined ? {} : { linkBaseUrl: entry.link_base_url }),
  };
}

/** The alerting section as the config file writes it. */
export function toAlertingEntry(alerting: AlertingConfig): Record<string, unknown> {
  return {
    policy: alerting.policy.map((rule) => ({
      severity: rule.severity,
      long_window: formatDuration(rule.longWindowMs),
      short_window: formatDuration(rule.shortWindowMs),
      ...(rule.factor !== undefined ? { factor: rule.factor } : { budget_consumed: ratioToPercent(rule.budgetConsumedRatio) }),
    })),
    min_coverage: ratioToPercent(alerting.minCoverageRatio),
    no_data_after: formatDuration(alerting.noDataAfterMs),
    repeat_interval: formatDuration(alerting.repeatIntervalMs),
    ...(alerting.linkBaseUrl === undefined ? {} : { link_base_url: alerting.linkBaseUrl }),
  };
}

/** The slack section as the program sees it. */
export function toSlackConfig(entry: SlackEntry): SlackConfig {
  return {
    // The schema refuses a slack section without a URL (from the file or SLACK_WEBHOOK_URL).
    webhookUrl: entry.webhook_url!,
    format: entry.format,
    timeoutMs: parseDuration(entry.timeout),
    ...(entry.channel === undefined ? {} : { channel: entry.channel }),
  };
}

/** The slack section as the config file writes it; the webhook URL is a secret and always masked. */
export function toSlackEntry(slack: SlackConfig): Record<string, unknown> {
  return {
    webhook_url: SECRET_MASK,
    format: slack.format,
    ...(slack.channel === undefined ? {} : { channel: slack.channel }),
    timeout: formatDuration(slack.timeoutMs),
  };
}
