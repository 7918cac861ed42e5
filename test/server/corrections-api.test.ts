import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type AppConfig } from '../../src/config/load-config.js';
import { fixedClock } from '../../src/domain/clock.js';
import { openAdapters, type OpenAdapters } from '../../src/runtime/open-adapters.js';
import { SyncHealth } from '../../src/runtime/sync-health.js';
import { buildHttpServer } from '../../src/server/http-server.js';
import { runCli } from '../helpers/cli.js';
import { AT_MS, knownLedger, memoryLogger, parseMetrics } from './helpers.js';

// One real server on 127.0.0.1 over a real SQLite file seeded with `knownLedger` (see its truth in
// helpers.ts: 288 buckets of 1000 events before AT_MS, one bad event in each of the last 12).

const READ_TOKEN = 'read-tok-a81f44c2d9';
const ALICE_TOKEN = 'alice-write-7c1e9f3a0b';
const BOT_TOKEN = 'bot-write-52d08b6e11';
const TOKENS = [READ_TOKEN, ALICE_TOKEN, BOT_TOKEN];

/** The known ledger's truth: 288 buckets of 1000 events; the last 12 (the last hour) hold one bad event each. */
const BUCKETS = 288;
const EVENTS = 1000;
const BAD_BUCKETS = 12;
const OBJECTIVE = 0.999;

/** The last hour before AT_MS: exactly the 12 buckets with bad events. */
const LAST_HOUR = { from: '2026-10-31T23:00:00Z', to: '2026-11-01T00:00:00Z' };

const dir = mkdtempSync(join(tmpdir(), 'slo-ledger-corrections-api-'));
const dbFile = join(dir, 'ledger.db');
const configFile = join(dir, 'config.yaml');
writeFileSync(configFile, [
  `database: ${JSON.stringify(dbFile)}`,
  'server:',
  '  token: ${SLO_READ_TOKEN}',
  '  api_tokens:',
  '    alice@ops: ${ALICE_TOKEN}',
  '    deploy-bot: ${BOT_TOKEN}',
  'corrections:',
  '  - slo: job-success               # no data in the known ledger: changes no figure here',
  '    from: 2026-10-01T00:00:00Z',
  '    to: 2026-10-01T01:00:00Z',
  '    category: other',
  '    reason: from the config file',
  '',
].join('\n'));

let config: AppConfig;
let adapters: OpenAdapters;
let app: FastifyInstance;
let base: string;
let log: ReturnType<typeof memoryLogger>;
/** Every response body the server sent, to check that no token is ever in one. */
const bodies: string[] = [];

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

