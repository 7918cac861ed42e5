import type { FastifyInstance, FastifyReply } from 'fastify';
import { evaluateSlos } from '../app/evaluate-slos.js';
import { computeBudgetBurnDown } from '../app/slo-series.js';
import { floorToBucket, formatDuration } from '../domain/duration.js';
import type { SloDefinition } from '../domain/slo.js';
import type { GroupStatus } from '../domain/slo-status.js';
import { parseWindowSpec } from '../domain/window.js';
import { assertKnownParams, type ApiError } from './api-routes.js';
import { renderGroupsPage, worstFirst } from './group-pages.js';
import { PAGE_CSP } from './page-layout.js';
import type { HttpServerDeps } from './ports.js';
import { parseInstantParam, singleParam, type QueryValues } from './query-params.js';
import { listReports } from './reports.js';
import { statementMarks } from './statement-routes.js';
import { STATUS_PAGE_WINDOWS, renderStatusPage } from './status-page.js';

/**
 * `GET /` (optionally `?at=`): the status page, and `GET /slos/{name}/groups`: every group of a
 * grouped SLO, worst first. Both are built from the ledger at request time.
 */
export function registerStatusPage(app: FastifyInstance, deps: HttpServerDeps): void {
  const { config, buckets } = deps;
  const instant = (query: QueryValues) => {
    assertKnownParams(query, ['at']);
    const at = singleParam(query, 'at');
    return { atMs: floorToBucket(parseInstantParam('at', at, config.timeZone, deps.clock.nowMs())), ...(at === undefined ? {} : { at }) };
  };
  /** A grouped SLO's groups over its own window, worst first. */
  const rankedGroups = async (slo: SloDefinition, atMs: number): Promise<GroupStatus[]> => {
    const own = formatDuration(slo.windowMs);
    const [status] = await evaluateSlos(buckets, [slo], [parseWindowSpec(own)], atMs, config.timeZone, { groups: {} });
    return worstFirst(status!.groups ?? [], own);
  };

  app.get('/', async (request, reply) => {
    const { atMs, at } = instant(request.query as QueryValues);
    const alerts = await deps.alerts?.alertStates(atMs);
    const slos = await Promise.all(
      config.slos.map(async (slo) => {
        const windows = [...new Set<string>([...STATUS_PAGE_WINDOWS, formatDuration(slo.windowMs)])].map(parseWindowSpec);
        const [status] = await evaluateSlos(buckets, [slo], windows, atMs, config.timeZone);
        const alert = alerts?.get(slo.name);
        return {
          status: status!,
          burnDown: await computeBudgetBurnDown(buckets, slo, atMs),
          ...(alert ? { alert } : {}),
          ...(slo.groupBy === undefined ? {} : { groups: await rankedGroups(slo, atMs) }),
        };
      }),
    );
    const lastSyncMs = deps.health.lastSuccessfulSyncMs();
    const page = renderStatusPage({
      atMs, slos, reports: listReports(config.server.reportsDir), statements: await statementMarks(deps, 3), alertsAvailable: deps.alerts !== undefined,
      ...(lastSyncMs === undefined ? {} : { lastSyncMs }),
      ...(at === undefined ? {} : { at }),
    });
    return sendPage(reply, page);
  });

  app.get<{ Params: { name: string } }>('/slos/:name/groups', async (request, reply) => {
    const { atMs, at } = instant(request.query as QueryValues);
    const slo = config.slos.find((s) => s.name === request.params.name);
    if (slo?.groupBy === undefined) {
      const grouped = config.slos.filter((s) => s.groupBy !== undefined).map((s) => s.name);
      const why = slo === undefined ? `no SLO named ${JSON.stringify(request.params.name)}` : `SLO ${slo.name} has no group_by`;
      return reply.code(404).send({ error: `${why}; SLOs with groups: ${grouped.join(', ') || 'none'}` } satisfies ApiError);
    }
    return sendPage(reply, renderGroupsPage({ atMs, slo, groups: await rankedGroups(slo, atMs), ...(at === undefined ? {} : { at }) }));
  });
}

function sendPage(reply: FastifyReply, page: string): FastifyReply {
  return reply
    .type('text/html; charset=utf-8')
    // The pages are self-contained: forbid every external load, and scripts altogether.
    .header('content-security-policy', PAGE_CSP)
    .header('x-content-type-options', 'nosniff')
    .send(page);
}
