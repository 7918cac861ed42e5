import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  CorrectionRequestError, deleteCorrection, findCorrection, listCorrections, toCorrection, type CorrectionRequest, type ListedCorrection,
} from '../app/correction-request.js';
import { systemClock } from '../domain/clock.js';
import { deleteRefusalText, toCorrectionJson, toHistoryJson } from '../views/corrections-view.js';
import { assertKnownParams, type ApiError } from './api-routes.js';
import { BEARER_CHALLENGE, NamedTokens, bearerTokenOf } from './bearer-auth.js';
import type { HttpServerDeps } from './ports.js';
import type { QueryValues } from './query-params.js';

/** The fields of a correction's JSON body: the options of `corrections add`, spelled as in the config. */
const CORRECTION_FIELDS = ['slo', 'service', 'group', 'from', 'to', 'every', 'duration', 'category', 'reason'] as const satisfies ReadonlyArray<keyof CorrectionRequest>;

/** A correction is a few hundred bytes; anything much larger is not one. */
const BODY_LIMIT_BYTES = 16 * 1024;

/** What a 403 says when no write token is configured. */
const WRITES_DISABLED = 'writes are disabled: set server.api_tokens (token name → token, e.g. alice: ${SLO_LEDGER_ALICE_TOKEN}) to add and delete corrections through the API';

/**
 * The corrections API: `GET /api/v1/corrections` (those in force, as `corrections list --format json`),
 * `GET /api/v1/corrections/history` (the audit trail), `GET /api/v1/corrections/{id}`, and the
 * writes `POST /api/v1/corrections` and `DELETE /api/v1/corrections/{id}`. Reads follow the
 * server's read token; writes need one of `server.api_tokens`, whose name becomes the author.
 */
export function registerCorrectionRoutes(app: FastifyInstance, deps: HttpServerDeps): void {
  const { config } = deps;
  const ledger = { corrections: deps.corrections };
  const wallClock = deps.wallClock ?? systemClock;
  const log = deps.logger.child({ component: 'http' });
  const writers = new WriteTokens(config.server.apiTokens ?? {});
  const json = (listed: ListedCorrection) => toCorrectionJson(listed, config.timeZone);

  // Encapsulated, so these routes alone read their body as text: a body that is not JSON, or JSON
  // of the wrong shape, gets the same 400 naming the field, whatever its Content-Type says.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES }, (_request, body, done) => done(null, body));

    scope.get('/api/v1/corrections', async (request) => {
      assertKnownParams(request.query as QueryValues, []);
      return (await listCorrections(config, ledger)).map(json);
    });

    scope.get('/api/v1/corrections/history', async (request) => {
      assertKnownParams(request.query as QueryValues, []);
      return (await deps.corrections.history()).map((entry) => toHistoryJson(entry, config.timeZone));
    });

    scope.get<{ Params: { id: string } }>('/api/v1/corrections/:id', async (request, reply) => {
      assertKnownParams(request.query as QueryValues, []);
      const listed = await findCorrection(config, ledger, request.params.id);
      if (listed === undefined) return reply.code(404).send({ error: noSuchCorrection(request.params.id) } satisfies ApiError);
      return json(listed);
    });

    scope.post('/api/v1/corrections', { onRequest: writers.check }, async (request, reply) => {
      assertKnownParams(request.query as QueryValues, []);
      const author = writers.authorOf(request);
      const correction = toCorrection(parseCorrectionBody(request.body), config, (field) => field);
      const stored = await deps.corrections.add(correction, { author, atMs: wallClock.nowMs() });
      log.info({ correction: stored.id, author }, 'correction added');
      return reply.code(201).header('location', `/api/v1/corrections/${encodeURIComponent(stored.id)}`).send(json({ source: 'ledger', correction: stored }));
    });

    scope.delete<{ Params: { id: string } }>('/api/v1/corrections/:id', { onRequest: writers.check }, async (request, reply) => {
      assertKnownParams(request.query as QueryValues, []);
      const author = writers.authorOf(request);
      const { id } = request.params;
      const reason = parseDeleteBody(request.body);
      const outcome = await deleteCorrection(config, ledger, id, { author, atMs: wallClock.nowMs(), ...(reason === undefined ? {} : { reason }) });
      if ('refused' in outcome) return reply.code(outcome.refused === 'not-found' ? 404 : 409).send({ error: deleteRefusalText(id, outcome) } satisfies ApiError);
      log.info({ correction: id, author }, 'correction deleted');
      return json({ source: 'ledger', correction: outcome.deleted });
    });
  });
}

