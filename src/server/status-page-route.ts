import type { FastifyInstance, FastifyReply } from 'fastify';
import { evaluateSloSteps } from '../app/evaluate-slos.js';
import { budgetBurnDownSteps } from '../app/slo-series.js';
import { parallelSteps, SERIES_AT_ONCE, type Steps } from '../app/steps.js';
import { floorToBucket, formatDuration } from '../domain/duration.js';
import type { SloDefinition, Tier } from '../domain/slo.js';
import { consumedOf, type GroupStatus } from '../domain/slo-status.js';
import { parseWindowSpec } from '../domain/window.js';
import { assertKnownParams, type ApiError } from './api-routes.js';
import { GROUPS_PAGE_SIZE, renderGroupsPage, worstFirst } from './group-pages.js';
import { PAGE_CSP } from './page-layout.js';
import { sendBody } from './paced-body.js';
import type { HttpServerDeps } from './ports.js';
import { parseInstantParam, parsePageParam, singleParam, type QueryValues } from './query-params.js';
import { listReports } from './reports.js';
import { SnapshotCache } from './snapshot-cache.js';
import { statementMarkSource } from './statement-routes.js';
import {
  STATUS_PAGE_FULL_LIMIT, STATUS_PAGE_SIZE, STATUS_PAGE_WINDOWS, renderStatusPage, renderStatusSummary, statusPageSloSteps, statusSummarySloSteps,
  type RankedSlo, type StatusPageSlo,
} from './status-page.js';
import type { SafeHtml } from './html.js';
import { ConcurrencyLimit, requestLane } from './work-lane.js';

/** Page computations running at once; more wait their turn. */
const PAGE_CONCURRENCY = 2;

const TIER_ORDER: Record<Tier, number> = { critical: 0, warning: 1, ok: 2 };

/**
 * `GET /` (optionally `?at=`, and `?page=` past {@link STATUS_PAGE_FULL_LIMIT} SLOs): the status
 * page, and `GET /slos/{name}/groups`: every group of a grouped SLO, worst first (`?page=` past
 * {@link GROUPS_PAGE_SIZE} groups). Their figures come from the ledger, computed in steps on the
 * request lane and kept per instant until the ledger changes; the monthly reports, the statements
 * and the last sync are read at every request.
 */
export function registerStatusPage(app: FastifyInstance, deps: HttpServerDeps): void {
  const { config } = deps;
  const limit = new ConcurrencyLimit(PAGE_CONCURRENCY);
  const compute = <T>(steps: () => Steps<T>) => () => limit.run(() => requestLane.run(steps()));
  // The SLOs' part of a page as rendered (its links carry the `at` asked for), per instant, page and `at`.
  const sloParts = new SnapshotCache<SafeHtml>(deps.ledgerRevision);
  const rankings = new SnapshotCache<RankedSlo[]>(deps.ledgerRevision);
  const groupLists = new SnapshotCache<GroupStatus[]>(deps.ledgerRevision);
  const statementMarks = statementMarkSource(deps);
  // Whole pages as sent, per everything they show, until the ledger changes: a page of a thousand
  // SLOs is written and encoded once, not at every request.
  const pages = new SnapshotCache<Buffer>(deps.ledgerRevision);
  const instant = (query: QueryValues) => {
    assertKnownParams(query, ['at', 'page']);
    const at = singleParam(query, 'at');
    return { atMs: floorToBucket(parseInstantParam('at', at, config.timeZone, deps.clock.nowMs())), ...(at === undefined ? {} : { at }) };
  };

  app.get('/', async (request, reply) => {
    const query = request.query as QueryValues;
    const { atMs, at } = instant(query);
    const lastSyncMs = deps.health.lastSuccessfulSyncMs();
    const reports = listReports(config.server.reportsDir);
    const alertsAvailable = deps.alerts !== undefined;
    const pageText = singleParam(query, 'page');
    // The statement marks are the ledger's as of the current bucket.
    const key = JSON.stringify([atMs, at ?? null, pageText ?? null, lastSyncMs ?? null, reports, floorToBucket(deps.clock.nowMs())]);
    const common = async () => ({
      atMs, reports, statements: await statementMarks(3), alertsAvailable,
      ...(lastSyncMs === undefined ? {} : { lastSyncMs }),
      ...(at === undefined ? {} : { at }),
    });
    if (config.slos.length <= STATUS_PAGE_FULL_LIMIT) {
      parsePageParam('page', pageText, 1);
      return sendPage(reply, await pages.get(key, async () => {
        const part = await sloParts.get(JSON.stringify([atMs, 1, at]), compute(async function* () {
          const slos = yield* pageSloSteps(deps, config.slos, atMs);
          return yield* statusPageSloSteps({ slos, alertsAvailable, ...(at === undefined ? {} : { at }) });
        }));
        return Buffer.from(renderStatusPage({ ...(await common()), slos: [] }, part), 'utf8');
      }));
    }
    // Many SLOs: a summary of all, worst first, and the SLOs of one page in full.
    const ranking = await rankings.get(String(atMs), compute(() => rankingSteps(deps, atMs)));
    const page = parsePageParam('page', pageText, Math.ceil(ranking.length / STATUS_PAGE_SIZE));
    return sendPage(reply, await pages.get(key, async () => {
      const shown = ranking.slice((page - 1) * STATUS_PAGE_SIZE, page * STATUS_PAGE_SIZE);
      const part = await sloParts.get(JSON.stringify([atMs, page, at]), compute(async function* () {
        const slos = yield* pageSloSteps(deps, shown.map((r) => r.slo), atMs);
        return yield* statusSummarySloSteps({ slos, ranking, page, alertsAvailable, ...(at === undefined ? {} : { at }) });
      }));
      return Buffer.from(renderStatusSummary({ ...(await common()), slos: [], ranking, page }, part), 'utf8');
    }));
  });

  app.get<{ Params: { name: string } }>('/slos/:name/groups', async (request, reply) => {
    const query = request.query as QueryValues;
    const { atMs, at } = instant(query);
    const slo = config.slos.find((s) => s.name === request.params.name);
    if (slo?.groupBy === undefined) {
      const grouped = config.slos.filter((s) => s.groupBy !== undefined).map((s) => s.name);
      const why = slo === undefined ? `no SLO named ${JSON.stringify(request.params.name)}` : `SLO ${slo.name} has no group_by`;
      return reply.code(404).send({ error: `${why}; SLOs with groups: ${grouped.join(', ') || 'none'}` } satisfies ApiError);
    }
    const groups = await groupLists.get(JSON.stringify([slo.name, atMs]), compute(() => rankedGroupSteps(deps, slo, atMs)));
    const page = parsePageParam('page', singleParam(query, 'page'), Math.max(1, Math.ceil(groups.length / GROUPS_PAGE_SIZE)));
    return sendPage(reply, renderGroupsPage({ atMs, slo, groups, page, ...(at === undefined ? {} : { at }) }));
  });
}

