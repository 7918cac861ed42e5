import { parseDuration } from '../domain/duration.js';
import type { QueryOriginsBySlo } from '../domain/query-origin.js';
import type { SloDefinition } from '../domain/slo.js';
import { toAlertingConfig, toSlackConfig, type AlertingConfig, type SlackConfig } from './alerting-config.js';
import { alertmanagerSecrets, toAlertmanagerConfig, type AlertmanagerConfig } from './alertmanager-config.js';
import { DEFAULT_SLOS } from './defaults.js';
import { emailSecrets, toEmailConfig, toScheduleConfig, type EmailConfig, type ScheduleConfig } from './email-schedule.js';
import { parseListenAddress, type ListenAddress } from './listen-address.js';
import type { Correction } from '../domain/correction.js';
import { toCorrection } from './corrections-config.js';
import type { ConfigFile } from './schema.js';
import { isSecretHeader, urlPasswords } from './secrets.js';
import { toSloDefinition } from './slo-codec.js';

/** Where and how to reach Prometheus (or Thanos, Mimir, VictoriaMetrics). */
export interface PrometheusConfig {
  url: string;
  /** Extra request headers; empty when none are configured. */
  headers: Record<string, string>;
  bearerToken?: string;
  basicAuth?: { username: string; password: string };
  timeoutMs: number;
  /**
   * An empty answer for a bucket younger than this is not believed (a restarted Prometheus, a
   * Thanos store not yet synced): the bucket is fetched again at each sync until it is this old.
   */
  settleMs: number;
}

/** The HTTP server of `serve`. */
export interface ServerConfig {
  listen: ListenAddress;
  /** Bearer token every endpoint but /healthz and /readyz requires; absent: no authentication. */
  token?: string;
  /**
   * Token name → token: the bearer tokens that may add and delete corrections through the HTTP API
   * (each also allows reads); the name is the author in the audit trail. Absent: writes are disabled.
   */
  apiTokens?: Readonly<Record<string, string>>;
  /** Where the monthly reports are read from (reports/YYYY-MM/report.{html,pdf,json}). */
  reportsDir: string;
  /** Whether /metrics has one sample per group of a grouped SLO besides the SLO's own (default true). */
  metricsGroups: boolean;
  /** Which replicas export the SLO gauges: `all` (default; every replica reads the same ledger) or `leader`. */
  sloMetrics: 'all' | 'leader';
}

/** Several `serve` replicas on one PostgreSQL ledger (unused with SQLite, whose one process leads). */
export interface ClusterConfig {
  /** How long the leader's lease lasts unless renewed; it is renewed every third of it. */
  leaseTimeMs: number;
  /** SLOs a replica claims for sync at a time. */
  claimBatch: number;
}

/** The validated, converted configuration the program runs with: ratios, milliseconds, camelCase. */
export interface AppConfig {
  /** The config file path, or "built-in defaults". */
  source: string;
  prometheus: PrometheusConfig;
  /**
   * The ledger database as written: a SQLite file path (relative to the working directory), or
   * `sqlite:PATH`, or a `postgres://` URL (see `parseDatabaseLocation`).
   */
  databasePath: string;
  /** IANA zone for calendar months. */
  timeZone: string;
  retentionMs: number;
  slos: SloDefinition[];
  /** Where each SLO's queries are written, by SLO name, so a refused query is named at FILE:LINE:COL; none for built-in SLOs. */
  queryOrigins?: QueryOriginsBySlo;
  /** The monthly report mail; absent: reports are written but not mailed. */
  email?: EmailConfig;
  slack?: SlackConfig;
  /** Burn-rate and no-data alerts to Alertmanager; absent: not used. Slack may be configured beside it. */
  alertmanager?: AlertmanagerConfig;
  server: ServerConfig;
  cluster: ClusterConfig;
  /** When `serve` ticks and when monthly reports fall due. */
  schedule: ScheduleConfig;
  alerting: AlertingConfig;
  /** The monthly report's incident rule: a burn rate over 1h above this factor (default 6). */
  report: { incidentFactor: number };
  /** Periods taken out of the error budget (the config's; run-time ones live in the ledger). */
  corrections: Correction[];
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
      settleMs: parseDuration(prometheus.settle_time),
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
      metricsGroups: file.server.metrics_groups,
      sloMetrics: file.server.slo_metrics,
      ...(file.server.token === undefined ? {} : { token: file.server.token }),
      ...(file.server.api_tokens === undefined ? {} : { apiTokens: { ...file.server.api_tokens } }),
    },
    cluster: { leaseTimeMs: parseDuration(file.cluster.lease_time), claimBatch: file.cluster.claim_batch },
    alerting: toAlertingConfig(file.alerting),
    ...(file.slack === undefined ? {} : { slack: toSlackConfig(file.slack) }),
    ...(file.alertmanager === undefined ? {} : { alertmanager: toAlertmanagerConfig(file.alertmanager) }),
    schedule: toScheduleConfig(file.schedule),
    report: { incidentFactor: file.report.incident_factor },
    corrections: file.corrections.map((entry, index) => toCorrection(entry, index, file.timezone)),
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
    ...urlPasswords(config.databasePath),
    ...Object.entries(prometheus.headers).filter(([name]) => isSecretHeader(name)).map(([, value]) => value),
    config.server.token,
    ...Object.values(config.server.apiTokens ?? {}),
    config.slack?.webhookUrl,
    ...alertmanagerSecrets(config.alertmanager),
    ...emailSecrets(config.email),
    ...envSecrets,
  ];
  return [...new Set(secrets.filter((s): s is string => s !== undefined && s !== ''))];
}
