import type { AppConfig } from '../config/load-config.js';
import { Ledger } from '../ledger/ledger.js';
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
