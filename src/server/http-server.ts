import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { CorrectionRequestError } from '../app/correction-request.js';
import { redactSecrets } from '../errors.js';
import { registerApiRoutes, assertKnownParams, type ApiError } from './api-routes.js';
import { BEARER_CHALLENGE, NamedTokens, bearerTokenOf } from './bearer-auth.js';
import { registerCorrectionRoutes } from './correction-routes.js';
import { registerStatementRoutes } from './statement-routes.js';
import { PUBLIC_PATHS, registerHealthRoutes } from './health-routes.js';
import { ServiceMetrics } from './metrics.js';
import { sendBody } from './paced-body.js';
import type { HttpServerDeps } from './ports.js';
import { BadParameterError, type QueryValues } from './query-params.js';
import { registerStatusPage } from './status-page-route.js';

/** Probes and scrapes are frequent: their access log lines are debug, not info. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Builds the HTTP surface of `serve` (not yet listening): health and readiness, /metrics, the JSON
 * API, the corrections API, monthly reports and the status page. Every route but /healthz and
 * /readyz requires `Authorization: Bearer <server.token>` (or one of `server.api_tokens`) when a
 * token is configured; changing corrections requires one of `server.api_tokens`.
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
  app.addHook('onClose', async () => metrics.close());

  const { token, apiTokens } = deps.config.server;
  // A write token is trusted with more than reads, so it allows reads too.
  if (token !== undefined) app.addHook('onRequest', bearerTokenCheck(new NamedTokens([['server.token', token], ...Object.entries(apiTokens ?? {})])));
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
    if (error instanceof CorrectionRequestError) {
      return reply.code(400).send({ error: error.message, field: error.field } satisfies ApiError);
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
    return sendBody(reply.type(metrics.contentType), await metrics.renderChunks());
  });

  registerApiRoutes(app, deps);
  registerCorrectionRoutes(app, deps);
  registerStatementRoutes(app, deps);

  registerStatusPage(app, deps);

  return app;
}

/** Lets a request through when it carries one of `tokens` (compared in constant time); else 401. */
function bearerTokenCheck(tokens: NamedTokens) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    // The matched route, not the raw URL: no spelling of a path can make another route public.
    if (PUBLIC_PATHS.has(request.routeOptions.url ?? '')) return;
    const given = bearerTokenOf(request);
    if (tokens.nameOf(given) !== undefined) return;
    return reply
      .code(401)
      .header('www-authenticate', BEARER_CHALLENGE)
      .send({ error: given !== undefined ? 'invalid bearer token' : 'this endpoint needs Authorization: Bearer <server.token>' } satisfies ApiError);
  };
}
