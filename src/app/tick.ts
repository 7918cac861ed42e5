import type { LedgerStores } from '../ledger/ledger-stores.js';
import { redactSecrets } from '../errors.js';
import type { Logger } from '../logging.js';
import { deliverOutbox, type DeliveryRound, type DeliveryStep } from '../notify/outbox-delivery.js';
import type { Clock } from '../domain/clock.js';
import { createAlertsStep } from './alerts-step.js';
import { checkMonthlyReport, type MonthlyCheck } from './monthly-job.js';
import type { Adapters, DeliverySenders } from './ports.js';
import { syncAllSlos } from './sync-all-slos.js';
import { describeNoSeries } from './sync-ledger.js';

/**
 * The alerts step of a tick: evaluates burn-rate alerts at `atMs` and queues their notifications
 * in the outbox, which the tick's last step delivers. With `dryRun` it must not change alert
 * state or queue anything.
 */
export type EvaluateAlertsStep = (atMs: number, dryRun: boolean) => Promise<void>;

/**
 * The singleton duties' view of the ledger in one tick: the ledger they write through (the
 * leader's writes checked against its lease), a signal aborted when leadership ends, and a check
 * run right before each delivery is sent.
 */
export interface LeaderScope {
  ledger: LedgerStores;
  signal?: AbortSignal;
  /** Throws when this process may no longer act as the leader. */
  check(): void;
  /**
   * SLOs another replica is syncing right now: their alerts wait for the next tick, since an SLO
   * evaluated half-synced would be judged on buckets not yet written.
   */
  syncing?: () => Promise<ReadonlySet<string>>;
}

/** Options of {@link runTick}. */
export interface TickOptions {
  adapters: Adapters;
  senders: DeliverySenders;
  /** The evaluation instant: the ledger is synced up to it, and reports due at it are produced. */
  atMs: number;
  /** Sync only; report what is due but produce nothing, and deliver nothing. */
  dryRun: boolean;
  log: Logger;
  /** Wall clock of the outbox and of "generated"; default the adapters' clock. */
  clock?: Clock;
  /** Step 1, default: `syncAllSlos` up to `atMs`. `serve` passes its sync job (which also records health). */
  sync?: (atMs: number) => Promise<void>;
  /** Step 2: burn-rate alerts; default: `createAlertsStep` (evaluate, queue notifications). */
  evaluateAlerts?: EvaluateAlertsStep;
  /** Stops the tick between steps and between deliveries (shutdown): what is in progress finishes its write. */
  signal?: AbortSignal;
  /**
   * Several replicas on one ledger: asked after the sync, it gives the scope the singleton duties
   * (alerts, the monthly report, delivery) run in, or undefined when this replica does not lead
   * (they are skipped). Absent: this process alone does them, with the ledger as it is.
   */
  leader?: () => LeaderScope | undefined;
  /** TEST ONLY hooks (see commands/test-halt.ts). */
  onReportQueued?: () => void;
  onDeliveryStep?: (step: DeliveryStep) => void;
}

/** What one tick did; `errors` lists the steps that failed (each is also logged). */
export interface TickResult {
  /** False when another replica leads, so this tick only synced. */
  led: boolean;
  monthly?: MonthlyCheck;
  delivery?: DeliveryRound;
  errors: Array<{ step: string; error: string }>;
}

/**
 * One tick, the same for `serve` and `slo-ledger tick`: sync the ledger, evaluate alerts, produce
 * a monthly report that is due (or was due while the service was down), deliver the outbox.
 * A failing step is logged and recorded, and the next steps still run: a Prometheus outage must
 * not hold back mail already queued.
 */
export async function runTick(options: TickOptions): Promise<TickResult> {
  const { atMs, dryRun, log } = options;
  const clock = options.clock ?? options.adapters.clock;
  const result: TickResult = { led: true, errors: [] };
  let signal = options.signal;
  const step = async (name: string, work: () => Promise<void>): Promise<void> => {
    if (signal?.aborted) return;
    try {
      await work();
    } catch (error) {
      const message = redactSecrets(error instanceof Error ? error.message : String(error), options.adapters.config.secrets);
      log.error({ job: 'tick', step: name, error: message }, `tick step ${name} failed`);
      result.errors.push({ step: name, error: message });
    }
  };
  await step('sync', async () => {
    if (options.sync) return options.sync(atMs);
    const sync = await syncAllSlos(options.adapters, atMs);
    for (const s of sync.slos) if (s.noSeries !== undefined) log.warn({ job: 'tick', slo: s.slo }, `${s.slo}: ${describeNoSeries(s.noSeries)}`);
    const failed = sync.slos.filter((s) => s.error !== undefined);
    if (failed.length > 0) throw new Error(failed.map((s) => `sync of ${s.slo} failed: ${s.error}`).join('; '));
  });
  const scope = options.leader === undefined ? undefined : options.leader();
  if (options.leader !== undefined && scope === undefined) {
    result.led = false;
    return result;
  }
  const adapters = scope === undefined ? options.adapters : { ...options.adapters, ledger: scope.ledger };
  if (scope?.signal !== undefined) signal = signal === undefined ? scope.signal : AbortSignal.any([signal, scope.signal]);
  await step('alerts', async () => {
    const busy = scope?.syncing === undefined ? new Set<string>() : await scope.syncing();
    if (busy.size > 0) log.debug({ job: 'tick', slos: [...busy] }, 'alerts of SLOs another replica is syncing wait for the next tick');
    const settled = busy.size === 0 ? adapters : { ...adapters, config: { ...adapters.config, slos: adapters.config.slos.filter((slo) => !busy.has(slo.name)) } };
    const evaluateAlerts = options.evaluateAlerts ?? createAlertsStep({ adapters: settled, log, clock });
    await evaluateAlerts(atMs, dryRun);
  });
  await step('monthly-report', async () => {
    result.monthly = await checkMonthlyReport(
      { adapters, clock, log, ...(options.onReportQueued ? { onQueued: options.onReportQueued } : {}) },
      atMs,
      dryRun,
    );
  });
  if (!dryRun) {
    await step('deliver', async () => {
      result.delivery = await deliverOutbox({
        outbox: adapters.ledger.outbox, senders: options.senders, clock, log,
        ...(signal ? { signal } : {}),
        ...(scope ? { beforeSend: scope.check } : {}),
        ...(options.onDeliveryStep ? { onStep: options.onDeliveryStep } : {}),
      });
    });
  }
  return result;
}
