import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MAINTENANCE, runDemo } from '../../src/commands/demo.js';
import { loadConfig } from '../../src/config/load-config.js';
import { REPO_ROOT } from '../helpers/fixture.js';

// The README's first command, run as its code runs it: the fixture TSDB is the one the other
// suites share (.tmp/fixtures), the ledger and the report go to a temporary folder.
describe('the demo', () => {
  const reportsDir = mkdtempSync(join(tmpdir(), 'slo-ledger-demo-'));
  const out: string[] = [];
  const log: string[] = [];

  beforeAll(async () => {
    await runDemo({ keep: false, workDir: join(REPO_ROOT, '.tmp'), reportsDir, log: (line) => log.push(line), out: (text) => out.push(text) });
  }, 300_000);

  afterAll(() => rmSync(reportsDir, { recursive: true, force: true }));

  it('prints the status of the built-in SLOs and of the grouped one, with its endpoints', () => {
    const text = out.join('');
    for (const slo of ['api-availability', 'api-latency', 'job-success', 'api-availability-by-endpoint']) expect(text).toContain(slo);
    expect(text).toContain('endpoint=/api/v1/convert');
    expect(text).toContain('endpoint=/api/v1/jobs');
  });

  it('gives the grouped SLO, as a whole, the figures of the ungrouped one over the same requests', () => {
    const rows = out.join('').split('\n');
    const row = (name: string, window: string) => rows.find((r) => r.startsWith(`${name} `) && r.split(/\s{2,}/)[1] === window);
    for (const window of ['24h', '7d', '30d', '2026-10']) {
      const plain = row('api-availability', window)!.split(/\s{2,}/).slice(1);
      const grouped = row('api-availability-by-endpoint', window)!.split(/\s{2,}/).slice(1);
      expect(grouped).toEqual(plain);
    }
  });

  it('writes the monthly report of October 2026 and a config file that loads with the grouped SLO', () => {
    for (const format of ['html', 'json']) expect(existsSync(join(reportsDir, '2026-10', `report.${format}`))).toBe(true);
    const report = JSON.parse(readFileSync(join(reportsDir, '2026-10', 'report.json'), 'utf8')) as { slos: Array<{ name: string }> };
    expect(report.slos.map((s) => s.name)).toContain('api-availability-by-endpoint');
    const config = loadConfig({ file: join(REPO_ROOT, '.tmp', 'slo-ledger.yaml'), env: {} });
    expect(config.slos.find((s) => s.name === 'api-availability-by-endpoint')?.groupBy).toEqual(['endpoint']);
    expect(config.corrections).toEqual([DEMO_MAINTENANCE]);
  });

  it('shows its maintenance window in the report: the two hours excluded from api-latency, raw figures beside the corrected ones', () => {
    const report = JSON.parse(readFileSync(join(reportsDir, '2026-10', 'report.json'), 'utf8')) as {
      slos: Array<{ name: string; total: number; good: number; raw?: { total: number; good: number }; excluded_periods?: unknown[] }>;
      corrections?: Array<{ id: string; category: string; periods: Array<{ start: string; end: string }>; effects: Array<{ slo: string; good: number; bad: number }> }>;
    };
    expect(report.corrections).toHaveLength(1);
    const [maintenance] = report.corrections!;
    expect(maintenance).toMatchObject({ id: 'config:0', category: 'planned-maintenance', periods: [{ start: '2026-10-20T10:00:00.000Z', end: '2026-10-20T12:00:00.000Z' }] });
    const latency = report.slos.find((s) => s.name === 'api-latency')!;
    expect(latency.excluded_periods).toHaveLength(1);
    // What left the month is exactly what the correction lists as excluded.
    const [effect] = maintenance!.effects;
    expect(effect!.slo).toBe('api-latency');
    expect(latency.raw!.total - latency.total).toBeCloseTo(effect!.good + effect!.bad, 6);
    expect(latency.raw!.good - latency.good).toBeCloseTo(effect!.good, 6);
    expect(effect!.bad).toBeGreaterThan(0);
    expect(readFileSync(join(reportsDir, '2026-10', 'report.html'), 'utf8')).toContain('transcoder fleet migration');
  });
});
