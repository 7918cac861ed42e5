import type { AppConfig } from '../config/load-config.js';
import { Ledger } from '../ledger/ledger.js';
import type { OutboxChannel } from '../ledger/outbox.js';
import { EmailSender } from '../notify/email.js';
import type { DeliverySender } from '../notify/outbox-delivery.js';
import { createWebhookSender } from '../notify/webhook-sender.js';
import { PrometheusClient } from '../prometheus/prometheus-client.js';
import { systemClock, type Clock, type MetricsSource } from './ports.js';

/** The real adapters a command runs with, built from the config in one place. */
export interface Services {
  config: AppConfig;
  ledger: Ledger;
  source: MetricsSource;
  clock: Clock;
  close(): void;
}

/** Opens the ledger and builds the Prometheus client; `close` releases the database. */
export function openServices(config: AppConfig, clock: Clock = systemClock): Services {
  const ledger = Ledger.open(config.databasePath);
  const source = new PrometheusClient({
    url: config.prometheus.url,
    headers: config.prometheus.headers,
    timeoutMs: config.prometheus.timeoutMs,
    secrets: config.secrets,
    ...(config.prometheus.bearerToken ? { bearerToken: config.prometheus.bearerToken } : {}),
    ...(config.prometheus.basicAuth ? { basicAuth: config.prometheus.basicAuth } : {}),
  });
  return { config, ledger, source, clock, close: () => ledger.close() };
}

/** One sender per delivery channel the config sets up; a channel without one keeps its deliveries pending. */
export type DeliverySenders = Partial<Record<OutboxChannel, DeliverySender>>;

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
  return senders;
}
