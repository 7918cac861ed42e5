import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../src/commands/demo.js';
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
  });
});
