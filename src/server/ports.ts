import type { AppConfig } from '../config/app-config.js';
import type { Clock } from '../domain/clock.js';
import type { SloDefinition } from '../domain/slo.js';
import type { BucketReader } from '../ledger/bucket-store.js';
import type { StatementStore } from '../ledger/statement-store.js';
import type { CorrectionStore } from '../ledger/correction-store.js';
import type { Logger } from '../logging.js';

/** What one scheduled sync did, as the health endpoints and /metrics see it. */
export interface SyncRunRecord {
  /** Wall-clock time the run ended (epoch ms). */
  endedAtMs: number;
  durationMs: number;
  /** True when every SLO synced. */
  ok: boolean;
  /** SLOs whose Prometheus queries failed, with the error (secrets already removed). */
  failures: Array<{ slo: string; error: string }>;
  /**
   * SLOs that synced but whose queries match no series: no bucket from `fromMs` to `toMs` holds
   * data (absent in records made before this was known).
   */
  noSeries?: Array<{ slo: string; fromMs: number; toMs: number }>;
  /** Set when the run as a whole failed or timed out. */
  error?: string;
}

/** The service's own sync health, as readiness and /metrics read it. */
export interface SyncHealthView {
  lastRun(): SyncRunRecord | undefined;
  /** Wall-clock time of the last run in which every SLO synced; undefined before the first. */
  lastSuccessfulSyncMs(): number | undefined;
  /** Calls `listener` after every recorded run. */
  onRun(listener: (run: SyncRunRecord) => void): void;
}

/** An SLO's burn-rate alert state, as the alerting component decides it. */
export interface AlertState {
  state: 'firing' | 'inactive' | 'unknown';
  /** The most severe firing rule's severity; null when nothing fires. */
  severity: 'page' | 'ticket' | null;
}

/** Where the server reads alert states from; absent until burn-rate alerting exists ("n/a"). */
export interface AlertStateProvider {
  /**
   * The alert state of every SLO it knows at `atMs`, by SLO name; given `slos`, of those at least
   * (the server asks a few at a time, to keep each step short).
   */
  alertStates(atMs: number, slos?: readonly SloDefinition[]): Promise<ReadonlyMap<string, AlertState>>;
}

/** Everything {@link buildHttpServer} needs; the server opens nothing itself. */
export interface HttpServerDeps {
  config: AppConfig;
  buckets: BucketReader;
  /**
   * The corrections added at run time: the corrections API reads and writes them (writes only with
   * one of `server.api_tokens`). `buckets` must apply them as they change (`liveCorrections`).
   */
  corrections: CorrectionStore;
  /** The monthly statements (the figures as mailed): the API and the status page mark months restated or changed since. */
  statements?: StatementStore;
  /** The evaluation clock: "now" for the API, /metrics and the status page (fixed under `serve --at`). */
  clock: Clock;
  /** Real time, for readiness ages and the corrections' audit trail; defaults to the system clock. */
  wallClock?: Clock;
  health: SyncHealthView;
  logger: Logger;
  alerts?: AlertStateProvider;
  /** Deliveries waiting in the outbox; 0 when not given. */
  outboxBacklog?: () => Promise<number>;
  /** Which replica leads (/readyz, /metrics); absent: this process alone, which leads. */
  cluster?: ClusterView;
  /** A sync older than this makes /readyz fail; default 5 minutes. */
  maxSyncAgeMs?: number;
  /**
   * Names the ledger's state: changes whenever anything is written to it (buckets, corrections, by
   * this process or another). Given, /metrics, the API and the status page keep what they computed
   * for one instant until it changes (see server/snapshot-cache.ts); absent, they compute afresh on
   * every request.
   */
  ledgerRevision?: () => string;
}

/** Who leads, as the HTTP server shows it (/readyz, /metrics). */
export interface ClusterView {
  /** This replica's name. */
  readonly replica: string;
  /** Whether this replica leads now. */
  leading(): boolean;
  /** The leading replica's name as last read; undefined when nobody holds a live lease. */
  leader(): string | undefined;
  /** Why the last attempt to reach the database for the lease failed; undefined when it succeeded. */
  databaseError(): string | undefined;
}
