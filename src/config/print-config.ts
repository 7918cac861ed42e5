import { parseDatabaseLocation } from './database-location.js';
import { Document } from 'yaml';
import { formatDuration } from '../domain/duration.js';
import { toAlertingEntry, toSlackEntry } from './alerting-config.js';
import { toAlertmanagerEntry } from './alertmanager-config.js';
import { toCorrectionEntry } from './corrections-config.js';
import type { AppConfig } from './app-config.js';
import { printableEmail } from './email-schedule.js';
import { formatListenAddress } from './listen-address.js';
import { SECRET_MASK, isSecretHeader, maskSecretValues } from './secrets.js';
import { toSloEntry } from './slo-codec.js';

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
      settle_time: formatDuration(prometheus.settleMs),
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
  if (config.email !== undefined) file.email = maskSecretValues(printableEmail(config.email, SECRET_MASK), secrets);
  if (config.slack !== undefined) file.slack = toSlackEntry(config.slack);
  if (config.alertmanager !== undefined) file.alertmanager = maskSecretValues(toAlertmanagerEntry(config.alertmanager), secrets);
  file.server = {
    listen: formatListenAddress(config.server.listen),
    ...(config.server.token === undefined ? {} : { token: SECRET_MASK }),
    // The names are the audit trail's authors, not secrets; the tokens are.
    ...(config.server.apiTokens === undefined ? {} : { api_tokens: Object.fromEntries(Object.keys(config.server.apiTokens).map((name) => [name, SECRET_MASK])) }),
    reports_dir: config.server.reportsDir,
    metrics_groups: config.server.metricsGroups,
  };
  // Replicas share a PostgreSQL ledger only; a SQLite ledger's one process always leads.
  if (parseDatabaseLocation(config.databasePath).engine === 'postgres') {
    (file.server as Record<string, unknown>).slo_metrics = config.server.sloMetrics;
    file.cluster = { lease_time: formatDuration(config.cluster.leaseTimeMs), claim_batch: config.cluster.claimBatch };
  }
  file.schedule = { tick: config.schedule.tickCron, monthly_report: config.schedule.monthlyReportCron, catch_up: formatDuration(config.schedule.catchUpMs) };
  file.alerting = toAlertingEntry(config.alerting);
  file.slos = config.slos.map(toSloEntry);
  if (config.corrections.length > 0) file.corrections = config.corrections.map(toCorrectionEntry);
  const doc = new Document(file);
  doc.commentBefore = ` Effective slo-ledger configuration (from ${config.source}); secrets shown as ${SECRET_MASK}.`;
  return doc.toString({ lineWidth: 0 });
}
