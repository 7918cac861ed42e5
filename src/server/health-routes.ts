import type { FastifyInstance } from 'fastify';
import { systemClock } from '../domain/clock.js';
import { redactSecrets } from '../errors.js';
import type { HttpServerDeps } from './ports.js';
import { assessReadiness } from './readiness.js';

/** Endpoints reachable without the bearer token: orchestrators probe them without credentials. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz']);

/** /healthz (the process answers) and /readyz (database, recent sync, Prometheus reachable; 503 with reasons). */
export function registerHealthRoutes(app: FastifyInstance, deps: HttpServerDeps): void {
  const wallClock = deps.wallClock ?? systemClock;
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    let databaseError: string | undefined;
    try {
      // Any read proves the database is open and answering.
      if (deps.config.slos[0]) await deps.buckets.findSeries(deps.config.slos[0]);
    } catch (error) {
      databaseError = (error as Error).message;
    }
    // The lease is renewed every few seconds: its last failure is news even when this read got through.
    databaseError ??= deps.cluster?.databaseError();
    const lastRun = deps.health.lastRun();
    const lastSuccessMs = deps.health.lastSuccessfulSyncMs();
    const readiness = assessReadiness({
      ...(databaseError === undefined ? {} : { databaseError }),
      ...(lastRun ? { lastRun } : {}),
      ...(lastSuccessMs === undefined ? {} : { lastSuccessMs }),
      nowMs: wallClock.nowMs(),
      maxSyncAgeMs: deps.maxSyncAgeMs ?? 5 * 60_000,
    });
    const body = {
      status: readiness.ready ? 'ready' : 'not ready',
      reasons: readiness.reasons.map((r) => redactSecrets(r, deps.config.secrets)),
      ...(deps.cluster === undefined ? {} : { replica: deps.cluster.replica, leader: deps.cluster.leader() ?? null }),
    };
    return reply.code(readiness.ready ? 200 : 503).send(body);
  });
}
