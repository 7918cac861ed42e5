import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { expandPattern } from '../../src/config/slo-files.js';
import { runCli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/fixture.js';
import { catchConfigError, EVENTS_SLO } from '../config/helpers.js';

// `slos_from`: OpenSLO and Sloth files as the source of truth, merged with the config's own `slos`,
// through loadConfig and through `slo-ledger config check` (the built CLI: run `npm run build` first).
const DOCUMENTS = join(REPO_ROOT, 'test', 'interop', 'documents');
const dir = mkdtempSync(join(tmpdir(), 'slo-ledger-slos-from-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  mkdirSync(join(dir, 'slos'));
  for (const name of ['openslo-v1-shop.yaml', 'openslo-v1alpha-payments.yaml', 'sloth-prometheus-v1.yaml']) copyFileSync(join(DOCUMENTS, name), join(dir, 'slos', name));
  copyFileSync(join(REPO_ROOT, 'test', 'interop', 'fixtures', 'sloth', 'getting-started.yml'), join(dir, 'slos', 'getting-started.yml'));
});

function write(name: string, lines: readonly string[]): string {
  const file = join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const OWN_SLO = ['slos:', ...EVENTS_SLO];

describe('slos_from through loadConfig', () => {
  it('merges the files\' SLOs after the config\'s own, takes the files\' alert policy and lets corrections name their SLOs', () => {
    const file = write('good.yaml', [
      'prometheus:',
      '  url: http://prometheus:9090/',
      'timezone: Europe/Berlin',
      'alertmanager:',
      '  url: http://alertmanager:9093',
      'slos_from:',
      '  - slos/openslo-*.yaml',
      '  - slos/sloth-prometheus-v1.yaml',
      ...OWN_SLO,
      'corrections:',
      '  - slo: orders-requests-availability',
      '    from: 2026-10-01T10:00:00Z',
      '    to: 2026-10-01T11:00:00Z',
      '    category: planned-maintenance',
      '    reason: database upgrade',
    ]);
    const config = loadConfig({ file, env: {} });
    expect(config.slos.map((s) => s.name)).toEqual([
      'checkout', 'checkout-availability', 'search-search-available', 'search-search-stellar', 'payments', 'orders-requests-availability', 'orders-requests-latency',
    ]);
    expect(config.alerting.policy).toEqual([
      { severity: 'page', longWindowMs: 3_600_000, shortWindowMs: 300_000, factor: 14.4 },
      { severity: 'ticket', longWindowMs: 86_400_000, shortWindowMs: 7_200_000, factor: 3 },
    ]);
    expect(config.corrections[0]!.scope).toEqual({ slo: 'orders-requests-availability' });
    expect(config.slos.find((s) => s.name === 'orders-requests-availability')!.alerting?.labels).toEqual({ owner: 'orders-team', category: 'availability', tier: '1', alert_name: 'OrdersHighErrorRate' });
  });

  it('uses only the files\' SLOs when the config has no slos of its own', () => {
    const file = write('only-files.yaml', ['slos_from: [slos/sloth-prometheus-v1.yaml]']);
    expect(loadConfig({ file, env: {} }).slos.map((s) => s.name)).toEqual(['orders-requests-availability', 'orders-requests-latency']);
  });

  it('reports every disagreement with the config at FILE:LINE:COL, naming both places', () => {
    const file = write('bad.yaml', [
      'prometheus:', // 1
      '  url: http://other-prometheus:9090', // 2
      'timezone: UTC', // 3
      'alertmanager:', // 4
      '  url: http://alertmanager:9093', // 5
      '  severity: { page: pager }', // 6
      'alerting:', // 7
      '  policy:', // 8
      '    - { severity: page, long_window: 1h, short_window: 5m, factor: 10 }', // 9
      'slos_from:', // 10
      '  - slos/openslo-v1-shop.yaml', // 11
      '  - slos/sloth-prometheus-v1.yaml', // 12
      '  - slos/nothing-*.yaml', // 13
      '  - slos/missing.yaml', // 14
      ...OWN_SLO.map((line) => line.replace('name: checkout', 'name: checkout-availability')), // 15-22
      'corrections:', // 23
      '  - slo: no-such-slo', // 24
      '    from: 2026-10-01T10:00:00Z',
      '    to: 2026-10-01T11:00:00Z',
      '    category: planned-maintenance',
      '    reason: database upgrade',
    ]);
    const shop = join(dir, 'slos', 'openslo-v1-shop.yaml');
    const sloth = join(dir, 'slos', 'sloth-prometheus-v1.yaml');
    const error = catchConfigError(() => loadConfig({ file, env: {} }));
    expect(error.exitCode).toBe(2);
    expect(error.diagnostics.map((d) => `${d.file === file ? 'CONFIG' : d.file === shop ? 'SHOP' : d.file === sloth ? 'SLOTH' : d.file}:${d.line}:${d.column}: ${d.path}: ${d.message}`)).toEqual([
      `CONFIG:13:5: slos_from[2]: "slos/nothing-*.yaml" matches no file (in ${dir})`,
      `CONFIG:14:5: slos_from[3]: "slos/missing.yaml": no such file (${join(dir, 'slos', 'missing.yaml')})`,
      'CONFIG:24:10: corrections[0].slo: no SLO is named "no-such-slo" (SLOs: checkout-availability, search-search-available, search-search-stellar, orders-requests-availability, orders-requests-latency)',
      `SHOP:20:10: spec.connectionDetails.url: DataSource "prometheus" is http://prometheus:9090, but the config's prometheus.url is http://other-prometheus:9090 (${file}:2:8); slo-ledger reads one Prometheus, the config's: make them agree`,
      `SHOP:88:1: : SLO name "checkout-availability" (OpenSLO SLO "checkout-availability") is also defined at ${file}:16:11 (slos[0].name)`,
      `SHOP:109:5: spec.alertPolicies: the alert policy of OpenSLO SLO "checkout-availability" differs from the config's alerting.policy (${file}:9:5); slo-ledger has one policy for all SLOs: make them agree, or leave alerting.policy out to use the files'`,
      `SHOP:139:19: spec.timeWindow[0].calendar.timeZone: the calendar window's time zone Europe/Berlin differs from the config's timezone UTC (${file}:3:11); a calendar month is the config's, so make them agree`,
      `SLOTH:25:21: slos[0].alerting.page_alert.labels.severity: Sloth SLO "requests-availability" of service "orders" labels its page alerts severity="critical", but slo-ledger sets severity="pager" on them (alertmanager.severity.page, ${file}:6:21); set alertmanager.severity.page: critical so routes keep matching`,
      `SLOTH:49:21: slos[1].alerting.page_alert.labels.severity: Sloth SLO "requests-latency" of service "orders" labels its page alerts severity="critical", but slo-ledger sets severity="pager" on them (alertmanager.severity.page, ${file}:6:21); set alertmanager.severity.page: critical so routes keep matching`,
    ]);
  });
});

describe('the files slos_from names', () => {
  it('expands * and ? in any path segment, in name order, and refuses **', () => {
    mkdirSync(join(dir, 'teams', 'a'), { recursive: true });
    mkdirSync(join(dir, 'teams', 'b'), { recursive: true });
    for (const name of ['a/x.yaml', 'a/y.yml', 'b/x.yaml', 'b/.hidden.yaml']) writeFileSync(join(dir, 'teams', name), '');
    expect(expandPattern('teams/*/x.yaml', dir)).toEqual([join(dir, 'teams/a/x.yaml'), join(dir, 'teams/b/x.yaml')]);
    expect(expandPattern('teams/a/?.y*', dir)).toEqual([join(dir, 'teams/a/x.yaml'), join(dir, 'teams/a/y.yml')]);
    expect(expandPattern('teams/b/*', dir)).toEqual([join(dir, 'teams/b/x.yaml')]);
    expect(expandPattern(join(dir, 'teams/a/x.yaml'), '/elsewhere')).toEqual([join(dir, 'teams/a/x.yaml')]);
    expect(expandPattern('teams/**/x.yaml', dir)).toBe('"teams/**/x.yaml": ** is not supported; list each folder, e.g. slos/*.yaml and slos/*/*.yaml');
  });
});

describe('slos_from through slo-ledger config check (the built CLI)', () => {
  it('accepts the files and lists every SLO', async () => {
    const file = write('check-ok.yaml', ['prometheus:', '  url: http://prometheus:9090', 'timezone: Europe/Berlin', 'slos_from: [slos/*.yaml, slos/*.yml]']);
    const run = await runCli(['config', 'check', file]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${file}: ok (8 SLOs: checkout-availability, search-search-available, search-search-stellar, payments, orders-requests-availability, orders-requests-latency, myservice-requests-availability)\n`.replace('8 SLOs', '7 SLOs'));
  });

  it('prints FILE:LINE:COL for every problem in the SLO files and exits 2', async () => {
    copyFileSync(join(DOCUMENTS, 'sloth-refused.yaml'), join(dir, 'refused.yaml'));
    const file = write('check-bad.yaml', ['slos_from:', '  - refused.yaml']);
    const run = await runCli(['config', 'check', file]);
    expect(run.code).toBe(2);
    const refused = join(dir, 'refused.yaml');
    expect(run.stderr.split('\n').filter((line) => line !== '')).toEqual([
      'slo-ledger: invalid configuration:',
      `${refused}:9:9: slos[0].sli.events.errorQuery: unknown key "errorQuery": write error_query: a prometheus/v1 file (snake_case) spells it so`,
      expect.stringMatching(new RegExp(`^${refused}:15:22: slos\\[1\\]\\.sli\\.events\\.error_query: cannot be read as a count of events: irate`)),
      `${refused}:26:9: slos[2].alerting.labels.alertname: slo-ledger names its alerts SloBurnRate and SloNoData (alerting.name is kept as the label alert_name)`,
      expect.stringMatching(new RegExp(`^${refused}:30:7: slos\\[3\\]\\.sli\\.raw: a raw SLI is an error ratio`)),
      expect.stringMatching(new RegExp(`^${refused}:35:7: slos\\[4\\]\\.sli\\.plugin: an SLI plugin`)),
    ]);
  });
});
