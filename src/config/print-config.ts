import { Document } from 'yaml';
import { formatDuration } from '../domain/duration.js';
import type { SliDefinition, SloDefinition } from '../domain/slo.js';
import type { AlertingConfig, AppConfig, SlackConfig } from './app-config.js';
import { ratioToPercent } from './app-config.js';
import { printableEmail } from './email-schedule.js';
import { formatListenAddress } from './listen-address.js';
import { SECRET_MASK, isSecretHeader, maskSecretValues } from './secrets.js';

/**
 * The effective configuration as YAML in the file's own form (snake_case, percent, duration
 * strings), every default spelled out and every secret shown as `***`. The output is a valid
 * config file: with the masked values supplied again it loads to the same configuration.
 */
export function printConfig(config: AppConfig): string {
  const secrets = new Set(config.secrets);
  const { prometheus } = config;
  const headers = Object.fromEntries(
    Object.entries(prometheus.headers).map(([name, value]) => [name, isSecretHeader(name) ? SECRET_MASK : value]),
  );
  const connection = maskSecretValues(
    {
      url: prometheus.url,
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
      ...(prometheus.bearerToken === undefined ? {} : { bearer_token: prometheus.bearerToken }),
      ...(prometheus.basicAuth === undefined ? {} : { basic_auth: { ...prometheus.basicAuth } }),
      timeout: formatDuration(prometheus.timeoutMs),
    },
    secrets,
  );
  const file: Record<string, unknown> = {
    prometheus: connection,
    database: config.databasePath,
    timezone: config.timeZone,
    retention: formatDuration(config.retentionMs),
  };
  file.report = { incident_factor: config.report.incidentFactor };
  for (const section of ['email', 'slack', 'server', 'schedule', 'alerting'] as const) {
    if (section === 'slack') {
      if (config.slack !== undefined) file.slack = toSlackEntry(config.slack);
      continue;
    }
    if (section === 'alerting') {
      file.alerting = toAlertingEntry(config.alerting);
      continue;
    }
    if (section === 'server') {
      file.server = {
        listen: formatListenAddress(config.server.listen),
        ...(config.server.token === undefined ? {} : { token: SECRET_MASK }),
        reports_dir: config.server.reportsDir,
      };
      continue;
    }
    if (section === 'email') {
      if (config.email !== undefined) file.email = maskSecretValues(printableEmail(config.email, SECRET_MASK), secrets);
      continue;
    }
    file.schedule = { tick: config.schedule.tickCron, monthly_report: config.schedule.monthlyReportCron, catch_up: formatDuration(config.schedule.catchUpMs) };
  }
  file.slos = config.slos.map(toSloEntry);
  const doc = new Document(file);
  doc.commentBefore = ` Effective slo-ledger configuration (from ${config.source}); secrets shown as ${SECRET_MASK}.`;
  return doc.toString({ lineWidth: 0 });
}

function toSlackEntry(slack: SlackConfig): Record<string, unknown> {
  return {
    webhook_url: SECRET_MASK,
    format: slack.format,
    ...(slack.channel === undefined ? {} : { channel: slack.channel }),
    timeout: formatDuration(slack.timeoutMs),
  };
}

function toAlertingEntry(alerting: AlertingConfig): Record<string, unknown> {
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

function toSloEntry(slo: SloDefinition): Record<string, unknown> {
  return {
    name: slo.name,
    service: slo.service,
    description: slo.description,
    objective: ratioToPercent(slo.objectiveRatio),
    window: formatDuration(slo.windowMs),
    ...(slo.tiers === undefined
      ? {}
      : { tiers: { critical: ratioToPercent(slo.tiers.criticalRatio), warning: ratioToPercent(slo.tiers.warningRatio) } }),
    sli: toSliEntry(slo.sli),
  };
}

function toSliEntry(sli: SliDefinition): Record<string, unknown> {
  if (sli.kind === 'latency') {
    return {
      latency: { histogram: sli.histogram, selector: sli.selector, threshold: sli.thresholdSeconds, quantile: sli.quantile },
    };
  }
  return {
    events: {
      ...(sli.goodQuery === undefined ? {} : { good_query: sli.goodQuery }),
      ...(sli.badQuery === undefined ? {} : { bad_query: sli.badQuery }),
      total_query: sli.totalQuery,
    },
  };
}