/** Each SLO in full, as the status page shows it: its windows, budget burn-down, alert state and worst groups. */
async function* pageSloSteps(deps: HttpServerDeps, slos: readonly SloDefinition[], atMs: number): Steps<StatusPageSlo[]> {
  const { config, buckets, alerts } = deps;
  return yield* parallelSteps(slos, SERIES_AT_ONCE, async function* (slo): Steps<StatusPageSlo> {
    const windows = [...new Set<string>([...STATUS_PAGE_WINDOWS, formatDuration(slo.windowMs)])].map(parseWindowSpec);
    const [status] = yield* evaluateSloSteps(buckets, [slo], windows, atMs, config.timeZone);
    const burnDown = yield* budgetBurnDownSteps(buckets, slo, atMs);
    const alert = (await alerts?.alertStates(atMs, [slo]))?.get(slo.name);
    yield;
    const groups = slo.groupBy === undefined ? undefined : yield* rankedGroupSteps(deps, slo, atMs);
    return { status: status!, burnDown, ...(alert ? { alert } : {}), ...(groups === undefined ? {} : { groups }) };
  });
}

/** A grouped SLO's groups over its own window, worst first. */
async function* rankedGroupSteps(deps: HttpServerDeps, slo: SloDefinition, atMs: number): Steps<GroupStatus[]> {
  const own = formatDuration(slo.windowMs);
  const [status] = yield* evaluateSloSteps(deps.buckets, [slo], [parseWindowSpec(own)], atMs, deps.config.timeZone, { groups: {} });
  yield;
  return worstFirst(status!.groups ?? [], own);
}

/**
 * Every SLO over its own window, worst first: critical, then warning, then ok, and within a tier by
 * the share of the error budget consumed (an SLO without traffic consumed none); ties in config order.
 */
async function* rankingSteps(deps: HttpServerDeps, atMs: number): Steps<RankedSlo[]> {
  const { config, buckets } = deps;
  const owns = yield* parallelSteps(config.slos, SERIES_AT_ONCE, async function* (slo) {
    const [status] = yield* evaluateSloSteps(buckets, [slo], [parseWindowSpec(formatDuration(slo.windowMs))], atMs, config.timeZone);
    return status!.windows[0];
  });
  const ranked: Array<RankedSlo & { index: number }> = config.slos.map((slo, index) => ({ slo, own: owns[index], index }));
  const tier = (r: RankedSlo) => TIER_ORDER[r.own?.tier ?? 'ok'];
  ranked.sort((a, b) => tier(a) - tier(b) || consumedOf(b.own) - consumedOf(a.own) || a.index - b.index);
  return ranked.map(({ slo, own }) => ({ slo, ...(own === undefined ? {} : { own }) }));
}

function sendPage(reply: FastifyReply, page: string | Buffer): FastifyReply {
  return sendBody(
    reply
      .type('text/html; charset=utf-8')
      // The pages are self-contained: forbid every external load, and scripts altogether.
      .header('content-security-policy', PAGE_CSP)
      .header('x-content-type-options', 'nosniff'),
    page,
  );
}
