import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { LeaseLostError, acquireLease, readLease, releaseLease, renewLease, type Lease } from '../ledger/postgres/lease.js';
import type { Logger } from '../logging.js';
import type { ClusterView } from '../server/ports.js';

/** This process among the replicas: the name it is shown by, and the lease holder id only it uses. */
export interface ReplicaIdentity {
  /** `$SLO_LEDGER_REPLICA` (in Kubernetes, the pod's name), else the host name. */
  name: string;
  /**
   * `name/pid/random`: unique per process, so a restarted replica of the same name never takes
   * over the lease (and its fencing token) of a paused process that still believes it leads.
   */
  holder: string;
}

/** The identity of this process (see {@link ReplicaIdentity}). */
export function replicaIdentity(env: NodeJS.ProcessEnv = process.env): ReplicaIdentity {
  const name = env.SLO_LEDGER_REPLICA?.trim() || hostname();
  return { name, holder: `${name}/${process.pid}/${randomBytes(4).toString('hex')}` };
}

/** The replica name inside a holder id (`name/pid/random`). */
export function replicaOfHolder(holder: string): string {
  const parts = holder.split('/');
  return parts.length >= 3 ? parts.slice(0, -2).join('/') : holder;
}

/** One stretch of leadership under one fencing token. */
export interface LeaderTerm {
  lease: Lease;
  /** Aborted when the term ends: lost, expired by the local clock, or released at shutdown. */
  signal: AbortSignal;
  /**
   * Throws `LeaseLostError` once the term is over by this process's own clock, which runs out
   * before the database's expiry: a paused leader knows it is done as soon as it runs again.
   */
  check(): void;
}

/** A SQLite ledger has one process, which always leads. */
export function soleReplica(name: string): ClusterView {
  return { replica: name, leading: () => true, leader: () => name, databaseError: () => undefined };
}

/** Options of {@link Leadership}. */
export interface LeadershipOptions {
  pool: pg.Pool;
  identity: ReplicaIdentity;
  /** The lease's duration; it is renewed (or asked for) every third of it. */
  ttlMs: number;
  log: Logger;
  /** Resolves once the ledger's schema exists (the lease table is in it). */
  ready?: Promise<void>;
}

interface Held {
  lease: Lease;
  /** `performance.now()` past which the term is over: the renewal's send time plus the lease's duration. */
  deadline: number;
  controller: AbortController;
}

/**
 * The leader lease as one replica keeps it: every third of the lease's duration it renews the
 * lease it holds, or asks for it when it holds none, and reads who holds it. A term ends when a
 * renewal is refused or its local deadline passes; the deadline counts from the moment the
 * renewal was sent, so it falls before the expiry the database set. The singleton duties run only
 * in a term, every write under its token (see `fencedLedger`).
 */
export class Leadership implements ClusterView {
  readonly replica: string;
  private held: Held | undefined;
  private holderSeen: string | undefined;
  private lastError: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: LeadershipOptions) {
    this.replica = options.identity.name;
  }

  /** Runs the first round (so the first tick knows whether it leads), then one every third of the lease's duration. */
  async start(): Promise<void> {
    await this.runRound();
  }

  leading(): boolean {
    return this.held !== undefined && performance.now() < this.held.deadline;
  }

  leader(): string | undefined {
    if (this.leading()) return this.replica;
    return this.holderSeen === undefined ? undefined : replicaOfHolder(this.holderSeen);
  }

  databaseError(): string | undefined {
    return this.lastError;
  }

  /** The term this replica leads in now; undefined when it does not lead. */
  currentTerm(): LeaderTerm | undefined {
    const held = this.held;
    if (held === undefined || !this.leading()) return undefined;
    return {
      lease: held.lease,
      signal: held.controller.signal,
      check: () => {
        if (this.held !== held || performance.now() >= held.deadline) {
          throw new LeaseLostError(`${this.replica} no longer leads (lease token ${held.lease.token}); the singleton duty stops here`);
        }
      },
    };
  }

  /** Stops renewing and gives the lease up, so another replica can lead at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
    const held = this.held;
    if (held === undefined) return;
    this.endTerm('released at shutdown');
    try {
      await releaseLease(this.options.pool, held.lease);
    } catch (error) {
      this.options.log.warn({ error: (error as Error).message }, 'could not release the leader lease; another replica takes over when it expires');
    }
  }

  private runRound(): Promise<void> {
    this.round = this.renewOrAcquire().finally(() => {
      if (!this.stopped) {
        this.timer = setTimeout(() => void this.runRound(), Math.max(100, this.options.ttlMs / 3));
        this.timer.unref();
      }
    });
    return this.round;
  }

  private async renewOrAcquire(): Promise<void> {
    const { pool, identity, ttlMs, log } = this.options;
    const sentAt = performance.now();
    try {
      await this.options.ready;
      if (this.held !== undefined && sentAt >= this.held.deadline) this.endTerm('the lease ran out before it could be renewed');
      if (this.held !== undefined) {
        const renewed = await renewLease(pool, this.held.lease, ttlMs);
        if (renewed === undefined) this.endTerm('the lease expired or changed hands');
        else {
          this.held.lease = renewed;
          this.held.deadline = sentAt + ttlMs;
        }
      }
      if (this.held === undefined && !this.stopped) {
        const lease = await acquireLease(pool, { holder: identity.holder, ttlMs, lockTimeoutMs: ttlMs / 3 });
        if (lease !== undefined) {
          this.held = { lease, deadline: sentAt + ttlMs, controller: new AbortController() };
          log.info({ token: lease.token }, `${this.replica} leads now (lease token ${lease.token})`);
        }
      }
      const seen = await readLease(pool);
      this.holderSeen = seen?.live === true && seen.holder !== null ? seen.holder : undefined;
      if (this.lastError !== undefined) log.info('the database answers again');
      this.lastError = undefined;
    } catch (error) {
      const message = (error as Error).message;
      if (this.lastError === undefined) log.warn({ error: message }, 'cannot reach the database for the leader lease');
      this.lastError = message;
      this.holderSeen = undefined;
    }
    // A term whose renewal did not get through ends on its own clock.
    if (this.held !== undefined && performance.now() >= this.held.deadline) this.endTerm('the lease ran out before it could be renewed');
  }

  private endTerm(why: string): void {
    const held = this.held;
    if (held === undefined) return;
    this.held = undefined;
    held.controller.abort(new LeaseLostError(`${this.replica} no longer leads: ${why}`));
    this.options.log.warn({ token: held.lease.token }, `${this.replica} no longer leads: ${why}`);
  }
}
