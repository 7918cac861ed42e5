import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { redactSecrets } from '../errors.js';
import { registerApiRoutes, assertKnownParams, type ApiError } from './api-routes.js';
import { PUBLIC_PATHS, registerHealthRoutes } from './health-routes.js';
import { ServiceMetrics } from './metrics.js';
import type { HttpServerDeps } from './ports.js';
import { BadParameterError, type QueryValues } from './query-params.js';
import { registerStatusPage } from './status-page-route.js';

/** Probes and scrapes are frequent: their access log lines are debug, not info. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Builds the HTTP surface of `serve` (not yet listening): health and readiness, /metrics, the JSON
 * API, monthly reports and the status page. Every route but /healthz and /readyz requires
 * `Authorization: Bearer <server.token>` when a token is configured.
 */
export function buildHttpServer(deps: HttpServerDeps): FastifyInstance {
  const log = deps.logger.child({ component: 'http' });
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    // Requests are logged by the onResponse hook below, in the Rendiff monitoring guide's log fields.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  const metrics = new ServiceMetrics(deps);

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

  registerHealthRoutes(app, deps);

  app.get('/metrics', async (request, reply) => {
    assertKnownParams(request.query as QueryValues, []);
    const text = await metrics.render();
    return reply.type(metrics.contentType).send(text);
  });

  registerApiRoutes(app, deps);

  registerStatusPage(app, deps);

  return app;
}

/** Compares the bearer token in constant time (over digests, so lengths do not leak either). */
function bearerTokenCheck(token: string) {
  const expected = createHash('sha256').update(token).digest();
  return async (request: FastifyRequest, reply: FastifyReply) => {
    // The matched route, not the raw URL: no spelling of a path can make another route public.
    if (PUBLIC_PATHS.has(request.routeOptions.url ?? '')) return;
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