/** One request to the running server; `body` is sent as JSON unless it is already a string. */
async function call(method: string, path: string, options: { token?: string; body?: unknown; contentType?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const response = await fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  bodies.push(text);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

const read = (path: string) => call('GET', path, { token: READ_TOKEN });
const post = (body: unknown, token = ALICE_TOKEN) => call('POST', '/api/v1/corrections', { token, body });

/** api-availability's windows as GET /api/v1/slos answers them, by window name. */
async function availability(windows = '1h,24h,30d'): Promise<Record<string, any>> {
  const answer = await read(`/api/v1/slos?window=${windows}`);
  expect(answer.status).toBe(200);
  const slo = answer.json.slos.find((s: { name: string }) => s.name === 'api-availability');
  return Object.fromEntries(slo.windows.map((w: { window: string }) => [w.window, w]));
}

/** The 24h row of api-availability on the status page: its good and total events. */
async function statusPageEvents(): Promise<{ good: number; total: number }> {
  const page = await read('/');
  expect(page.status).toBe(200);
  const match = /<section class="slo" data-slo="api-availability">[\s\S]*?<tr data-window="24h">[\s\S]*?data-good="([^"]+)" data-total="([^"]+)"/.exec(page.text);
  expect(match, 'the status page has a 24h row for api-availability').not.toBeNull();
  return { good: Number(match![1]), total: Number(match![2]) };
}

async function metrics(): Promise<Map<string, number>> {
  const answer = await read('/metrics');
  expect(answer.status).toBe(200);
  return parseMetrics(answer.text);
}
const sample = (name: string, window: string, extra = '') => `${name}{slo="api-availability",service="rendiff-api",window="${window}"${extra}}`;

/** The untouched truth of the 24h window. */
function expectTruth(w: any): void {
  expect(w).toMatchObject({ good: BUCKETS * EVENTS - BAD_BUCKETS, total: BUCKETS * EVENTS, coverage: 1 });
  expect(w.sli).toBeCloseTo(1 - BAD_BUCKETS / (BUCKETS * EVENTS), 12);
  expect(w.error_budget.remaining).toBeCloseTo(1 - BAD_BUCKETS / ((1 - OBJECTIVE) * BUCKETS * EVENTS), 9);
  expect(w).not.toHaveProperty('excluded');
  expect(w).not.toHaveProperty('raw');
}

beforeAll(async () => {
  config = loadConfig({ file: configFile, env: { SLO_READ_TOKEN: READ_TOKEN, ALICE_TOKEN, BOT_TOKEN } });
  await (await knownLedger(config, dbFile)).close();
  // The server's own wiring: the figures re-read the store's corrections whenever it changed.
  adapters = openAdapters(config);
  // No secrets given to the log filter: the check below then shows that nothing logs a token, not
  // merely that the filter (which `serve` does apply) would hide it.
  log = memoryLogger([]);
  app = buildHttpServer({
    config, buckets: adapters.figures, corrections: adapters.ledger.corrections, clock: fixedClock(AT_MS), health: new SyncHealth(), logger: log.logger,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await app?.close();
  await adapters?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('corrections through the HTTP API, on a running server', () => {
  it('registers the api tokens as secrets', () => {
    expect(config.server.apiTokens).toEqual({ 'alice@ops': ALICE_TOKEN, 'deploy-bot': BOT_TOKEN });
    for (const token of TOKENS) expect(config.secrets).toContain(token);
  });

  it('starts from the truth, with only the config file\'s correction', async () => {
    expectTruth((await availability())['24h']);
    const list = await read('/api/v1/corrections');
    expect(list.status).toBe(200);
    expect(list.json).toHaveLength(1);
    expect(list.json[0]).toMatchObject({ id: 'config:0', source: 'config', author: null, scope: { slo: 'job-success' } });
    expect((await read('/api/v1/corrections/history')).json).toEqual([]);
  });

  it('POST adds a correction of the last hour: 201, Location, the token\'s name as author', async () => {
    const answer = await post({ slo: 'api-availability', ...LAST_HOUR, category: 'deployment', reason: 'bad deploy, rolled back' });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('location')).toBe('/api/v1/corrections/c1');
    expect(answer.json).toMatchObject({
      id: 'c1',
      source: 'ledger',
      scope: { slo: 'api-availability' },
      category: 'deployment',
      reason: 'bad deploy, rolled back',
      timing: { kind: 'once', from: '2026-10-31T23:00:00.000Z', to: '2026-11-01T00:00:00.000Z' },
      excluded: { from: '2026-10-31T23:00:00.000Z', to: '2026-11-01T00:00:00.000Z' },
      author: 'alice@ops',
      deleted: null,
    });
    // Audit time is real time, not the server's pinned evaluation instant.
    expect(Math.abs(Date.parse(answer.json.created) - Date.now())).toBeLessThan(60_000);
    const again = await read(answer.headers.get('location')!);
    expect(again.status).toBe(200);
    expect(again.json).toEqual(answer.json);
  });

  it('GET /api/v1/slos now has the truth without those buckets, with excluded and raw', async () => {
    const windows = await availability();
    const keptBuckets = BUCKETS - BAD_BUCKETS;
    const day = windows['24h'];
    // Every bad event was in the excluded hour: what is left is 276 buckets of good events only.
    expect(day).toMatchObject({ good: keptBuckets * EVENTS, total: keptBuckets * EVENTS, sli: 1, burn_rate: 0, tier: 'ok', objective_met: true, coverage: 1 });
    expect(day.error_budget.allowed).toBeCloseTo((1 - OBJECTIVE) * keptBuckets * EVENTS, 6);
    expect(day.error_budget).toMatchObject({ consumed: 0, remaining: 1 });
    expect(day.excluded).toBeCloseTo(BAD_BUCKETS / BUCKETS, 12);
    expect(day.raw.good).toBe(BUCKETS * EVENTS - BAD_BUCKETS);
    expect(day.raw.total).toBe(BUCKETS * EVENTS);
    expect(day.raw.sli).toBeCloseTo(1 - BAD_BUCKETS / (BUCKETS * EVENTS), 12);
    // The last hour is excluded whole: no traffic left, so no SLI (never 100 %).
    const hour = windows['1h'];
    expect(hour).toMatchObject({ good: 0, total: 0, sli: null, reason: 'no-traffic', burn_rate: null, excluded: 1 });
    expect(hour.raw).toMatchObject({ good: BAD_BUCKETS * (EVENTS - 1), total: BAD_BUCKETS * EVENTS });
    // 30d: 8640 buckets, 12 excluded; coverage counts the 276 with data among the 8628 not excluded.
    const month = windows['30d'];
    expect(month).toMatchObject({ good: keptBuckets * EVENTS, total: keptBuckets * EVENTS, sli: 1 });
    expect(month.excluded).toBeCloseTo(BAD_BUCKETS / 8640, 12);
    expect(month.coverage).toBeCloseTo(keptBuckets / (8640 - BAD_BUCKETS), 12);
  });

  it('/metrics and the status page change accordingly', async () => {
    const m = await metrics();
    expect(m.get(sample('slo_ledger_sli_ratio', '24h'))).toBe(1);
    expect(m.get(sample('slo_ledger_burn_rate', '24h'))).toBe(0);
    expect(m.get(sample('slo_ledger_events_total', '24h', ',kind="total"'))).toBe((BUCKETS - BAD_BUCKETS) * EVENTS);
    expect(m.get(sample('slo_ledger_events_total', '24h', ',kind="good"'))).toBe((BUCKETS - BAD_BUCKETS) * EVENTS);
    expect(m.has(sample('slo_ledger_sli_ratio', '1h')), 'a window without traffic has no SLI sample').toBe(false);
    expect(await statusPageEvents()).toEqual({ good: (BUCKETS - BAD_BUCKETS) * EVENTS, total: (BUCKETS - BAD_BUCKETS) * EVENTS });
  });

  it('lists it beside the config\'s, and the history names the token as author', async () => {
    const list = await read('/api/v1/corrections');
    expect(list.json.map((c: { id: string; source: string }) => [c.id, c.source])).toEqual([['config:0', 'config'], ['c1', 'ledger']]);
    const history = await read('/api/v1/corrections/history');
    expect(history.json).toHaveLength(1);
    expect(history.json[0]).toMatchObject({ id: 'c1', action: 'add', author: 'alice@ops', correction: { scope: { slo: 'api-availability' }, category: 'deployment' } });
    const fromConfig = await read('/api/v1/corrections/config:0');
    expect(fromConfig.status).toBe(200);
    expect(fromConfig.json).toMatchObject({ id: 'config:0', source: 'config' });
  });

  it('DELETE records the deletion by the token\'s name and brings the figures back; the history keeps both', async () => {
    const answer = await call('DELETE', '/api/v1/corrections/c1', { token: BOT_TOKEN, body: { reason: 'the deploy was fine after all' } });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ id: 'c1', source: 'ledger', author: 'alice@ops', deleted: { by: 'deploy-bot', reason: 'the deploy was fine after all' } });
    expectTruth((await availability())['24h']);
    const m = await metrics();
    expect(m.get(sample('slo_ledger_sli_ratio', '24h'))).toBeCloseTo(1 - BAD_BUCKETS / (BUCKETS * EVENTS), 12);
    expect(m.get(sample('slo_ledger_sli_ratio', '1h'))).toBeCloseTo(OBJECTIVE, 12);
    expect(await statusPageEvents()).toEqual({ good: BUCKETS * EVENTS - BAD_BUCKETS, total: BUCKETS * EVENTS });
    const history = (await read('/api/v1/corrections/history')).json;
    expect(history.map((e: { id: string; action: string; author: string }) => [e.id, e.action, e.author])).toEqual([['c1', 'add', 'alice@ops'], ['c1', 'delete', 'deploy-bot']]);
    expect(history[1].reason).toBe('the deploy was fine after all');
    // Still there to look at, marked deleted; no longer in force.
    expect((await read('/api/v1/corrections/c1')).json.deleted).toMatchObject({ by: 'deploy-bot' });
    expect((await read('/api/v1/corrections')).json.map((c: { id: string }) => c.id)).toEqual(['config:0']);
  });

  it('DELETE answers 404 for an unknown id and 409 for a config correction or one already deleted', async () => {
    const unknown = await call('DELETE', '/api/v1/corrections/c99', { token: ALICE_TOKEN });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toMatch(/no correction "c99"/);
    const fromConfig = await call('DELETE', '/api/v1/corrections/config:0', { token: ALICE_TOKEN });
    expect(fromConfig.status).toBe(409);
    expect(fromConfig.json.error).toMatch(/^config:0 comes from the config file/);
    const twice = await call('DELETE', '/api/v1/corrections/c1', { token: ALICE_TOKEN });
    expect(twice.status).toBe(409);
    expect(twice.json.error).toMatch(/^c1 was already deleted by deploy-bot at /);
    expect((await read('/api/v1/corrections/c99')).status).toBe(404);
    expect((await read('/api/v1/corrections/history')).json).toHaveLength(2);
  });

  it('refuses writes without a write token: 401 with the Bearer challenge, also for the read token', async () => {
    const body = { slo: 'api-availability', ...LAST_HOUR, category: 'other', reason: 'x' };
    for (const token of [undefined, 'not-a-token', READ_TOKEN, `${ALICE_TOKEN}x`]) {
      const answer = await call('POST', '/api/v1/corrections', { ...(token === undefined ? {} : { token }), body });
      expect(answer.status, String(token)).toBe(401);
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(answer.json.error).toEqual(expect.any(String));
    }
    expect((await call('DELETE', '/api/v1/corrections/c1', { token: READ_TOKEN })).status).toBe(401);
    expect((await call('DELETE', '/api/v1/corrections/c1')).status).toBe(401);
    expect((await read('/api/v1/corrections/history')).json).toHaveLength(2);
  });

  it('lets a write token read, and nothing read without a token', async () => {
    expect((await call('GET', '/api/v1/corrections', { token: BOT_TOKEN })).status).toBe(200);
    expect((await call('GET', '/api/v1/slos', { token: ALICE_TOKEN })).status).toBe(200);
    const none = await call('GET', '/api/v1/corrections');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it.each([
    ['a body that is not JSON', '{"slo": "api-availability",', 'body', /^body: not JSON/],
    ['no body', '', 'body', /^body: missing/],
    ['a JSON array', '[]', 'body', /^body: must be a JSON object, not an array/],
    ['an unknown field', { slo: 'api-availability', ...LAST_HOUR, category: 'other', reason: 'x', author: 'mallory' }, 'author', /^author: unknown field/],
    ['a field of the wrong type', { slo: 'api-availability', from: 1_793_487_600, to: LAST_HOUR.to, category: 'other', reason: 'x' }, 'from', /^from: must be a string, not a number/],
    ['a group that is not an object', { slo: 'api-availability', group: 'tenant=acme', ...LAST_HOUR, category: 'other', reason: 'x' }, 'group', /^group: must be an object/],
    ['a time that is not one', { slo: 'api-availability', from: 'yesterday', to: LAST_HOUR.to, category: 'other', reason: 'x' }, 'from', /^from: "yesterday" is not an ISO 8601 time/],
    ['to before from', { slo: 'api-availability', from: LAST_HOUR.to, to: LAST_HOUR.from, category: 'other', reason: 'x' }, 'to', /^to: .* must be after from/],
    ['an unknown SLO', { slo: 'nope', ...LAST_HOUR, category: 'other', reason: 'x' }, 'slo', /^slo: no SLO is named "nope"/],
    ['no category', { slo: 'api-availability', ...LAST_HOUR, reason: 'x' }, 'category', /^category: missing/],
    ['an RRULE that is not one', { service: 'rendiff-api', every: 'WEEKLY', duration: '2h', category: 'other', reason: 'x' }, 'every', /^every: "WEEKLY" is not an iCalendar RRULE/],
  ])('answers 400 naming the field for %s', async (_what, body, field, message) => {
    const answer = await call('POST', '/api/v1/corrections', { token: ALICE_TOKEN, body, ...(typeof body === 'string' ? { contentType: 'application/json' } : {}) });
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ error: expect.stringMatching(message), field });
  });

  it('answers 400 for a DELETE body that is not {reason}, and reads a body whatever its Content-Type says', async () => {
    const bad = await call('DELETE', '/api/v1/corrections/c1', { token: ALICE_TOKEN, body: { because: 'x' } });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ field: 'because' });
    const plain = await call('POST', '/api/v1/corrections', { token: ALICE_TOKEN, body: '{"slo": 5}', contentType: 'text/plain' });
    expect(plain.status).toBe(400);
    expect(plain.json).toMatchObject({ error: 'slo: must be a string, not a number (5)', field: 'slo' });
    // None of the refused requests wrote anything.
    expect((await read('/api/v1/corrections/history')).json).toHaveLength(2);
  });

  it('sees, at its next request, a correction the CLI added to the same database file', async () => {
    // The first hour of the 24h window (buckets ending 00:05 … 01:00 on 31 October): 12 buckets, no bad events.
    const run = await runCli([
      '--db', dbFile, 'corrections', 'add', '--slo', 'api-availability', '--from', '2026-10-31T00:00:00Z', '--to', '2026-10-31T01:00:00Z',
      '--category', 'planned-maintenance', '--reason', 'maintenance', '--author', 'carol', '--format', 'json',
    ], {}, 60_000);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const id = (JSON.parse(run.stdout) as { id: string }).id;
    const day = (await availability('24h'))['24h'];
    const total = (BUCKETS - 12) * EVENTS;
    expect(day).toMatchObject({ good: total - BAD_BUCKETS, total });
    expect(day.sli).toBeCloseTo(1 - BAD_BUCKETS / total, 12);
    expect(day.excluded).toBeCloseTo(12 / BUCKETS, 12);
    const history = (await read('/api/v1/corrections/history')).json;
    expect(history.at(-1)).toMatchObject({ id, action: 'add', author: 'carol' });
    expect((await call('DELETE', `/api/v1/corrections/${id}`, { token: ALICE_TOKEN })).status).toBe(200);
    expectTruth((await availability('24h'))['24h']);
  });

  it('never puts a token in an answer or the log', () => {
    expect(bodies.length).toBeGreaterThan(30);
    expect(log.lines.length).toBeGreaterThan(30);
    const everything = [...bodies, ...log.lines].join('\n');
    for (const token of TOKENS) expect(everything).not.toContain(token);
    // The log does say who wrote, by the token's name.
    expect(log.lines.some((line) => line.includes('"correction added"') && line.includes('"author":"alice@ops"'))).toBe(true);
  });
});
