import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKET_MS } from '../../src/domain/duration.js';
import { loadConfig } from '../../src/config/load-config.js';
import { systemClock } from '../../src/domain/clock.js';
import { RENDIFF_SCENARIO } from '../../src/fixture/scenarios.js';
import { createLogger } from '../../src/logging.js';
import { openAdapters } from '../../src/runtime/open-adapters.js';
import { SyncHealth } from '../../src/runtime/sync-health.js';
import { buildHttpServer } from '../../src/server/http-server.js';
import { runCli } from '../helpers/cli.js';
import { startEmailStack, type EmailStack } from '../helpers/email-instance.js';
import { countTolerance, trueCounts, trueTotal, type Tolerance } from '../helpers/truth.js';

const run = promisify(execFile);
const at = (iso: string) => Date.parse(iso);
const MONTH = { startMs: at('2026-10-01T00:00:00Z'), endMs: at('2026-11-01T00:00:00Z') };
const HOUR_CUT = { startMs: at('2026-10-14T03:00:00Z'), endMs: at('2026-10-14T04:00:00Z') };

interface Figures { good: number; total: number; sli: number | null; tier: string }
interface StatementJson { month: string; version: number; kind: string; content_hash: string; message_id: string | null; files: Array<{ name: string; sha256: string; bytes: number }>; slos: Array<Figures & { slo: string }> }
interface DiffJson {
  changed: boolean;
  statement: { version: number };
  changes: Array<{ slo: string; stated: Figures; now: Figures; delta: { good: number; total: number; bad: number }; causes: Array<Record<string, unknown> & { kind: string; text: string }> }>;
}

/** Runs `work` against the HTTP server as `serve` wires it, over the instance's ledger file; `get` answers JSON or text. */
async function served<T>(args: string[], work: (get: (path: string) => Promise<any>) => Promise<T>): Promise<T> {
  const option = (name: string) => args[args.indexOf(name) + 1]!;
  const config = loadConfig({ file: option('--config'), env: {} });
  config.databasePath = option('--db');
  const adapters = openAdapters(config);
  const app = buildHttpServer({
    config, buckets: adapters.figures, corrections: adapters.ledger.corrections, statements: adapters.ledger.statements,
    clock: systemClock, health: new SyncHealth(), logger: createLogger({ level: 'silent', secrets: [] }),
  });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    return await work(async (path) => {
      const response = await fetch(`http://127.0.0.1:${port}${path}`);
      expect(response.status, path).toBe(200);
      return (response.headers.get('content-type') ?? '').includes('json') ? response.json() : response.text();
    });
  } finally {
    await app.close();
    await adapters.close();
  }
}

