import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { correctedBuckets } from '../../src/app/corrected-buckets.js';
import { syncLedger } from '../../src/app/sync-ledger.js';
import { BUCKET_MS } from '../../src/domain/duration.js';
import type { SloDefinition } from '../../src/domain/slo.js';
import type { LedgerStores } from '../../src/ledger/ledger-stores.js';
import { openLedger } from '../../src/ledger/open-ledger.js';
import { runCli } from '../helpers/cli.js';
import { InMemoryMetricsSource, ManualClock } from '../helpers/in-memory-source.js';
import { evaluateSlos } from '../../src/app/evaluate-slos.js';
import { parseWindowSpec } from '../../src/domain/window.js';
import { formatStatusCsv, formatStatusTable } from '../../src/views/status-table.js';

// `slo-ledger corrections` through the built CLI (run `npx tsc -p tsconfig.json` first), on a
// SQLite file in a temp dir and the built-in SLOs: no Prometheus is needed to add, list, show or
// delete a correction.
describe('slo-ledger corrections (CLI)', () => {
  let dir: string;
  let db: string;
  let configFile: string;
  const cli = (...args: string[]) => runCli(['--db', db, 'corrections', ...args]);
  const json = (stdout: string) => JSON.parse(stdout) as Array<Record<string, any>>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-corrections-'));
    db = join(dir, 'ledger.db');
    configFile = join(dir, 'config.yaml');
    writeFileSync(
      configFile,
      ['corrections:', '  - slo: api-latency', '    from: 2026-10-01T10:00Z', '    to: 2026-10-01T11:00Z', '    category: other', '    reason: from the config', ''].join('\n'),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('adds a one-off and a recurring correction, lists them, deletes one with an audit trail', async () => {
    const once = await cli('add', '--slo', 'api-availability', '--from', '2026-10-14T05:03:00Z', '--to', '2026-10-14T05:58:00Z',
      '--category', 'deployment', '--reason', 'bad deploy caught by the synthetic check', '--author', 'alice');
    expect(once.stderr).toBe('');
    expect(once.code).toBe(0);
    const recurring = await cli('add', '--service', 'rendiff-api', '--group', 'tenant=acme', '--every', 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0',
      '--duration', '2h', '--category', 'planned-maintenance', '--reason', 'weekly maintenance', '--author', 'bob');
    expect(recurring.code).toBe(0);

    const listed = await cli('list', '--format', 'json');
    expect(listed.code).toBe(0);
    const entries = json(listed.stdout);
    expect(entries.map((e) => [e.id, e.source, e.author, e.deleted])).toEqual([['c1', 'ledger', 'alice', null], ['c2', 'ledger', 'bob', null]]);
    // 05:03–05:58 excludes the whole buckets 05:00–06:00.
    expect(entries[0]!.excluded).toEqual({ from: '2026-10-14T05:00:00.000Z', to: '2026-10-14T06:00:00.000Z' });
    expect(entries[0]!.timing).toEqual({ kind: 'once', from: '2026-10-14T05:03:00.000Z', to: '2026-10-14T05:58:00.000Z' });
    expect(entries[0]!.scope).toEqual({ slo: 'api-availability' });
    expect(entries[1]!.excluded).toEqual({ every: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0', duration: '2h', time_zone: 'UTC' });
    expect(entries[1]!.scope).toEqual({ service: 'rendiff-api', group: { tenant: 'acme' } });
    expect(entries[1]!.category).toBe('planned-maintenance');

    const table = await cli('list');
    expect(table.stdout).toMatch(/^c1\s+ledger\s+slo api-availability\s+deployment\s+2026-10-14T05:00:00.000Z – 2026-10-14T06:00:00.000Z\s+alice/m);

    const deleted = await cli('delete', 'c1', '--author', 'carol', '--reason', 'the deploy was fine after all');
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toBe('c1: deleted by carol\n');
    expect(json((await cli('list', '--format', 'json')).stdout).map((e) => e.id)).toEqual(['c2']);

    const shown = await cli('show', 'c1');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/added:\s+by alice at 20\d\d-/);
    expect(shown.stdout).toMatch(/status:\s+deleted by carol at 20\d\d-\d\d-\d\dT[\d:.]+Z \(the deploy was fine after all\)/);
    const shownJson = JSON.parse((await cli('show', 'c1', '--format', 'json')).stdout) as Record<string, any>;
    expect(shownJson.deleted).toMatchObject({ by: 'carol', reason: 'the deploy was fine after all' });
    expect(Date.parse(shownJson.deleted.at)).toBeGreaterThanOrEqual(Date.parse(shownJson.created));

    const history = json((await cli('history', '--format', 'json')).stdout);
    expect(history.map((h) => [h.id, h.action, h.author])).toEqual([['c1', 'add', 'alice'], ['c2', 'add', 'bob'], ['c1', 'delete', 'carol']]);
    expect(history[2]!.reason).toBe('the deploy was fine after all');
    expect(history[2]!.correction.excluded).toEqual({ from: '2026-10-14T05:00:00.000Z', to: '2026-10-14T06:00:00.000Z' });

    const again = await cli('delete', 'c1', '--author', 'dave');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already deleted by carol');
  });

  it('lists the config\'s corrections as source config, and refuses to delete them', async () => {
    const listed = await runCli(['--config', configFile, '--db', db, 'corrections', 'list', '--format', 'json']);
    expect(listed.code).toBe(0);
    const entries = json(listed.stdout);
    expect(entries[0]).toMatchObject({ id: 'config:0', source: 'config', author: null, excluded: { from: '2026-10-01T10:00:00.000Z', to: '2026-10-01T11:00:00.000Z' } });
    const refused = await runCli(['--config', configFile, '--db', db, 'corrections', 'delete', 'config:0', '--author', 'alice']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('edit the config');
  });

  it.each([
    ['an unknown category', ['--slo', 'api-availability', '--from', '2026-10-14T05:00Z', '--to', '2026-10-14T06:00Z', '--category', 'oops', '--reason', 'r'], '--category'],
    ['--to before --from', ['--slo', 'api-availability', '--from', '2026-10-14T06:00Z', '--to', '2026-10-14T05:00Z', '--category', 'other', '--reason', 'r'], '--to'],
    ['an unknown SLO', ['--slo', 'nope', '--from', '2026-10-14T05:00Z', '--to', '2026-10-14T06:00Z', '--category', 'other', '--reason', 'r'], '--slo'],
    ['a bad time', ['--slo', 'api-availability', '--from', 'yesterday', '--to', '2026-10-14T06:00Z', '--category', 'other', '--reason', 'r'], '--from'],
    ['a bad RRULE', ['--slo', 'api-availability', '--every', 'FREQ=SOMETIMES', '--duration', '2h', '--category', 'other', '--reason', 'r'], '--every'],
    ['a bad duration', ['--slo', 'api-availability', '--every', 'FREQ=DAILY', '--duration', 'two hours', '--category', 'other', '--reason', 'r'], '--duration'],
  ])('add with %s exits 2 naming the option', async (_, args, option) => {
    const run = await cli('add', ...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${option}:`);
  });

  it('delete of an unknown id exits 2', async () => {
    const run = await cli('delete', 'c99', '--author', 'alice');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('there is no correction "c99"');
  });
});

// A correction stored at run time changes the figures as the config's do.
describe('a correction in the ledger', () => {
  const DAY = 86_400_000;
  const AT = Date.parse('2026-11-01T00:00:00Z');
  const slo: SloDefinition = {
    name: 'a', service: 'svc', description: '', objectiveRatio: 0.999, windowMs: 30 * DAY,
    sli: { kind: 'events', badQuery: 'bad_a[{{.window}}]', totalQuery: 'total_a[{{.window}}]' },
  };
  let ledger: LedgerStores | undefined;
  afterEach(() => ledger?.close());

  it('leaves out the buckets it excludes, and comes back once deleted', async () => {
    ledger = openLedger(':memory:');
    const source = new InMemoryMetricsSource();
    // Every bucket holds 100 events, 1 of them bad: a window's sums are 100 and 99 times its buckets.
    for (let end = AT - 36 * DAY + BUCKET_MS; end <= AT; end += BUCKET_MS) source.set(slo.name, end, { good: 99, total: 100 });
    await syncLedger({ buckets: ledger.buckets, source, slos: [slo], clock: new ManualClock(AT + DAY), timeZone: 'UTC', atMs: AT, retentionMs: 400 * DAY });

    // 10:03–10:58 on 31 October: the 12 buckets ending 10:05 … 11:00.
    await ledger.corrections.add(
      { scope: { slo: 'a' }, timing: { kind: 'once', fromMs: Date.parse('2026-10-31T10:03:00Z'), toMs: Date.parse('2026-10-31T10:58:00Z') }, category: 'deployment', reason: 'bad deploy' },
      { author: 'alice', atMs: AT },
    );
    const figures = correctedBuckets(ledger.buckets, [...await ledger.corrections.list()], 'UTC');
    expect(figures).not.toBe(ledger.buckets);
    const series = (await figures.findSeries(slo))!;
    const day = await figures.sumWindow(series, AT - DAY, AT, false);
    expect(day).toMatchObject({ good: 99 * 276, total: 100 * 276, coveredBuckets: 276, expectedBuckets: 276, excludedBuckets: 12, raw: { good: 99 * 288, total: 100 * 288 } });
    // Outside the correction, nothing changes.
    expect(await figures.sumWindow(series, AT - 2 * DAY, AT - DAY, false)).toMatchObject({ good: 99 * 288, total: 100 * 288, expectedBuckets: 288 });
    const buckets = await figures.readBuckets(series, Date.parse('2026-10-31T10:00:00Z'), Date.parse('2026-10-31T11:05:00Z'));
    expect(buckets.map((b) => b.total)).toEqual([100, ...Array<number>(12).fill(0), 100]);

    // The status table and CSV show the raw figures beside the corrected ones, only where a correction touched the window.
    const statuses = await evaluateSlos(figures, [slo], ['24h', '7d'].map(parseWindowSpec), AT - DAY, 'UTC');
    expect(formatStatusTable(statuses, false)).not.toContain('raw');
    const corrected = await evaluateSlos(figures, [slo], ['24h', '7d'].map(parseWindowSpec), AT, 'UTC');
    const table = formatStatusTable(corrected, false).split('\n');
    expect(table.find((r) => r.startsWith('a ') && r.includes(' 24h '))).toContain('99.000% (raw 99.000%)');
    const csv = formatStatusCsv(corrected).trim().split('\n').map((r) => r.split(','));
    expect(csv[0]!.slice(-4)).toEqual(['excluded', 'raw_good', 'raw_total', 'raw_sli']);
    const day24 = csv.find((r) => r[2] === '24h')!;
    expect(day24.slice(-4).map(Number)).toEqual([12 / 288, 99 * 288, 100 * 288, 0.99]);
    expect(Number(day24[6])).toBe(100 * 276); // total, corrected
    expect(formatStatusCsv(statuses).split('\n')[0]).not.toContain('raw_');

    expect(await ledger.corrections.remove('c1', { author: 'bob', atMs: AT + 1 })).toBe(true);
    expect(await ledger.corrections.list()).toEqual([]);
    const restored = correctedBuckets(ledger.buckets, [...await ledger.corrections.list()], 'UTC');
    expect(await restored.sumWindow((await restored.findSeries(slo))!, AT - DAY, AT, false)).toMatchObject({ good: 99 * 288, total: 100 * 288 });
  });
});
