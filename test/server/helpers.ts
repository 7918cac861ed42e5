import { Writable } from 'node:stream';
import { SyncHealth } from '../../src/runtime/sync-health.js';
import type { AppConfig } from '../../src/config/load-config.js';
import { loadConfig } from '../../src/config/load-config.js';
import { BUCKET_MS } from '../../src/domain/duration.js';
import type { LedgerBucket } from '../../src/domain/bucket.js';
import type { LedgerStores } from '../../src/ledger/ledger-stores.js';
import { openLedger } from '../../src/ledger/open-ledger.js';
import { createLogger, type Logger } from '../../src/logging.js';
import type { HttpServerDeps } from '../../src/server/ports.js';

/** The evaluation instant of the in-memory scenarios. */
export const AT_MS = Date.parse('2026-11-01T00:00:00Z');

/**
 * A ledger with known counts for the built-in `api-availability` SLO (99.9 %): the 288 buckets of
 * the last 24 h before {@link AT_MS}, 1000 events each; the last 12 buckets (the last hour) hold
 * one bad event each. The other SLOs have no data. Ground truth:
 * - 1h: total 12 000, bad 12 → SLI 0.999, burn rate 1, budget remaining 0
 * - 24h: total 288 000, bad 12 → SLI 1 − 12/288 000, remaining 1 − 12/288, burn 12/288
 * - 7d and 30d: the same sums, coverage 288/2016 and 288/8640
 * Kept in memory unless `file` names an SQLite file (for a server and a CLI sharing it).
 */
export async function knownLedger(config: AppConfig, file = ':memory:'): Promise<LedgerStores> {
  const ledger = openLedger(file);
  const slo = config.slos.find((s) => s.name === 'api-availability')!;
  const seriesId = await ledger.buckets.ensureSeries(slo, AT_MS);
  const buckets: LedgerBucket[] = [];
  for (let i = 0; i < 288; i++) {
    const endMs = AT_MS - i * BUCKET_MS;
    buckets.push({ endMs, status: 'ok', good: i < 12 ? 999 : 1000, total: 1000 });
  }
  await ledger.buckets.writeBuckets(seriesId, buckets, AT_MS + 3_600_000);
  return ledger;
}

/** The built-in configuration with a reports folder and, optionally, a token. */
export function testConfig(options: { token?: string; reportsDir?: string } = {}): AppConfig {
  const config = loadConfig({ env: {} });
  if (options.token !== undefined) {
    config.server.token = options.token;
    config.secrets.push(options.token);
  }
  if (options.reportsDir !== undefined) config.server.reportsDir = options.reportsDir;
  return config;
}

/** A logger whose lines are collected in `lines` (JSON, not pretty). */
export function memoryLogger(secrets: readonly string[]): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter((l) => l !== ''));
      done();
    },
  });
  return { logger: createLogger({ secrets, destination, pretty: false, level: 'debug' }), lines };
}

/** Server dependencies over a ledger, evaluated at {@link AT_MS}. */
export function serverDeps(config: AppConfig, ledger: LedgerStores, logger: Logger): HttpServerDeps & { health: SyncHealth } {
  return { config, buckets: ledger.buckets, corrections: ledger.corrections, clock: { nowMs: () => AT_MS }, health: new SyncHealth(), logger };
}

/** Parses Prometheus text format into `name{labels}` → value (labels as written). */
export function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    samples.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return samples;
}
