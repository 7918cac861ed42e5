import { createReadStream } from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { evaluateSloSteps } from '../app/evaluate-slos.js';
import { MAX_SERIES_POINTS, sloSeriesSteps } from '../app/slo-series.js';
import type { Steps } from '../app/steps.js';
import { floorToBucket, formatDuration } from '../domain/duration.js';
import type { SloDefinition } from '../domain/slo.js';
import type { GroupFilter } from '../domain/slo-status.js';
import type { WindowSpec } from '../domain/window.js';
import type { BucketReader } from '../ledger/bucket-store.js';
import { toStatusJson } from '../views/status-json.js';
import { findOneGroup, groupFilterParam } from './group-params.js';
import type { HttpServerDeps } from './ports.js';
import {
  BadParameterError, parseInstantParam, parseMonthParam, parseStepParam, parseWindowsParam, singleParam, type QueryValues,
} from './query-params.js';
import { REPORT_CONTENT_TYPES, REPORT_FORMATS, listReports, reportPath, type ReportEntry, type ReportFormat } from './reports.js';
import { sendBody } from './paced-body.js';
import { SnapshotCache } from './snapshot-cache.js';
import { ConcurrencyLimit, requestLane } from './work-lane.js';

/** The windows the status API reports when `window` is not given: those of `report`. */
export const DEFAULT_API_WINDOWS = ['24h', '7d', '30d'] as const;

/** An API error body: what went wrong and, for a bad request, which query parameter or body field. */
export interface ApiError {
  error: string;
  parameter?: string;
  field?: string;
}

/** Rejects query parameters a route does not know, naming the first one. */
export function assertKnownParams(query: QueryValues, known: readonly string[]): void {
  const unknown = Object.keys(query).find((name) => !known.includes(name));
  if (unknown !== undefined) throw new BadParameterError(unknown, `unknown parameter; this endpoint accepts ${known.length === 0 ? 'none' : known.join(', ')}`);
}

/** Status evaluations (`/api/v1/slos`, `/api/v1/slos/{name}`) running at once; more wait their turn. */
const STATUS_CONCURRENCY = 2;
/** Series computations running at once; more wait their turn. */
const SERIES_CONCURRENCY = 2;

