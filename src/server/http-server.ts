import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { evaluateSlos } from '../app/evaluate-slos.js';
import { computeBudgetBurnDown } from '../app/slo-series.js';
import { systemClock } from '../app/ports.js';
import { floorToBucket, formatDuration } from '../domain/duration.js';
import { parseWindowSpec } from '../domain/window.js';
import { redactSecrets } from '../errors.js';
import { registerApiRoutes, assertKnownParams, type ApiError } from './api-routes.js';
import { ServiceMetrics } from './metrics.js';
import type { HttpServerDeps } from './ports.js';
import { BadParameterError, parseInstantParam, singleParam, type QueryValues } from './query-params.js';
import { assessReadiness } from './readiness.js';
import { listReports } from './reports.js';
import { STATUS_PAGE_WINDOWS, renderStatusPage } from './status-page.js';

/** Endpoints reachable without the bearer token: orchestrators probe them without credentials. */
const PUBLIC_PATHS = new Set(['/healthz', '/readyz']);
/** Probes and scrapes are frequent: their access log lines are debug, not info. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Builds the HTTP surface of `serve` (not yet listening): health and readiness, /metrics, the JSON
 * API, monthly reports and the status page. Every route but /healthz and /readyz requires
 * `Authorization: Bearer <server.token>` when a token is configured.
 */
export function buildHttpServer(deps: HttpServerDeps): FastifyInstance {
  const log = deps.logger.child({ component: 'http' });
  const app = Fastify({ loggerInstance: log as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }), return503OnClosing: true, forceCloseConnections: 'idle' });
  const metrics = new ServiceMetrics(deps);
  const wallClock = deps.wallClock ?? systemClock;

  if (deps.config.server.token !== undefined) app.addHook('onRequest', bearerTokenCheck(deps.config.server.token));
  app.addHook('onResponse', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const fields = { method: request.method, path, status: reply.statusCode, duration_ms: Math.round(reply.elapsedTime * 10) / 10 };
    if (QUIET_PATHS.has(path) && reply.statusCode < 400) log.debug(fields, 'request');
    else log.info(fields, 'request');
  });
  app.setErrorHandler(async (error: Error & { statusCode?: number; validation?: unknown }, request, reply) => {
    if (error instanceof BadParameterError) {
      return reply.code(400).send({ error: error.message, parameter: error.parameter } satisfies ApiError);
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send({ error: error.message } satisfies ApiError);
    }
    request.log.error({ error: redactSecrets(error.stack ?? error.message, deps.config.secrets), path: request.url.split('?')[0] }, 'request failed');
    return reply.code(500).send({ error: 'internal error; see the service log' } satisfies ApiError);
  });
  app.setNotFoundHandler(async (request, reply) => reply.code(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}` } satisfies ApiError));

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    let databaseError: string | undefined;
    try {
      // Any read proves the database is open and answering.
      if (deps.config.slos[0]) deps.ledger.findSeries(deps.config.slos[0]);
    } catch (error) {
      databaseError = (error as Error).message;
    }
    const lastRun = deps.health.lastRun();
    const lastSuccessMs = deps.health.lastSuccessfulSyncMs();
    const readiness = assessReadiness({
      ...(databaseError === undefined ? {} : { databaseError }),
      ...(lastRun ? { lastRun } : {}),
      ...(lastSuccessMs === undefined ? {} : { lastSuccessMs }),
      nowMs: wallClock.nowMs(),
      maxSyncAgeMs: deps.maxSyncAgeMs ?? 5 * 60_000,
    });
    const body = { status: readiness.ready ? 'ready' : 'not ready', reasons: readiness.reasons.map((r) => redactSecrets(r, deps.config.secrets)) };
    return reply.code(readiness.ready ? 200 : 503).send(body);
  });

  app.get('/metrics', async (request, reply) => {
    assertKnownParams(request.query as QueryValues, []);
    const text = await metrics.render();
    return reply.type(metrics.contentType).send(text);
  });

  registerApiRoutes(app, deps);

  app.get('/', async (request, reply) => {
    const query = request.query as QueryValues;
    assertKnownParams(query, ['at']);
    const { config, ledger } = deps;
    const atMs = floorToBucket(parseInstantParam('at', singleParam(query, 'at'), config.timeZone, deps.clock.nowMs()));
    const alerts = deps.alerts?.alertStates(atMs);
    const slos = config.slos.map((slo) => {
      const windows = [...new Set<string>([...STATUS_PAGE_WINDOWS, formatDuration(slo.windowMs)])].map(parseWindowSpec);
      const [status] = evaluateSlos(ledger, [slo], windows, atMs, config.timeZone);
      const alert = alerts?.get(slo.name);
      return { status: status!, burnDown: computeBudgetBurnDown(ledger, slo, atMs), ...(alert ? { alert } : {}) };
    });
    const lastSyncMs = deps.health.lastSuccessfulSyncMs();
    const page = renderStatusPage({
      atMs, slos, reports: listReports(config.server.reportsDir), alertsAvailable: deps.alerts !== undefined,
      ...(lastSyncMs === undefined ? {} : { lastSyncMs }),
    });
    return reply
      .type('text/html; charset=utf-8')
      // The page is self-contained: forbid every external load, and scripts altogether.
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'")
      .header('x-content-type-options', 'nosniff')
      .send(page);
  });

  return app;
}

/** Compares the bearer token in constant time (over digests, so lengths do not leak either). */
function bearerTokenCheck(token: string) {
  const expected = createHash('sha256').update(token).digest();
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '';
    if (PUBLIC_PATHS.has(path)) return;
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const given = createHash('sha256').update(match?.[1] ?? '').digest();
    if (match && timingSafeEqual(given, expected)) return;
    return reply
      .code(401)
      .header('www-authenticate', 'Bearer realm="slo-ledger"')
      .send({ error: match ? 'invalid bearer token' : 'this endpoint needs Authorization: Bearer <server.token>' } satisfies ApiError);
  };
}
