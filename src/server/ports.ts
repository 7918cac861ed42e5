import type { SyncHealth } from '../app/sync-health.js';
import type { Clock } from '../app/ports.js';
import type { AppConfig } from '../config/load-config.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Logger } from '../logging.js';

/** An SLO's burn-rate alert state, as the alerting component (issue 6) decides it. */
export interface AlertState {
  state: 'firing' | 'inactive' | 'unknown';
  /** The most severe firing rule's severity; null when nothing fires. */
  severity: 'page' | 'ticket' | null;
}

/** Where the server reads alert states from; absent until burn-rate alerting exists ("n/a"). */
export interface AlertStateProvider {
  /** The alert state of every SLO it knows at `atMs`, by SLO name. */
  alertStates(atMs: number): ReadonlyMap<string, AlertState>;
}

/** Everything {@link buildHttpServer} needs; the server opens nothing itself. */
export interface HttpServerDeps {
  config: AppConfig;
  ledger: Ledger;
  /** The evaluation clock: "now" for the API, /metrics and the status page (fixed under `serve --at`). */
  clock: Clock;
  /** Real time, for readiness ages; defaults to the system clock. */
  wallClock?: Clock;
  health: SyncHealth;
  logger: Logger;
  alerts?: AlertStateProvider;
  /** Deliveries waiting in the outbox (issue 5); 0 until one exists. */
  outboxBacklog?: () => number;
  /** A sync older than this makes /readyz fail; default 5 minutes. */
  maxSyncAgeMs?: number;
}
