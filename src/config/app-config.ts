import { DEFAULT_ALERT_POLICY, type AlertPolicySpec } from '../domain/alert-policy.js';
import { parseDuration } from '../domain/duration.js';
import type { SliDefinition, SloDefinition } from '../domain/slo.js';
import { DEFAULT_SLOS } from './defaults.js';
import { emailSecrets, toEmailConfig, toScheduleConfig, type EmailConfig, type ScheduleConfig } from './email-schedule.js';
import { parseListenAddress, type ListenAddress } from './listen-address.js';
import type { AlertingEntry, ConfigFile, SlackEntry, SloEntry } from './schema.js';
import { isSecretHeader } from './secrets.js';

/** Where and how to reach Prometheus (or Thanos, Mimir, VictoriaMetrics). */
export interface PrometheusConfig {
  url: string;
  /** Extra request headers; empty when none are configured. */
  headers: Record<string, string>;
  bearerToken?: string;
  basicAuth?: { username: string; password: string };
  timeoutMs: number;
}

/** The HTTP server of `serve` (issue 7). */
export interface ServerConfig {
  listen: ListenAddress;
  /** Bearer token every endpoint but /healthz and /readyz requires; absent: no authentication. */
  token?: string;
  /** Where the monthly reports are read from (reports/YYYY-MM/report.{html,pdf,json}). */
  reportsDir: string;
}

/** Burn-rate alerting (issue 6): the policy as data and the timing of notifications. */
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

/** The validated, converted configuration the program runs with: ratios, milliseconds, camelCase. */
export interface AppConfig {
  /** The config file path, or "built-in defaults". */
  source: string;
  prometheus: PrometheusConfig;
  /** SQLite file path as written (relative paths are relative to the process's working directory). */
  databasePath: string;
  /** IANA zone for calendar months. */
  timeZone: string;
  retentionMs: number;
  slos: SloDefinition[];
  /** The monthly report mail (issue 5); absent: reports are written but not mailed. */
  email?: EmailConfig;
  slack?: SlackConfig;
  server: ServerConfig;
  /** When `serve` ticks and when monthly reports fall due (issue 5). */
  schedule: ScheduleConfig;
  alerting: AlertingConfig;
  /** The monthly report's incident rule: a burn rate over 1h above this factor (default 6). */
  report: { incidentFactor: number };
  /** Every secret value in this config, for `redactSecrets` before anything is logged or shown. */
  secrets: string[];
}

/** Converts a validated config file into the program's form; `envSecrets` are values to redact too. */
export function toAppConfig(file: ConfigFile, source: string, envSecrets: readonly string[]): AppConfig {
  const { prometheus } = file;
  const config: AppConfig = {
    source,
    prometheus: {
      url: prometheus.url,
      headers: { ...prometheus.headers },
      timeoutMs: parseDuration(prometheus.timeout),
      ...(prometheus.bearer_token === undefined ? {} : { bearerToken: prometheus.bearer_token }),
      ...(prometheus.basic_auth === undefined ? {} : { basicAuth: { ...prometheus.basic_auth } }),
    },
    databasePath: file.database,
    timeZone: file.timezone,
    retentionMs: parseDuration(file.retention),
    slos: file.slos === undefined ? DEFAULT_SLOS.map((slo) => structuredClone(slo)) : file.slos.map(toSloDefinition),
    server: {
      listen: parseListenAddress(file.server.listen),
      reportsDir: file.server.reports_dir,
      ...(file.server.token === undefined ? {} : { token: file.server.token }),
    },
    alerting: toAlertingConfig(file.alerting),
    ...(file.slack === undefined ? {} : { slack: toSlackConfig(file.slack) }),
    schedule: toScheduleConfig(file.schedule),
    report: { incidentFactor: file.report.incident_factor },
    secrets: [],
  };
  if (file.email !== undefined) config.email = toEmailConfig(file.email);
  config.secrets = collectSecrets(config, envSecrets);
  return config;
}

function collectSecrets(config: AppConfig, envSecrets: readonly string[]): string[] {
  const { prometheus } = config;
  const secrets = [
    prometheus.bearerToken,
    prometheus.basicAuth?.password,
    ...urlPasswords(prometheus.url),
    ...Object.entries(prometheus.headers).filter(([name]) => isSecretHeader(name)).map(([, value]) => value),
    config.server.token,
    config.slack?.webhookUrl,
    ...emailSecrets(config.email),
    ...envSecrets,
  ];
  return [...new Set(secrets.filter((s): s is string => s !== undefined && s !== ''))];
}

/** A password in the URL's user-info (`https://user:pass@host`), as written and decoded. */
function urlPasswords(url: string): string[] {
  const password = URL.canParse(url) ? new URL(url).password : '';
  if (password === '') return [];
  try {
    return [password, decodeURIComponent(password)];
  } catch {
    return [password];
  }
}

function toAlertingConfig(entry: AlertingEntry): AlertingConfig {
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

function toSlackConfig(entry: SlackEntry): SlackConfig {
  return {
    // The schema refuses a slack section without a URL (from the file or SLACK_WEBHOOK_URL).
    webhookUrl: entry.webhook_url!,
    format: entry.format,
    timeoutMs: parseDuration(entry.timeout),
    ...(entry.channel === undefined ? {} : { channel: entry.channel }),
  };
}

function toSloDefinition(entry: SloEntry): SloDefinition {
  return {
    name: entry.name,
    service: entry.service,
    description: entry.description,
    objectiveRatio: percentToRatio(entry.objective),
    windowMs: parseDuration(entry.window),
    ...(entry.tiers === undefined
      ? {}
      : { tiers: { criticalRatio: percentToRatio(entry.tiers.critical), warningRatio: percentToRatio(entry.tiers.warning) } }),
    sli: toSliDefinition(entry.sli),
  };
}

function toSliDefinition(sli: SloEntry['sli']): SliDefinition {
  if (sli.latency !== undefined) {
    const { histogram, selector, threshold, quantile } = sli.latency;
    return { kind: 'latency', histogram, selector, thresholdSeconds: threshold, quantile };
  }
  // The schema guarantees exactly one kind.
  const events = sli.events!;
  return {
    kind: 'events',
    ...(events.good_query === undefined ? {} : { goodQuery: events.good_query }),
    ...(events.bad_query === undefined ? {} : { badQuery: events.bad_query }),
    totalQuery: events.total_query,
  };
}

/** Config percent (99.9) to ratio (0.999). Rounded so 99.9 → 0.999 exactly as the literal would be. */
export function percentToRatio(percent: number): number {
  return Number((percent / 100).toPrecision(15));
}

/** Ratio (0.999) back to config percent (99.9), without float noise like 99.90000000000001. */
export function ratioToPercent(ratio: number): number {
  return Number((ratio * 100).toPrecision(15));
}