/** Registers the JSON API under /api/v1. */
export function registerApiRoutes(app: FastifyInstance, deps: HttpServerDeps): void {
  const { config, buckets, clock } = deps;
  // The answers as sent, per instant and parameters, until the ledger changes.
  const statusAnswers = new SnapshotCache<Buffer>(deps.ledgerRevision);
  const seriesAnswers = new SnapshotCache<Buffer>(deps.ledgerRevision);
  const statusLimit = new ConcurrencyLimit(STATUS_CONCURRENCY);
  const seriesLimit = new ConcurrencyLimit(SERIES_CONCURRENCY);
  const findSlo = (name: string, reply: FastifyReply): SloDefinition | undefined => {
    const slo = config.slos.find((s) => s.name === name);
    if (!slo) void reply.code(404).send({ error: `no SLO named ${JSON.stringify(name)}; known: ${config.slos.map((s) => s.name).join(', ')}` } satisfies ApiError);
    return slo;
  };
  const statusOf = async (slos: readonly SloDefinition[], query: QueryValues, reply: FastifyReply) => {
    assertKnownParams(query, ['at', 'window', 'group']);
    const atMs = floorToBucket(parseInstantParam('at', singleParam(query, 'at'), config.timeZone, clock.nowMs()));
    const windows = parseWindowsParam('window', singleParam(query, 'window'), DEFAULT_API_WINDOWS, config.retentionMs);
    // A grouped SLO always comes with its groups; `group` narrows them, as `report --group` does.
    const groups = groupFilterParam(query, slos);
    const key = JSON.stringify([atMs, windows.map((w) => w.name), groups, slos.length === config.slos.length ? '*' : slos.map((s) => s.name)]);
    const body = await statusAnswers.get(key, () =>
      statusLimit.run(async () => Buffer.from(await requestLane.run(statusJsonSteps(buckets, slos, windows, atMs, config.timeZone, groups)), 'utf8')),
    );
    return sendBody(reply.type('application/json; charset=utf-8'), body);
  };

  app.get('/api/v1/slos', async (request, reply) => statusOf(config.slos, request.query as QueryValues, reply));

  app.get<{ Params: { name: string } }>('/api/v1/slos/:name', async (request, reply) => {
    const slo = findSlo(request.params.name, reply);
    if (slo) return statusOf([slo], request.query as QueryValues, reply);
    return reply;
  });

  app.get<{ Params: { name: string } }>('/api/v1/slos/:name/series', async (request, reply) => {
    const slo = findSlo(request.params.name, reply);
    if (!slo) return reply;
    const query = request.query as QueryValues;
    assertKnownParams(query, ['from', 'to', 'step', 'window', 'group']);
    const filter = groupFilterParam(query, [slo]);
    const toMs = floorToBucket(parseInstantParam('to', singleParam(query, 'to'), config.timeZone, clock.nowMs()));
    const stepMs = parseStepParam('step', singleParam(query, 'step'), 3_600_000);
    const fromText = singleParam(query, 'from');
    const fromMs = fromText === undefined ? toMs - 24 * 3_600_000 : floorToBucket(parseInstantParam('from', fromText, config.timeZone, clock.nowMs()));
    if (fromMs > toMs) throw new BadParameterError('from', `must not be after to (${new Date(toMs).toISOString()})`);
    const count = Math.floor((toMs - fromMs) / stepMs) + 1;
    if (count > MAX_SERIES_POINTS) throw new BadParameterError('step', `${count} points asked for; at most ${MAX_SERIES_POINTS}: use a larger step or a shorter range`);
    // The buckets of the whole range are read: a range longer than the ledger keeps would read nothing but cost memory.
    if (toMs - fromMs > config.retentionMs) {
      throw new BadParameterError('from', `the range from ${new Date(fromMs).toISOString()} to ${new Date(toMs).toISOString()} is longer than the ledger keeps buckets (retention ${formatDuration(config.retentionMs)}); at most ${formatDuration(config.retentionMs)}`);
    }
    const [window] = parseWindowsParam('window', singleParam(query, 'window'), [formatDuration(slo.windowMs)], config.retentionMs);
    if (window!.kind !== 'rolling') throw new BadParameterError('window', 'a series needs a rolling window such as 1h, 24h or 30d');
    // Without `group`, a grouped SLO's series is its own (the sum over its groups), as before groups existed.
    const group = Object.keys(filter).length === 0 ? undefined : await findOneGroup(buckets, slo, filter);
    if (group !== undefined && 'missing' in group) return reply.code(404).send({ error: group.missing, parameter: 'group' } satisfies ApiError);
    const key = JSON.stringify([slo.name, group?.labels ?? null, window!.name, fromMs, toMs, stepMs]);
    const body = await seriesAnswers.get(key, () => seriesLimit.run(() =>
      requestLane.run(
        (async function* () {
          const points = yield* sloSeriesSteps(buckets, slo, window!.durationMs, fromMs, toMs, stepMs, group?.labels);
          // Written here, as a step of its own, rather than by fastify after the lane.
          return Buffer.from(JSON.stringify({
            slo: slo.name,
            service: slo.service,
            ...(group === undefined ? {} : { group: { ...group.labels } }),
            objective: slo.objectiveRatio,
            window: window!.name,
            from: new Date(fromMs).toISOString(),
            to: new Date(toMs).toISOString(),
            step: formatDuration(stepMs),
            points: points.map((p) => ({
              at: new Date(p.atMs).toISOString(),
              good: p.good,
              total: p.total,
              sli: p.sliRatio,
              error_budget_remaining: p.remainingRatio,
              burn_rate: p.burnRate,
              coverage: p.coverageRatio,
            })),
          }), 'utf8');
        })(),
      ),
    ));
    return sendBody(reply.type('application/json; charset=utf-8'), body);
  });

  app.get('/api/v1/reports', async (request) => {
    assertKnownParams(request.query as QueryValues, []);
    return { reports: listReports(config.server.reportsDir).map(reportJson) };
  });

  app.get<{ Params: { month: string } }>('/api/v1/reports/:month', async (request, reply) => {
    assertKnownParams(request.query as QueryValues, []);
    const match = /^(.*?)(?:\.([a-z]+))?$/.exec(request.params.month)!;
    const month = parseMonthParam('month', match[1] ?? '');
    const format = match[2];
    if (format !== undefined && !(REPORT_FORMATS as readonly string[]).includes(format)) {
      throw new BadParameterError('month', `unknown report format .${format}; use .html, .pdf or .json`);
    }
    const entry = listReports(config.server.reportsDir).find((e) => e.month === month);
    if (!entry || (format !== undefined && !entry.formats.includes(format as ReportFormat))) {
      return reply.code(404).send({ error: format === undefined ? `no report for ${month}` : `no ${format} report for ${month}` } satisfies ApiError);
    }
    if (format === undefined) return reportJson(entry);
    const f = format as ReportFormat;
    return reply.type(REPORT_CONTENT_TYPES[f]).send(createReadStream(reportPath(config.server.reportsDir, month, f)));
  });
}

/**
 * The status answer as sent, in steps: the SLOs evaluated window by window, then written one SLO
 * at a time. The text is what `JSON.stringify(toStatusJson(…))` gives, in pieces.
 */
async function* statusJsonSteps(
  buckets: BucketReader,
  slos: readonly SloDefinition[],
  windows: readonly WindowSpec[],
  atMs: number,
  timeZone: string,
  groups: GroupFilter,
): Steps<string> {
  const statuses = yield* evaluateSloSteps(buckets, slos, windows, atMs, timeZone, { groups });
  const parts: string[] = [];
  for (const status of statuses) {
    parts.push(JSON.stringify(toStatusJson(atMs, [status]).slos[0]));
    yield;
  }
  return `{"at":${JSON.stringify(new Date(atMs).toISOString())},"slos":[${parts.join(',')}]}`;
}

function reportJson(entry: ReportEntry) {
  return {
    month: entry.month,
    formats: entry.formats,
    links: Object.fromEntries(entry.formats.map((f) => [f, `/api/v1/reports/${entry.month}.${f}`])),
  };
}