/** A month mailed, then corrected, then restated: through the real CLI, a SQLite file, an SMTP server and the fixture Prometheus. */
describe('statements: a mailed month stays what was mailed', () => {
  let stack: EmailStack;
  const cli = (args: string[]) => runCli(args, {}, 60_000);
  const json = async <T>(args: string[]): Promise<T> => {
    const result = await cli(args);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as T;
  };

  beforeAll(async () => {
    stack = await startEmailStack(RENDIFF_SCENARIO, '2026-11-01T06:00:00Z', 'slo-ledger-statements-');
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('records the mailed figures, shows what a later correction changed and why, and mails a restatement threaded to the original', async () => {
    const { args, reportsDir } = stack.instance('restate');
    const { smtp } = stack;
    const truth = stack.fixture.fixture.truth;
    const tolerance: Tolerance = { relative: 1e-4, scrapeIntervalMs: RENDIFF_SCENARIO.scrapeIntervalMs, bucketMs: BUCKET_MS };
    const totalOf = trueTotal('api-availability', truth);
    const monthSlack = countTolerance(MONTH.startMs, MONTH.endMs, totalOf, tolerance);
    const hourSlack = countTolerance(HOUR_CUT.startMs, HOUR_CUT.endMs, totalOf, tolerance);
    const all = trueCounts('api-availability', truth, MONTH.startMs, MONTH.endMs);
    const hour = trueCounts('api-availability', truth, HOUR_CUT.startMs, HOUR_CUT.endMs);

    expect((await cli([...args, 'statements', 'list'])).stdout).toContain('no statements yet');
    const mailed = await cli([...args, 'report', '--month', '2026-10', '--email']);
    expect(mailed.code, mailed.stderr).toBe(0);
    expect(smtp.received.length).toBe(1);
    const original = smtp.received[0]!;

    // The statement: version 1, the mail's Message-ID, the files' hashes, the figures of the truth.
    const [v1] = await json<StatementJson[]>([...args, 'statements', 'show', '2026-10', '--format', 'json']);
    expect(v1).toMatchObject({ month: '2026-10', version: 1, kind: 'original', message_id: original.messageId });
    for (const file of v1!.files) {
      const bytes = readFileSync(join(reportsDir, '2026-10', file.name));
      expect(file.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    expect(v1!.files.map((f) => f.name).sort()).toEqual(['report.html', 'report.json', 'report.pdf']);
    const stated = v1!.slos.find((s) => s.slo === 'api-availability')!;
    expect(Math.abs(stated.total - all.total)).toBeLessThanOrEqual(monthSlack);
    expect(Math.abs(stated.total - stated.good - (all.total - all.good))).toBeLessThanOrEqual(monthSlack);
    expect((await json<DiffJson>([...args, 'statements', 'diff', '2026-10', '--format', 'json'])).changed).toBe(false);

    // A correction for the past: the error burst of 14 October.
    const added = await cli([...args, 'corrections', 'add', '--slo', 'api-availability', '--from', '2026-10-14T03:00:00Z', '--to', '2026-10-14T04:00:00Z',
      '--category', 'deployment', '--reason', 'bad deploy caught by the synthetic check', '--author', 'bob']);
    expect(added.code, added.stderr).toBe(0);
    const diff = await json<DiffJson>([...args, 'statements', 'diff', '2026-10', '--format', 'json']);
    expect(diff.changed).toBe(true);
    expect(diff.changes.map((c) => c.slo)).toEqual(['api-availability']);
    const [change] = diff.changes;
    expect(change!.stated).toMatchObject({ good: stated.good, total: stated.total, tier: stated.tier });
    expect(Math.abs(change!.now.total - (all.total - hour.total))).toBeLessThanOrEqual(monthSlack + hourSlack);
    expect(Math.abs(change!.delta.total + hour.total)).toBeLessThanOrEqual(hourSlack);
    expect(Math.abs(change!.delta.bad + (hour.total - hour.good))).toBeLessThanOrEqual(hourSlack);
    expect(change!.causes).toHaveLength(1);
    const cause = change!.causes[0]!;
    expect(cause).toMatchObject({ kind: 'correction-added', id: 'c1', source: 'ledger', category: 'deployment', author: 'bob', excluded_ms: 3_600_000 });
    expect(Math.abs((cause.bad as number) - (hour.total - hour.good))).toBeLessThanOrEqual(hourSlack);
    expect(cause.text).toContain('correction c1 (deployment: bad deploy caught by the synthetic check) added by bob');
    // The API and the status page mark the month: changed since its statement, not restated yet.
    expect(await served(args, async (get) => {
      const api = await get('/api/v1/statements');
      const page = await get('/');
      return { api: api.statements[0], page: /<li data-month="2026-10" data-restated="(\w+)" data-changed="(\w+)">([^<]*)/.exec(page)?.slice(1) };
    })).toEqual({
      api: expect.objectContaining({ month: '2026-10', version: 1, kind: 'original', restated: false, changed_since_statement: true }),
      page: ['false', 'true', expect.stringContaining('a restatement is due')],
    });
    const table = await cli([...args, 'statements', 'diff', '2026-10', '--offline']);
    expect(table.stdout).toMatch(/^2026-10: statement version 1 \(original\)/);
    expect(table.stdout).toContain('because: correction c1');

    // Mailing the changed month again is refused unless it is restated; without --force nothing is sent.
    const forced = await cli([...args, 'report', '--month', '2026-10', '--email', '--force']);
    expect(forced.code).toBe(2);
    expect(forced.stderr).toContain('changed since its statement (version 1');
    expect(forced.stderr).toContain('--restate');
    const again = await cli([...args, 'report', '--month', '2026-10', '--email']);
    expect(again.stdout).toContain('already sent');
    expect(smtp.received.length).toBe(1);

    const restated = await cli([...args, 'report', '--month', '2026-10', '--email', '--restate']);
    expect(restated.code, restated.stderr).toBe(0);
    expect(smtp.received.length).toBe(2);
    const mail = smtp.received[1]!;
    expect(mail.subject).toMatch(/^\[RESTATED\] /);
    expect(mail.inReplyTo).toBe(original.messageId);
    expect(mail.references).toContain(original.messageId);
    expect(mail.messageId).not.toBe(original.messageId);
    expect(mail.text).toContain('Restated: this report replaces the one sent');
    expect(mail.text).toContain('because: correction c1');
    const { stdout: pdfText } = await run('pdftotext', ['-layout', join(reportsDir, '2026-10', 'report.pdf'), '-'], { timeout: 30_000 });
    const firstPage = pdfText.split('\f')[0]!;
    expect(firstPage).toContain('Restated: this report replaces the one sent');
    expect(firstPage).toContain('(restated)');

    // Both versions kept; the second states the corrected figures, equal to the truth without the hour.
    const versions = await json<StatementJson[]>([...args, 'statements', 'show', '2026-10', '--format', 'json']);
    expect(versions.map((v) => [v.version, v.kind])).toEqual([[1, 'original'], [2, 'restated']]);
    expect(versions[0]).toEqual(v1);
    expect(versions[1]!.message_id).toBe(mail.messageId);
    const now = versions[1]!.slos.find((s) => s.slo === 'api-availability')!;
    expect(Math.abs(now.total - (all.total - hour.total))).toBeLessThanOrEqual(monthSlack + hourSlack);
    expect(Math.abs(now.total - now.good - (all.total - all.good - (hour.total - hour.good)))).toBeLessThanOrEqual(monthSlack + hourSlack);
    expect((await json<DiffJson>([...args, 'statements', 'diff', '2026-10', '--format', 'json'])).statement.version).toBe(2);
    expect((await json<DiffJson>([...args, 'statements', 'diff', '2026-10', '--format', 'json'])).changed).toBe(false);
    expect(await served(args, async (get) => (await get('/api/v1/statements/2026-10')))).toMatchObject({
      month: '2026-10', restated: true, changed_since_statement: false, versions: [{ version: 1 }, { version: 2, kind: 'restated' }],
    });
    const nothing = await cli([...args, 'report', '--month', '2026-10', '--email', '--restate']);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('equal its statement (version 2');
    expect(smtp.received.length).toBe(2);
  }, 300_000);

  it('refuses --restate for a month never mailed, and statements of a month without one', async () => {
    const { args } = stack.instance('never');
    const restate = await cli([...args, 'report', '--month', '2026-10', '--email', '--restate']);
    expect(restate.code).toBe(2);
    expect(restate.stderr).toContain('--restate: 2026-10 has no statement to restate');
    const diff = await cli([...args, 'statements', 'diff', '2026-09']);
    expect(diff.code).toBe(2);
    expect(diff.stderr).toContain('statements diff: 2026-09 has no statement');
    const both = await cli([...args, 'report', '--month', '2026-10', '--email', '--restate', '--force']);
    expect(both.code).toBe(2);
  }, 120_000);
});
