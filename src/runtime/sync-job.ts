import type { Adapters } from '../app/ports.js';
import { syncAllSlos } from '../app/sync-all-slos.js';
import type { SyncResult } from '../app/sync-ledger.js';
import type { Clock } from '../domain/clock.js';
import { redactSecrets } from '../errors.js';
import type { Logger } from '../logging.js';
import type { ScheduledJob } from './scheduler.js';
import type { SyncHealth } from './sync-health.js';

/** Options of {@link createSyncJob}. */
export interface SyncJobOptions {
  adapters: Adapters;
  /** The evaluation clock: the instant the ledger is brought up to (fixed under `serve --at`). */
  evaluationClock: Clock;
  health: SyncHealth;
  logger: Logger;
  /** Default: every minute. */
  cron?: string;
  /** Default: 4 minutes (a first backfill of 35 days takes seconds against a local Prometheus). */
  timeoutMs?: number;
  /** How the SLOs are synced; default every SLO by this process (`syncAllSlos`). Replicas pass their claimed sync. */
  syncSlos?: (atMs: number) => Promise<SyncResult>;
}

/**
 * The scheduled ledger sync of `serve`: brings every SLO up to the evaluation instant, logs each
 * SLO's outcome, and records the run in `health` (one SLO's failure is reported, never thrown).
 */
export function createSyncJob(options: SyncJobOptions): ScheduledJob {
  const { adapters, health, logger } = options;
  const log = logger.child({ component: 'sync' });
  const secrets = adapters.config.secrets;
  return {
    name: 'sync',
    cron: options.cron ?? '* * * * *',
    timeoutMs: options.timeoutMs ?? 4 * 60_000,
    runOnStart: true,
    run: async () => {
      const started = adapters.clock.nowMs();
      try {
        const atMs = options.evaluationClock.nowMs();
        const result = await (options.syncSlos ? options.syncSlos(atMs) : syncAllSlos(adapters, atMs));
        const failures = result.slos
          .filter((s) => s.error !== undefined)
          .map((s) => ({ slo: s.slo, error: redactSecrets(s.error!, secrets) }));
        for (const s of result.slos) {
          const fields = { job: 'sync', slo: s.slo, fetched_buckets: s.fetchedBuckets, missing_buckets: s.missingBuckets, reconciled_gaps: s.reconciledGaps };
          if (s.error === undefined) log.debug(fields, 'slo synced');
          else log.error({ ...fields, error: redactSecrets(s.error, secrets) }, 'slo sync failed');
        }
        const noSeries = result.slos.flatMap((s) => (s.noSeries === undefined ? [] : [{ slo: s.slo, ...s.noSeries }]));
        for (const s of noSeries) log.warn({ job: 'sync', slo: s.slo, from: new Date(s.fromMs).toISOString(), to: new Date(s.toMs).toISOString() }, 'slo queries match no series');
        const durationMs = adapters.clock.nowMs() - started;
        log.info({ job: 'sync', duration_ms: durationMs, synced_to: new Date(result.atMs).toISOString(), synced_slos: result.slos.length, failed_slos: failures.length }, 'ledger synced');
        health.record({ endedAtMs: adapters.clock.nowMs(), durationMs, ok: failures.length === 0, failures, noSeries });
      } catch (error) {
        const message = redactSecrets(error instanceof Error ? error.message : String(error), secrets);
        health.record({ endedAtMs: adapters.clock.nowMs(), durationMs: adapters.clock.nowMs() - started, ok: false, failures: [], error: message });
        throw new Error(message, { cause: error });
      }
    },
  };
}
