import type { FastifyInstance } from 'fastify';
import { markStatementSteps, type StatementMark } from '../app/statements.js';
import type { Steps } from '../app/steps.js';
import { floorToBucket } from '../domain/duration.js';
import { parseMonth, resolvePeriod } from '../domain/period.js';
import type { Statement } from '../domain/statement.js';
import { toStatementJson } from '../views/statements-view.js';
import { assertKnownParams, type ApiError } from './api-routes.js';
import type { HttpServerDeps } from './ports.js';
import { parseMonthParam, type QueryValues } from './query-params.js';
import { SnapshotCache } from './snapshot-cache.js';
import { ConcurrencyLimit, requestLane } from './work-lane.js';

/** Mark computations running at once per route; more wait their turn. */
const MARK_CONCURRENCY = 1;

/**
 * The stated months, newest first, marked, at most `limit` of them, since each mark sums every SLO
 * over its month (the status page shows the last 3, the API the last 12): computed in steps on the
 * request lane and kept per bucket until the ledger changes. One source per route.
 */
export function statementMarkSource(deps: HttpServerDeps): (limit: number) => Promise<StatementMark[]> {
  const marks = new SnapshotCache<StatementMark[]>(deps.ledgerRevision, 2);
  const running = new ConcurrencyLimit(MARK_CONCURRENCY);
  return (limit) => {
    // A stated month is over: its period does not depend on the instant, past the bucket.
    const nowMs = floorToBucket(deps.clock.nowMs());
    return marks.get(JSON.stringify([limit, nowMs]), () =>
      running.run(async () => requestLane.run(marksOf(deps, (await deps.statements?.months())?.slice(0, limit) ?? [], nowMs))),
    );
  };
}

function marksOf(deps: HttpServerDeps, statements: readonly Statement[], nowMs: number): Steps<StatementMark[]> {
  const { config } = deps;
  return markStatementSteps(deps.buckets, config.slos, statements, (month) => resolvePeriod({ kind: 'month', month: parseMonth(month) }, nowMs, config.timeZone).current);
}

function markJson(mark: StatementMark): Record<string, unknown> {
  return { ...toStatementJson(mark.statement, false), restated: mark.restated, changed_since_statement: mark.changedSinceStatement };
}

/**
 * `GET /api/v1/statements`: the last 12 stated months with their latest version, each marked `restated`
 * (a later version was mailed) and `changed_since_statement` (its figures moved since: a
 * restatement is due); `GET /api/v1/statements/{YYYY-MM}`: every version with its figures.
 */
export function registerStatementRoutes(app: FastifyInstance, deps: HttpServerDeps): void {
  const statementMarks = statementMarkSource(deps);
  app.get('/api/v1/statements', async (request) => {
    assertKnownParams(request.query as QueryValues, []);
    return { statements: (await statementMarks(12)).map(markJson) };
  });
  app.get<{ Params: { month: string } }>('/api/v1/statements/:month', async (request, reply) => {
    assertKnownParams(request.query as QueryValues, []);
    const month = parseMonthParam('month', request.params.month);
    const versions = (await deps.statements?.versions(month)) ?? [];
    if (versions.length === 0) return reply.code(404).send({ error: `no statement for ${month}` } satisfies ApiError);
    const [mark] = await requestLane.run(marksOf(deps, [versions[versions.length - 1]!], floorToBucket(deps.clock.nowMs())));
    return { month, restated: mark!.restated, changed_since_statement: mark!.changedSinceStatement, versions: versions.map((v) => toStatementJson(v, true)) };
  });
}
