import { correctedBuckets, liveCorrections } from '../app/corrected-buckets.js';
import type { Adapters, DeliverySenders } from '../app/ports.js';
import type { AppConfig } from '../config/app-config.js';
import { systemClock, type Clock } from '../domain/clock.js';
import { parseDatabaseLocation, type DatabaseLocation } from '../config/database-location.js';
import type { LedgerStores } from '../ledger/ledger-stores.js';
import { openLedger, type OpenLedgerOptions } from '../ledger/open-ledger.js';
import { openPostgresLedger, type PostgresLedger } from '../ledger/postgres/open-postgres-ledger.js';
import { EmailSender } from '../notify/email.js';
import { createWebhookSender } from '../notify/webhook-sender.js';
import { PrometheusClient } from '../prometheus/prometheus-client.js';
import { PrometheusMetricsSource } from '../prometheus/metrics-source.js';

/** The real adapters, open: `close` releases the database. */
export interface OpenAdapters extends Adapters {
  /** The same ledger, when it is in PostgreSQL: its pool, for the leader lease and the sync claims. */
  postgres?: PostgresLedger;
  close(): Promise<void>;
}

/** Opens the ledger (a SQLite one with `sqlite`'s options) and builds the Prometheus metrics source from the config: the one place they are built. */
export function openAdapters(config: AppConfig, clock: Clock = systemClock, sqlite: OpenLedgerOptions = {}): OpenAdapters {
  const { ledger, postgres } = openLedgerAt(parseDatabaseLocation(config.databasePath), sqlite);
  const client = prometheusClient(config);
  // The config's corrections and those added at run time (the CLI or the HTTP API, by any process),
  // read again whenever the store changed.
  const figures = correctedBuckets(ledger.buckets, liveCorrections(config.corrections, ledger.corrections), config.timeZone);
  const source = new PrometheusMetricsSource(client, { secrets: config.secrets, ...(config.queryOrigins === undefined ? {} : { queryOrigins: config.queryOrigins }) });
  return { config, ledger, figures, source, clock, ...(postgres ? { postgres } : {}), close: () => ledger.close() };
}

/** The ledger at `location`; `postgres` is the same ledger when it is in PostgreSQL. */
function openLedgerAt(location: DatabaseLocation, sqlite: OpenLedgerOptions): { ledger: LedgerStores; postgres?: PostgresLedger } {
  if (location.engine === 'sqlite') return { ledger: openLedger(location.path, sqlite) };
  const postgres = openPostgresLedger(location.url);
  return { ledger: postgres, postgres };
}

/** The Prometheus client the config sets up (URL, headers, credentials, timeout; its secrets masked in errors). */
export function prometheusClient(config: AppConfig): PrometheusClient {
  return new PrometheusClient({
    url: config.prometheus.url,
    headers: config.prometheus.headers,
    timeoutMs: config.prometheus.timeoutMs,
    secrets: config.secrets,
    ...(config.prometheus.bearerToken ? { bearerToken: config.prometheus.bearerToken } : {}),
    ...(config.prometheus.basicAuth ? { basicAuth: config.prometheus.basicAuth } : {}),
  });
}

/** Builds the delivery senders from the config: `email` from the email section, `slack` or `webhook` (by `slack.format`) from the slack section. */
export function buildSenders(config: AppConfig): DeliverySenders {
  const senders: DeliverySenders = {};
  if (config.email !== undefined) senders.email = new EmailSender({ config: config.email, secrets: config.secrets });
  if (config.slack !== undefined) {
    const json = config.slack.format === 'json';
    senders[json ? 'webhook' : 'slack'] = createWebhookSender({
      url: config.slack.webhookUrl, name: json ? 'JSON webhook' : 'Slack webhook', timeoutMs: config.slack.timeoutMs, secrets: config.secrets,
    });
  }
  const am = config.alertmanager;
  if (am !== undefined) {
    const auth: Record<string, string> = am.bearerToken !== undefined
      ? { authorization: `Bearer ${am.bearerToken}` }
      : am.basicAuth !== undefined ? { authorization: `Basic ${Buffer.from(`${am.basicAuth.username}:${am.basicAuth.password}`).toString('base64')}` } : {};
    senders.alertmanager = createWebhookSender({
      url: `${am.url.replace(/\/+$/, '')}/api/v2/alerts`, name: 'Alertmanager', timeoutMs: am.timeoutMs, secrets: config.secrets, headers: { ...am.headers, ...auth },
    });
  }
  return senders;
}
