import { createAlertStateProvider } from '../app/alert-state-provider.js';
import { WindowSumsMemo } from '../app/window-sums-memo.js';
import type { AppConfig } from '../config/app-config.js';
import { formatListenAddress, isLoopbackHost } from '../config/listen-address.js';
import { fixedClock, systemClock, type Clock } from '../domain/clock.js';
import { SloLedgerError } from '../errors.js';
import { createLogger, type Logger } from '../logging.js';
import type { DeliveryStep } from '../notify/outbox-delivery.js';
import { buildHttpServer } from '../server/http-server.js';
import type { AlertStateProvider } from '../server/ports.js';
import { watchLedgerRevision } from './ledger-revision.js';
import { buildSenders, openAdapters } from './open-adapters.js';
import { Scheduler } from './scheduler.js';
import { SyncHealth } from './sync-health.js';
import { createTickJob } from './tick-job.js';
import { parseDatabaseLocation } from '../config/database-location.js';
import { replicaIdentity } from './leadership.js';
import { startReplication } from './replication.js';

/** Options of {@link runServer}. */
export interface RunServerOptions {
  config: AppConfig;
  /** Pins the evaluation clock to this instant (`serve --at`); default: real time. */
  atMs?: number;
  logger?: Logger;
  /** Alert states for the status page and /metrics; default: the burn-rate decisions read from the ledger. */
  alerts?: AlertStateProvider;
  /** Deliveries waiting in the outbox, for /metrics; default: the outbox's pending count. */
  outboxBacklog?: () => Promise<number>;
  /** Time a shutdown waits for a sync in progress before closing the database anyway. */
  shutdownGraceMs?: number;
  /** TEST ONLY hooks (see commands/test-halt.ts). */
  onReportQueued?: () => void;
  onDeliveryStep?: (step: DeliveryStep) => void;
}

/**
 * `slo-ledger serve`: opens the ledger, starts the HTTP server and the tick (ledger sync, alerts, due
 * monthly report, outbox delivery; `schedule.tick`, default every minute), and
 * on SIGTERM/SIGINT stops scheduling, lets the write in progress finish, closes the server and the
 * database, then resolves (the process exits 0). A second signal exits at once with 130.
 */
export async function runServer(options: RunServerOptions): Promise<void> {
  const { config } = options;
  const location = parseDatabaseLocation(config.databasePath);
  const identity = replicaIdentity();
  const baseLogger = options.logger ?? createLogger({ secrets: config.secrets });
  // Replicas share a PostgreSQL ledger; their log lines say which one wrote them.
  const logger = location.engine === 'postgres' ? baseLogger.child({ replica: identity.name }) : baseLogger;
  const log = logger.child({ component: 'serve' });
  const evaluationClock: Clock = options.atMs === undefined ? systemClock : fixedClock(options.atMs);
  const stopSignal = waitForStopSignal(log);
  // Its bucket reads run on two read threads: the event loop answers requests while a window is summed.
  const adapters = openAdapters(config, systemClock, { readThreads: 2 });
  const stopping = new AbortController();
  let scheduler: Scheduler | undefined;
  const replication = await startReplication({
    config, adapters, identity, log: logger, signal: stopping.signal,
    // An SLO one replica synced this tick is passed over by the others until about half a tick later.
    restMs: () => Math.max(0, ((scheduler?.nextRun('tick')?.getTime() ?? Date.now()) - Date.now()) / 2),
  });
  const health = new SyncHealth();
  // The server keeps what it computed until the ledger changes; the window sums are read once per change.
  // A SQLite file tells every commit by its data_version; a PostgreSQL ledger is read afresh per request.
  const watch = location.engine === 'sqlite' ? watchLedgerRevision(location.path) : undefined;
  const figures = watch === undefined ? adapters.figures : new WindowSumsMemo(adapters.figures, () => watch.revision());
  const app = buildHttpServer({
    config, buckets: figures, corrections: adapters.ledger.corrections, statements: adapters.ledger.statements, clock: evaluationClock, wallClock: systemClock, health, logger,
    alerts: options.alerts ?? createAlertStateProvider({ buckets: figures, slos: config.slos, alerting: config.alerting, timeZone: config.timeZone }),
    outboxBacklog: options.outboxBacklog ?? (() => adapters.ledger.outbox.backlog()),
    cluster: replication.view,
    ...(watch === undefined ? {} : { ledgerRevision: () => watch.revision() }),
  });
  const closeLedger = async () => {
    await replication.stop();
    watch?.close();
    await adapters.close();
  };
  const { host, port } = config.server.listen;
  try {
    await app.listen({ host, port });
  } catch (error) {
    await closeLedger();
    throw new SloLedgerError(`cannot listen on ${formatListenAddress(config.server.listen)}: ${(error as Error).message}`, { cause: error, exitCode: 1 });
  }
  const bound = app.server.address();
  const address = typeof bound === 'object' && bound !== null ? formatListenAddress({ host: bound.address, port: bound.port }) : String(bound);
  log.info({ address, evaluation: options.atMs === undefined ? 'now' : new Date(options.atMs).toISOString(), slos: config.slos.length, leading: replication.view.leading() }, `listening on http://${address}`);
  const warning = exposureWarning(config.server.listen.host, config.server.token !== undefined, address);
  if (warning !== undefined) {
    log.warn({ address }, warning);
    process.stderr.write(`slo-ledger: ${warning}\n`);
  }

  scheduler = new Scheduler({ logger: log, clock: systemClock, timeZone: config.timeZone });
  scheduler.add(createTickJob({
    adapters, senders: buildSenders(config), evaluationClock, health, logger, signal: stopping.signal,
    ...(replication.tick ? { replica: replication.tick } : {}),
    ...(options.onReportQueued ? { onReportQueued: options.onReportQueued } : {}),
    ...(options.onDeliveryStep ? { onDeliveryStep: options.onDeliveryStep } : {}),
  }));

  const signal = await stopSignal;
  stopping.abort();
  log.info({ signal }, 'shutting down: stopping the scheduler, finishing the write in progress');
  const finished = await scheduler.stop(options.shutdownGraceMs ?? 20_000);
  if (!finished) log.warn('a sync was still running at the end of the grace period; closing anyway (its buckets are fetched again next start)');
  await app.close();
  await closeLedger();
  log.info('stopped');
}

/** The warning for a server other machines can reach without a token; undefined when there is nothing to warn about. */
export function exposureWarning(host: string, hasToken: boolean, address: string): string | undefined {
  if (hasToken || isLoopbackHost(host)) return undefined;
  return (
    `WARNING: serving on ${address}, reachable from other machines, WITHOUT a bearer token: anyone who can reach it ` +
    'can read every SLO and report. Set server.token (e.g. token: ${SLO_LEDGER_TOKEN}) or bind to 127.0.0.1.'
  );
}

function waitForStopSignal(log: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) {
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      received = true;
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
