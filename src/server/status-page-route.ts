import type { FastifyInstance } from 'fastify';
import { evaluateSlos } from '../app/evaluate-slos.js';
import { computeBudgetBurnDown } from '../app/slo-series.js';
import { floorToBucket, formatDuration } from '../domain/duration.js';
import { parseWindowSpec } from '../domain/window.js';
import { assertKnownParams } from './api-routes.js';
import type { HttpServerDeps } from './ports.js';
import { parseInstantParam, singleParam, type QueryValues } from './query-params.js';
import { listReports } from './reports.js';
import { STATUS_PAGE_WINDOWS, renderStatusPage } from './status-page.js';

/** `GET /` (optionally `?at=`): the status page, built from the ledger at request time. */
export function registerStatusPage(app: FastifyInstance, deps: HttpServerDeps): void {
  app.get('/', async (request, reply) => {
    const query = request.query as QueryValues;
    assertKnownParams(query, ['at']);
    const { config, buckets } = deps;
    const atMs = floorToBucket(parseInstantParam('at', singleParam(query, 'at'), config.timeZone, deps.clock.nowMs()));
    const alerts = deps.alerts?.alertStates(atMs);
    const slos = config.slos.map((slo) => {
      const windows = [...new Set<string>([...STATUS_PAGE_WINDOWS, formatDuration(slo.windowMs)])].map(parseWindowSpec);
      const [status] = evaluateSlos(buckets, [slo], windows, atMs, config.timeZone);
      const alert = alerts?.get(slo.name);
      return { status: status!, burnDown: computeBudgetBurnDown(buckets, slo, atMs), ...(alert ? { alert } : {}) };
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
}