function noSuchCorrection(id: string): string {
  return `there is no correction ${JSON.stringify(id)} (see GET /api/v1/corrections)`;
}

/**
 * The write tokens: an `onRequest` check (before the body is read, so an unauthorised request
 * costs nothing) that remembers which token's name wrote, for the audit trail.
 */
class WriteTokens {
  private readonly tokens: NamedTokens;
  private readonly authors = new WeakMap<FastifyRequest, string>();

  constructor(tokens: Readonly<Record<string, string>>) {
    this.tokens = new NamedTokens(Object.entries(tokens));
  }

  /** 403 while no write token is configured; 401 (with the Bearer challenge) without a write token. */
  readonly check = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (this.tokens.empty) {
      await reply.code(403).send({ error: WRITES_DISABLED } satisfies ApiError);
      return;
    }
    const given = bearerTokenOf(request);
    const name = this.tokens.nameOf(given);
    if (name !== undefined) {
      this.authors.set(request, name);
      return;
    }
    await reply
      .code(401)
      .header('www-authenticate', BEARER_CHALLENGE)
      .send({ error: given === undefined ? 'this endpoint needs Authorization: Bearer <one of server.api_tokens>' : 'invalid bearer token: writes need one of server.api_tokens' } satisfies ApiError);
  };

  /** The name of the token the request was let through with. */
  authorOf(request: FastifyRequest): string {
    const name = this.authors.get(request);
    if (name === undefined) throw new Error('a write route ran without its token check');
    return name;
  }
}

/** The JSON body of a POST, checked for shape: an object of the known fields, each of its type. */
export function parseCorrectionBody(body: unknown): CorrectionRequest {
  const object = parseJsonObject(body, `a correction: {"slo" or "service", "from" and "to" or "every" and "duration", "category", "reason"}`);
  const request: CorrectionRequest = {};
  for (const [field, value] of Object.entries(object)) {
    if (!(CORRECTION_FIELDS as readonly string[]).includes(field)) {
      throw new CorrectionRequestError(field, `unknown field; a correction has ${CORRECTION_FIELDS.join(', ')}`);
    }
    if (value === null) continue;
    if (field === 'group') request.group = parseGroup(value);
    else if (typeof value === 'string') request[field as Exclude<keyof CorrectionRequest, 'group'>] = value;
    else throw new CorrectionRequestError(field, `must be a string, not ${describeJson(value)}`);
  }
  return request;
}

/** The JSON body of a DELETE: nothing, or `{"reason": "..."}`; the reason, when one was given. */
export function parseDeleteBody(body: unknown): string | undefined {
  if (body === undefined || (typeof body === 'string' && body.trim() === '')) return undefined;
  const object = parseJsonObject(body, '{"reason": "why"}, or no body');
  for (const [field, value] of Object.entries(object)) {
    if (field !== 'reason') throw new CorrectionRequestError(field, 'unknown field; a deletion takes only "reason"');
    if (value !== null && typeof value !== 'string') throw new CorrectionRequestError('reason', `must be a string, not ${describeJson(value)}`);
  }
  const reason = typeof object.reason === 'string' ? object.reason.trim() : '';
  return reason === '' ? undefined : reason;
}

/** The body as a JSON object; `expected` says what one looks like. */
function parseJsonObject(body: unknown, expected: string): Record<string, unknown> {
  const text = typeof body === 'string' ? body : '';
  if (text.trim() === '') throw new CorrectionRequestError('body', `missing; send JSON: ${expected}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CorrectionRequestError('body', `not JSON (${(error as Error).message}); send ${expected}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new CorrectionRequestError('body', `must be a JSON object, not ${describeJson(value)}: ${expected}`);
  return value as Record<string, unknown>;
}

/** `group`: an object of label → value, both strings. */
function parseGroup(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CorrectionRequestError('group', `must be an object of label: value (e.g. {"tenant": "acme"}), not ${describeJson(value)}`);
  }
  // A Map first, then an object: a label named __proto__ must stay a plain key.
  const labels = new Map<string, string>();
  for (const [label, labelValue] of Object.entries(value)) {
    if (typeof labelValue !== 'string') throw new CorrectionRequestError('group', `${JSON.stringify(label)} must have a string value, not ${describeJson(labelValue)}`);
    labels.set(label, labelValue);
  }
  return Object.fromEntries(labels);
}

/** A JSON value's kind, for an error message: "a number (42)", "an array", "null". */
function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
  return `a ${typeof value} (${JSON.stringify(value)})`;
}
