import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStatusReport, type StatusReport } from '../../src/app/status-report.js';
import { withAdapters } from '../../src/commands/context.js';
import { loadConfig } from '../../src/config/load-config.js';
import { parseWindowSpec } from '../../src/domain/window.js';
import { RENDIFF_EVALUATION_MS, RENDIFF_SCENARIO } from '../../src/fixture/scenarios.js';
import { startFixturePrometheus, type FixturePrometheus } from '../helpers/fixture.js';

// End to end: an SLO read from a Sloth file (rates over {{.window}}, read as increases) syncs from a
// real Prometheus holding the Rendiff scenario, and its figures equal those of the built-in
// api-availability SLO over the same requests: both count the same events.
const dir = mkdtempSync(join(tmpdir(), 'slo-ledger-sloth-e2e-'));
let fixture: FixturePrometheus;
let report: StatusReport;

const SLOTH_FILE = [
  '# A Sloth file for the Rendiff API: errors are 5xx responses, written the way Sloth users write them.',
  'version: "prometheus/v1"',
  'service: "rendiff-api"',
  'labels:',
  '  team: "media"',
  'slos:',
  '  - name: "requests-availability"',
  '    objective: 99.9',
  '    description: "Requests that are not 5xx."',
  '    sli:',
  '      events:',
  '        error_query: sum(rate(rendiff_api_requests_total{status_code=~"5.."}[{{.window}}]))',
  '        total_query: sum(rate(rendiff_api_requests_total{status_code=~".+"}[{{.window}}]))',
  '    alerting:',
  '      name: RendiffApiErrors',
  '      page_alert:',
  '        labels:',
  '          severity: critical',
  '      ticket_alert:',
  '        labels:',
  '          severity: warning',
];

beforeAll(async () => {
  fixture = await startFixturePrometheus(RENDIFF_SCENARIO);
  writeFileSync(join(dir, 'rendiff-sloth.yaml'), `${SLOTH_FILE.join('\n')}\n`);
  writeFileSync(join(dir, 'slo-ledger.yaml'), [
    `prometheus: { url: "${fixture.prometheus.url}" }`,
    `database: ${join(dir, 'ledger.db')}`,
    'slos_from: [rendiff-sloth.yaml]',
    'slos:',
    '  - name: api-availability',
    '    service: rendiff-api',
    '    objective: 99.9',
    '    tiers: { critical: 99, warning: 99.5 }',
    '    sli:',
    '      events:',
    '        bad_query: sum(increase(rendiff_api_requests_total{status_code=~"5.."}[{{.window}}]))',
    '        total_query: sum(increase(rendiff_api_requests_total[{{.window}}]))',
    '',
  ].join('\n'));
  const config = loadConfig({ file: join(dir, 'slo-ledger.yaml'), env: {} });
  report = await withAdapters(config, (adapters) =>
    buildStatusReport(adapters, { atMs: RENDIFF_EVALUATION_MS, windows: ['24h', '7d', '30d', '2026-10'].map(parseWindowSpec), offline: false }),
  );
}, 300_000);

afterAll(async () => {
  await fixture?.prometheus.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('an SLO imported from a Sloth file, synced from a real Prometheus', () => {
  it('syncs without errors and reads rates as increases', () => {
    expect(report.sync?.slos.filter((s) => s.error !== undefined)).toEqual([]);
    const imported = report.statuses.find((s) => s.slo.name === 'rendiff-api-requests-availability')!;
    expect(imported.slo.sli).toEqual({
      kind: 'events',
      badQuery: 'sum(increase(rendiff_api_requests_total{status_code=~"5.."}[{{.window}}]))',
      totalQuery: 'sum(increase(rendiff_api_requests_total{status_code=~".+"}[{{.window}}]))',
    });
  });

  it('gives the figures of the built-in api-availability SLO over the same requests, window by window', () => {
    const builtIn = report.statuses.find((s) => s.slo.name === 'api-availability')!;
    const imported = report.statuses.find((s) => s.slo.name === 'rendiff-api-requests-availability')!;
    const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b), 1e-300);
    for (const [index, window] of builtIn.windows.entries()) {
      const other = imported.windows[index]!;
      expect(other.window).toBe(window.window);
      expect(window.total).toBeGreaterThan(0);
      for (const key of ['good', 'total', 'sliRatio', 'burnRate', 'coverageRatio'] as const) {
        expect(close(other[key] ?? NaN, window[key] ?? NaN), `${window.window} ${key}: ${other[key]} vs ${window[key]}`).toBe(true);
      }
      expect(close(other.errorBudget.remainingRatio ?? NaN, window.errorBudget.remainingRatio ?? NaN)).toBe(true);
    }
  });
});
