import type { Command } from 'commander';
import { describeNoSeries, type SyncProgress, type SyncResult } from '../app/sync-ledger.js';
import { loadConfig, type AppConfig } from '../config/load-config.js';
import { urlPasswords } from '../config/secrets.js';
import { redactSecrets, UsageError } from '../errors.js';
import { parseDatabaseLocation } from '../config/database-location.js';
import { openAdapters, type OpenAdapters } from '../runtime/open-adapters.js';

/** The options every command takes. */
export interface GlobalOptions {
  config?: string;
  prometheus?: string;
  db?: string;
}

/** What the commands share: the loaded config's secrets, so the top-level handler can strip them from any error. */
export interface CommandContext {
  /** Loads the config the global options name, with --prometheus and --db applied. */
  loadConfig(overrides?: { config?: string }): AppConfig;
  /** Every secret of the configs loaded so far. */
  secrets(): readonly string[];
}

/** The context of one run of the program, reading the global options of `program`. */
export function createCommandContext(program: Command): CommandContext {
  let knownSecrets: string[] = [];
  return {
    loadConfig(overrides = {}) {
      const options = { ...program.opts<GlobalOptions>(), ...overrides };
      const config = loadConfig({ ...(options.config ? { file: options.config } : {}), env: process.env });
      knownSecrets = config.secrets;
      if (options.prometheus !== undefined) {
        if (!URL.canParse(options.prometheus) || !/^https?:$/.test(new URL(options.prometheus).protocol)) {
          throw new UsageError(`--prometheus: ${JSON.stringify(options.prometheus)} is not an http(s) URL`);
        }
        config.prometheus.url = options.prometheus;
        // A password in the URL given on the command line is as secret as one in the config.
        config.secrets = [...new Set([...config.secrets, ...urlPasswords(options.prometheus)])];
        knownSecrets = config.secrets;
      }
      if (options.db !== undefined) {
        try {
          parseDatabaseLocation(options.db);
        } catch (error) {
          throw new UsageError(`--db: ${JSON.stringify(redactSecrets(options.db, urlPasswords(options.db)))} ${(error as Error).message}`);
        }
        config.databasePath = options.db;
        config.secrets = [...new Set([...config.secrets, ...urlPasswords(options.db)])];
        knownSecrets = config.secrets;
      }
      return config;
    },
    secrets: () => knownSecrets,
  };
}

/** Opens the adapters `config` sets up, runs `work` with them, and always closes them. */
export async function withAdapters<T>(config: AppConfig, work: (adapters: OpenAdapters) => Promise<T> | T): Promise<T> {
  const adapters = openAdapters(config);
  try {
    return await work(adapters);
  } finally {
    await adapters.close();
  }
}

/** A backfill's progress on a terminal's stderr; undefined when stderr is not a terminal. */
export function progressPrinter(): ((p: SyncProgress) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (p) => {
    if (p.totalBuckets < 288) return;
    process.stderr.write(`\rbackfilling ${p.slo}: ${p.doneBuckets}/${p.totalBuckets} buckets`);
    if (p.doneBuckets >= p.totalBuckets) process.stderr.write('\n');
  };
}

/** Sync options with the progress printer, when there is a terminal to print on. */
export function withProgress(): { onProgress?: (p: SyncProgress) => void } {
  const onProgress = progressPrinter();
  return onProgress ? { onProgress } : {};
}

/** Prints each SLO whose sync failed to stderr; returns true when any did. */
export function reportSyncErrors(sync: SyncResult | undefined): boolean {
  const failed = sync?.slos.filter((s) => s.error !== undefined) ?? [];
  for (const s of failed) process.stderr.write(`slo-ledger: sync of ${s.slo} failed: ${s.error}\n`);
  // Not a failure (Prometheus answered), but the SLO's figures are unknown: said on every sync.
  for (const s of sync?.slos ?? []) if (s.noSeries !== undefined) process.stderr.write(`slo-ledger: warning: ${s.slo}: ${describeNoSeries(s.noSeries)}\n`);
  return failed.length > 0;
}
