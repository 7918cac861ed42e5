import type { FastifyInstance } from 'fastify';
import { markStatements, type StatementMark } from '../app/statements.js';
import { parseMonth, resolvePeriod } from '../domain/period.js';
import type { Statement } from '../domain/statement.js';
import { toStatementJson } from '../views/statements-view.js';
import { assertKnownParams, type ApiError } from './api-routes.js';
import type { HttpServerDeps } from './ports.js';
import { parseMonthParam, type QueryValues } from './query-params.js';

/**
 * The stated months, newest first, marked: at most `limit` of them, since each mark sums every
 * SLO over its month (the status page shows the last 3, the API the last 12).
 */
export async function statementMarks(deps: HttpServerDeps, limit: number): Promise<StatementMark[]> {
  return marksOf(deps, (await deps.statements?.months())?.slice(0, limit) ?? []);
}

function marksOf(deps: HttpServerDeps, statements: readonly Statement[]): Promise<StatementMark[]> {
  const { config } = deps;
  const nowMs = deps.clock.nowMs();
  return markStatements(deps.buckets, config.slos, statements, (month) => resolvePeriod({ kind: 'month', month: parseMonth(month) }, nowMs, config.timeZone).current);
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
  app.get('/api/v1/statements', async (request) => {
    assertKnownParams(request.query as QueryValues, []);
    return { statements: (await statementMarks(deps, 12)).map(markJson) };
  });
  app.get<{ Params: { month: string } }>('/api/v1/statements/:month', async (request, reply) => {
    assertKnownParams(request.query as QueryValues, []);
    const month = parseMonthParam('month', request.params.month);
    const versions = (await deps.statements?.versions(month)) ?? [];
    if (versions.length === 0) return reply.code(404).send({ error: `no statement for ${month}` } satisfies ApiError);
    const [mark] = await marksOf(deps, [versions[versions.length - 1]!]);
    return { month, restated: mark!.restated, changed_since_statement: mark!.changedSinceStatement, versions: versions.map((v) => toStatementJson(v, true)) };
  });
}
