import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/fixture/prometheus-server.js';
import { RENDIFF_SCENARIO } from '../src/fixture/scenarios.js';
import { runCli } from './helpers/cli.js';
import { startFixturePrometheus, type FixturePrometheus } from './helpers/fixture.js';
import { countTolerance, sliTolerance, trueBad, trueCounts, trueTotal } from './helpers/truth.js';

interface ContractWindow {
  window: string;
  start: string;
  end: string;
  good: number;
  total: number;
  sli: number | null;
  error_budget: { allowed: number; consumed: number | null; remaining: number | null };
  burn_rate: number | null;
  tier: string;
  coverage: number;
  objective_met: boolean | null;
  p95_seconds?: number | null;
}

interface Contract {
  at: string;
  slos: Array<{ name: string; service: string; objective: number; windows: ContractWindow[] }>;
}

describe('the command line', () => {
  let fixture: FixturePrometheus;
  let dir: string;

  beforeAll(async () => {
    fixture = await startFixturePrometheus(RENDIFF_SCENARIO);
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-cli-'));
  });
  afterAll(async () => {
    await fixture?.prometheus.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('config check names the file, line 7 and the field of a wrong type, and exits 2', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      ['prometheus:', '  url: http://127.0.0.1:9090', 'slos:', '  - name: checkout', '    service: shop', '    description: checkout', '    objective: "high"', '    sli:', '      events:', '        bad_query: x[{{.window}}]', '        total_query: y[{{.window}}]', ''].join('\n'),
    );
    const run = await runCli(['config', 'check', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${file}:7:`);
    expect(run.stderr).toContain('slos[0].objective');
  });

  it('config check of the built-in defaults passes and lists the three Rendiff SLOs', async () => {
    const run = await runCli(['config', 'check']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('api-availability, api-latency, job-success');
  });

  it('rejects a bad --at, --windows and --month with exit 2 and the option named', async () => {
    for (const [args, option] of [
      [['report', '--at', 'yesterday-ish'], '--at'],
      [['report', '--windows', '7x'], '--windows'],
      [['report', '--month', '2026-13'], '2026-13'],
      [['report', '--format', 'xml'], '--format'],
    ] as const) {
      const run = await runCli(['--db', join(dir, 'unused.db'), '--prometheus', fixture.prometheus.url, ...args]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toContain(option);
    }
  });

  it('report --format json prints the documented contract with the true figures, and --offline prints the same', async () => {
    const db = join(dir, 'report.db');
    const args = ['--db', db, '--prometheus', fixture.prometheus.url, 'report', '--at', '2026-11-01T00:00:00Z', '--format', 'json'];
    const online = await runCli(args);
    expect(online.stderr).toBe('');
    expect(online.code).toBe(0);
    const report = JSON.parse(online.stdout) as Contract;
    expect(report.at).toBe('2026-11-01T00:00:00.000Z');
    expect(report.slos.map((s) => [s.name, s.service, s.objective])).toEqual([
      ['api-availability', 'rendiff-api', 0.999],
      ['api-latency', 'rendiff-api', 0.95],
      ['job-success', 'rendiff-api', 0.95],
    ]);
    for (const slo of report.slos) {
      expect(slo.windows.map((w) => w.window)).toEqual(['24h', '7d', '30d']);
      for (const w of slo.windows) {
        const startMs = Date.parse(w.start);
        const endMs = Date.parse(w.end);
        expect(endMs).toBe(Date.parse(report.at));
        const truth = trueCounts(slo.name, fixture.fixture.truth, startMs, endMs);
        const tolerance = { relative: 1e-4, scrapeIntervalMs: RENDIFF_SCENARIO.scrapeIntervalMs, bucketMs: 300_000 };
        const badTolerance = countTolerance(startMs, endMs, trueBad(slo.name, fixture.fixture.truth), tolerance);
        const totalTolerance = countTolerance(startMs, endMs, trueTotal(slo.name, fixture.fixture.truth), tolerance);
        expect(Math.abs(w.sli! - truth.good / truth.total), `${slo.name} ${w.window}`).toBeLessThanOrEqual(sliTolerance(truth.good, truth.total, badTolerance, totalTolerance));
        expect(w.error_budget.allowed).toBeCloseTo((1 - slo.objective) * w.total, 6);
        expect(w.error_budget.consumed).toBeCloseTo((w.total - w.good) / w.error_budget.allowed, 9);
        expect(w.error_budget.remaining).toBeCloseTo(1 - w.error_budget.consumed!, 9);
        expect(w.burn_rate).toBeCloseTo((1 - w.sli!) / (1 - slo.objective), 9);
        expect(w.objective_met).toBe(w.sli! >= slo.objective);
        expect(w.coverage).toBe(1);
        expect(['ok', 'warning', 'critical']).toContain(w.tier);
        if (slo.name === 'api-latency') expect(w.p95_seconds).toBeGreaterThan(0);
        else expect(w).not.toHaveProperty('p95_seconds');
      }
    }
    // The Rendiff monitoring guide's breach tiers: the last day's availability (a 10 % error burst) is 99.7 %, above 99.5 %.
    const availability24h = report.slos[0]!.windows[0]!;
    expect(availability24h.sli).toBeLessThan(0.999);
    expect(availability24h.tier).toBe('ok');
    expect(availability24h.objective_met).toBe(false);

    const offline = await runCli([...args, '--offline']);
    expect(offline.code).toBe(0);
    expect(offline.stdout).toBe(online.stdout);
  });

  it('report --month adds the calendar month, as CSV too', async () => {
    const db = join(dir, 'month.db');
    const run = await runCli(['--db', db, '--prometheus', fixture.prometheus.url, 'report', '--month', '2026-10', '--windows', '24h', '--format', 'csv']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^slo,service,window,start,end,good,total,sli,/);
    expect(lines).toHaveLength(1 + 3 * 2);
    const month = lines.find((l) => l.startsWith('api-availability,rendiff-api,2026-10,'))!.split(',');
    expect(month[3]).toBe('2026-10-01T00:00:00.000Z');
    expect(month[4]).toBe('2026-11-01T00:00:00.000Z');
  });

  it('with Prometheus unreachable, report fails with exit 1 naming it, and the ledger keeps what it had', async () => {
    const db = join(dir, 'keep.db');
    const url = fixture.prometheus.url;
    const args = (prometheus: string, ...rest: string[]) => ['--db', db, '--prometheus', prometheus, 'report', '--at', '2026-11-01T00:00:00Z', '--format', 'json', ...rest];
    const first = await runCli(args(url));
    expect(first.code).toBe(0);
    const down = `http://127.0.0.1:${await freePort()}`;
    const failed = await runCli(['--db', db, '--prometheus', down, 'report', '--at', '2026-11-01T00:30:00Z', '--format', 'json']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(`cannot reach Prometheus at ${down}`);
    const after = await runCli(args(down, '--offline'));
    expect(after.code).toBe(0);
    expect(after.stdout).toBe(first.stdout);
  });

  it('never prints a bearer token taken from the environment', async () => {
    const file = join(dir, 'token.yaml');
    writeFileSync(file, ['prometheus:', `  url: http://127.0.0.1:${await freePort()}`, '  bearer_token: ${PROM_TOKEN}', ''].join('\n'));
    const printed = await runCli(['--config', file, 'config', 'print'], { PROM_TOKEN: 'sekret-token-42' });
    expect(printed.code).toBe(0);
    expect(printed.stdout).not.toContain('sekret-token-42');
    const failed = await runCli(['--config', file, '--db', join(dir, 'token.db'), 'sync', '--at', '2026-11-01T00:00:00Z'], { PROM_TOKEN: 'sekret-token-42' });
    expect(failed.code).toBe(1);
    expect(failed.stdout + failed.stderr).not.toContain('sekret-token-42');
  });
});
