import { syncClaimedSlos, type SyncClaims } from '../app/sync-all-slos.js';
import type { LeaderScope } from '../app/tick.js';
import type { SyncResult } from '../app/sync-ledger.js';
import type { AppConfig } from '../config/app-config.js';
import { claimItems, itemsHeldByOthers, releaseClaims, renewClaims } from '../ledger/postgres/claims.js';
import type { Queryable } from '../ledger/postgres/connection.js';
import { fencedLedger } from '../ledger/postgres/fenced-ledger.js';
import type { PostgresLedger } from '../ledger/postgres/open-postgres-ledger.js';
import { LedgerError } from '../errors.js';
import type { Logger } from '../logging.js';
import type { ClusterView } from '../server/ports.js';
import { Leadership, soleReplica, type ReplicaIdentity } from './leadership.js';
import type { OpenAdapters } from './open-adapters.js';

/** A claim on SLOs to sync lasts this many lease durations unless renewed (every third of it). */
const CLAIM_LEASES = 4;

/** This process's part among the replicas of one ledger, as `serve` runs it. */
export interface Replication {
  /** Who leads, for /readyz and /metrics. */
  view: ClusterView;
  /** The tick's claimed sync and leader scope; undefined for a SQLite ledger, whose one process does everything. */
  tick?: { syncSlos: (atMs: number) => Promise<SyncResult>; leader: () => LeaderScope | undefined };
  /** Gives the lease up (another replica leads at once) and stops renewing it. */
  stop(): Promise<void>;
}

/** Options of {@link startReplication}. */
export interface ReplicationOptions {
  config: AppConfig;
  adapters: OpenAdapters;
  identity: ReplicaIdentity;
  log: Logger;
  /** How long an SLO synced by one replica is passed over by the others: about half a tick. */
  restMs: () => number;
  /** Aborted on shutdown: no further sync batch is claimed. */
  signal: AbortSignal;
}

/**
 * On a PostgreSQL ledger: takes part in the leader election (the first round done before it
 * returns, so the first tick knows whether it leads) and syncs by claims; on SQLite, the one
 * process leads and syncs every SLO. A database that cannot be reached does not stop `serve`:
 * the election goes on trying, and /readyz says why it is not ready.
 */
export async function startReplication(options: ReplicationOptions): Promise<Replication> {
  const { config, adapters, identity } = options;
  const postgres = adapters.postgres;
  if (postgres === undefined) return { view: soleReplica(identity.name), stop: async () => undefined };
  const ttlMs = config.cluster.leaseTimeMs;
  const leadership = new Leadership({ pool: postgres.pool, identity, ttlMs, log: options.log.child({ component: 'lease' }), ready: postgres.ready });
  await leadership.start();
  const claimTtlMs = CLAIM_LEASES * ttlMs;
  const claims = postgresSyncClaims(postgres.pool, identity.holder, claimTtlMs);
  return {
    view: leadership,
    tick: {
      syncSlos: async (atMs) => {
        await postgres.ready;
        return syncClaimedSlos(adapters, atMs, claims, { batch: config.cluster.claimBatch, restMs: options.restMs(), renewEveryMs: claimTtlMs / 3, signal: options.signal });
      },
      leader: () => leaderScope(postgres, leadership, identity.holder),
    },
    stop: () => leadership.stop(),
  };
}

/** The leader's part for one run of `slo-ledger tick` on a PostgreSQL ledger (see {@link leadOnce}). */
export interface OneTickLead {
  /** The tick's leader scope: this process's, when it got the lease; undefined when a replica leads. */
  leader(): LeaderScope | undefined;
  /** The replica that leads (this process's name when it got the lease). */
  leaderName(): string | undefined;
  /** Gives the lease back. */
  stop(): Promise<void>;
}

/**
 * `slo-ledger tick` on a PostgreSQL ledger: it does the singleton duties only under the lease,
 * like a `serve` replica, renewing it while it runs and giving it back at the end; when a
 * replica leads, the tick only syncs. Undefined for SQLite, where the one process does all.
 * Throws when the database cannot be reached.
 */
export async function leadOnce(adapters: OpenAdapters, identity: ReplicaIdentity, log: Logger): Promise<OneTickLead | undefined> {
  const postgres = adapters.postgres;
  if (postgres === undefined) return undefined;
  await postgres.ready;
  const leadership = new Leadership({ pool: postgres.pool, identity, ttlMs: adapters.config.cluster.leaseTimeMs, log, ready: postgres.ready });
  await leadership.start();
  const error = leadership.databaseError();
  if (error !== undefined) {
    await leadership.stop();
    throw new LedgerError(`cannot take part in the leader election: ${error}`);
  }
  return { leader: () => leaderScope(postgres, leadership, identity.holder), leaderName: () => leadership.leader(), stop: () => leadership.stop() };
}

function leaderScope(postgres: PostgresLedger, leadership: Leadership, holder: string): LeaderScope | undefined {
  const term = leadership.currentTerm();
  if (term === undefined) return undefined;
  return {
    ledger: fencedLedger(postgres, term.lease, term.check), signal: term.signal, check: term.check,
    syncing: async () => new Set(await itemsHeldByOthers(postgres.pool, holder)),
  };
}

/**
 * The claims of one replica (`holder`) on SLO names, as the claimed sync uses them (see
 * `syncClaimedSlos`): a claim lasts `ttlMs` unless renewed; a release records the SLO as done.
 */
export function postgresSyncClaims(db: Queryable, holder: string, ttlMs: number): SyncClaims {
  return {
    claim: async (slos, limit, restMs) => (await claimItems(db, { holder, items: slos, limit, ttlMs, restMs })).map((claim) => claim.item),
    renew: async (slos) => {
      await renewClaims(db, holder, slos, ttlMs);
    },
    release: async (slos) => {
      await releaseClaims(db, holder, slos, { done: true });
    },
  };
}
