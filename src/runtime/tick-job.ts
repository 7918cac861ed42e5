import type { Adapters, DeliverySenders } from '../app/ports.js';
import type { SyncResult } from '../app/sync-ledger.js';
import { runTick, type EvaluateAlertsStep, type LeaderScope } from '../app/tick.js';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../logging.js';
import type { DeliveryStep } from '../notify/outbox-delivery.js';
import type { ScheduledJob } from './scheduler.js';
import type { SyncHealth } from './sync-health.js';
import { createSyncJob } from './sync-job.js';

/** Options of {@link createTickJob}. */
export interface TickJobOptions {
  adapters: Adapters;
  senders: DeliverySenders;
  /** The evaluation clock (fixed under `serve --at`): the instant each tick syncs to and checks for due reports. */
  evaluationClock: Clock;
  health: SyncHealth;
  logger: Logger;
  /** The alerts step; default: evaluate and queue notifications (see app/alerts-step.ts). */
  evaluateAlerts?: EvaluateAlertsStep;
  /** Aborted on shutdown: the tick finishes the step (and the delivery) in progress and starts no other. */
  signal?: AbortSignal;
  /** Default 4 minutes. */
  timeoutMs?: number;
  /** Replicas on one ledger: how this one syncs (its claimed share) and whether it leads (see `TickOptions.leader`). */
  replica?: { syncSlos: (atMs: number) => Promise<SyncResult>; leader: () => LeaderScope | undefined };
  /** TEST ONLY hooks (see commands/test-halt.ts). */
  onReportQueued?: () => void;
  onDeliveryStep?: (step: DeliveryStep) => void;
}

/**
 * The scheduled tick of `serve` (`schedule.tick`, default every minute, and once at start): the
 * ledger sync job's run (logs, health for /readyz), then the rest of {@link runTick}. A tick with a
 * failed step is reported to the scheduler as failed (logged and counted), after all steps ran.
 */
export function createTickJob(options: TickJobOptions): ScheduledJob {
  const { adapters, logger } = options;
  const sync = createSyncJob({
    adapters, evaluationClock: options.evaluationClock, health: options.health, logger,
    ...(options.replica ? { syncSlos: options.replica.syncSlos } : {}),
  });
  const log = logger.child({ component: 'tick' });
  return {
    name: 'tick',
    cron: adapters.config.schedule.tickCron,
    timeoutMs: options.timeoutMs ?? 4 * 60_000,
    runOnStart: true,
    run: async () => {
      const result = await runTick({
        adapters, senders: options.senders, atMs: options.evaluationClock.nowMs(), dryRun: false, log,
        sync: () => sync.run(),
        ...(options.evaluateAlerts ? { evaluateAlerts: options.evaluateAlerts } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.replica ? { leader: options.replica.leader } : {}),
        ...(options.onReportQueued ? { onReportQueued: options.onReportQueued } : {}),
        ...(options.onDeliveryStep ? { onDeliveryStep: options.onDeliveryStep } : {}),
      });
      if (!result.led) log.debug({ job: 'tick' }, 'another replica leads: this tick only synced');
      if (result.errors.length > 0) throw new Error(result.errors.map((e) => `${e.step}: ${e.error}`).join('; '));
    },
  };
}
