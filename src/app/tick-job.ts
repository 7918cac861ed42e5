import type { Logger } from '../logging.js';
import type { DeliveryStep } from '../notify/outbox-delivery.js';
import type { DeliverySenders, Services } from './compose.js';
import type { Clock } from './ports.js';
import type { ScheduledJob } from './scheduler.js';
import type { SyncHealth } from './sync-health.js';
import { createSyncJob } from './sync-job.js';
import { runTick, type EvaluateAlertsStep } from './tick.js';

/** Options of {@link createTickJob}. */
export interface TickJobOptions {
  services: Services;
  senders: DeliverySenders;
  /** The evaluation clock (fixed under `serve --at`): the instant each tick syncs to and checks for due reports. */
  evaluationClock: Clock;
  health: SyncHealth;
  logger: Logger;
  /** Issue 6: the alerts step. */
  evaluateAlerts?: EvaluateAlertsStep;
  /** Aborted on shutdown: the tick finishes the step (and the delivery) in progress and starts no other. */
  signal?: AbortSignal;
  /** Default 4 minutes. */
  timeoutMs?: number;
  /** TEST ONLY hooks (see `test-halt.ts`). */
  onReportQueued?: () => void;
  onDeliveryStep?: (step: DeliveryStep) => void;
}

/**
 * The scheduled tick of `serve` (`schedule.tick`, default every minute, and once at start): the
 * ledger sync job's run (logs, health for /readyz), then the rest of {@link runTick}. A tick with a
 * failed step is reported to the scheduler as failed (logged and counted), after all steps ran.
 */
export function createTickJob(options: TickJobOptions): ScheduledJob {
  const { services, logger } = options;
  const sync = createSyncJob({ services, evaluationClock: options.evaluationClock, health: options.health, logger });
  const log = logger.child({ component: 'tick' });
  return {
    name: 'tick',
    cron: services.config.schedule.tickCron,
    timeoutMs: options.timeoutMs ?? 4 * 60_000,
    runOnStart: true,
    run: async () => {
      const result = await runTick({
        services, senders: options.senders, atMs: options.evaluationClock.nowMs(), dryRun: false, log,
        sync: () => sync.run(),
        ...(options.evaluateAlerts ? { evaluateAlerts: options.evaluateAlerts } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onReportQueued ? { onReportQueued: options.onReportQueued } : {}),
        ...(options.onDeliveryStep ? { onDeliveryStep: options.onDeliveryStep } : {}),
      });
      if (result.errors.length > 0) throw new Error(result.errors.map((e) => `${e.step}: ${e.error}`).join('; '));
    },
  };
}
