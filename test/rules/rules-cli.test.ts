import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load-config.js';
import { buildRuleGroups } from '../../src/rules/build-rules.js';
import { renderRules } from '../../src/rules/render-rules.js';
import { runCli } from '../helpers/cli.js';
import { runPromtool } from './promtool.js';

// The built CLI (`npm run build` first), as a user runs it.
describe('slo-ledger rules on the command line', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-rules-cli-'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('prints the built-in SLOs\' rule file on stdout by default, without Prometheus or a ledger', async () => {
    const run = await runCli(['--db', join(dir, 'never-opened.db'), 'rules']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const config = loadConfig({ env: {} });
    expect(run.stdout).toBe(renderRules(buildRuleGroups(config.slos, config.alerting.policy), 'prometheus'));
    expect(existsSync(join(dir, 'never-opened.db'))).toBe(false);
  });

  it('writes a PrometheusRule to --out from a config with a grouped SLO, its own policy and an alertmanager section; promtool accepts its groups', async () => {
    const configFile = join(dir, 'slo-ledger.yaml');
    writeFileSync(
      configFile,
      [
        'alerting:',
        '  policy:',
        '    - { severity: page, long_window: 1h, short_window: 5m, budget_consumed: 2 }',
        '    - { severity: ticket, long_window: 1d, short_window: 2h, factor: 2 }',
        'alertmanager:',
        '  url: http://alertmanager:9093',
        '  labels: { team: video }',
        'slos:',
        '  - name: tenant-availability',
        '    service: api',
        '    objective: 99.5',
        '    window: 28d',
        '    group_by: [tenant]',
        '    sli:',
        '      events:',
        '        bad_query: sum by (tenant) (increase(api_requests_total{code=~"5.."}[{{.window}}]))',
        '        total_query: sum by (tenant) (increase(api_requests_total[{{.window}}]))',
        '',
      ].join('\n'),
    );
    const out = join(dir, 'slo-rules.yaml');
    const run = await runCli(['--config', configFile, 'rules', '--format', 'prometheus-operator', '--out', out]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    const rule = parse(readFileSync(out, 'utf8')) as {
      kind: string; spec: { groups: Array<{ name: string; rules: Array<{ alert?: string; expr: string; labels?: Record<string, string> }> }> };
    };
    expect(rule.kind).toBe('PrometheusRule');
    expect(rule.spec.groups.map((g) => g.name)).toEqual(['slo-ledger-tenant-availability']);
    // 2 % of a 28-day budget in 1h is 13.44×; the ticket's factor is as written.
    expect(rule.spec.groups[0]!.rules.filter((r) => r.alert !== undefined).map((r) => r.expr)).toEqual([
      '(slo:burn_rate:1h{slo="tenant-availability"} > 13.44 and slo:burn_rate:5m{slo="tenant-availability"} > 13.44)',
      '(slo:burn_rate:1d{slo="tenant-availability"} > 2 and slo:burn_rate:2h{slo="tenant-availability"} > 2)',
    ]);
    // Labelled as slo-ledger labels its own Alertmanager alerts: severity critical and warning, the static labels.
    expect(rule.spec.groups[0]!.rules.filter((r) => r.alert !== undefined).map((r) => r.labels)).toEqual([
      { team: 'video', severity: 'critical', slo: 'tenant-availability', service: 'api' },
      { team: 'video', severity: 'warning', slo: 'tenant-availability', service: 'api' },
    ]);
    const plain = join(dir, 'spec-groups.yaml');
    writeFileSync(plain, JSON.stringify({ groups: rule.spec.groups }));
    const check = await runPromtool(['check', 'rules', '--lint-fatal', plain]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    // Written through a temporary file: nothing is left beside the rules.
    expect(readdirSync(dir).filter((name) => name.includes('.tmp'))).toEqual([]);
  });

  it('exits 2 with a clear message for an unknown format or an --out that cannot be written', async () => {
    const format = await runCli(['rules', '--format', 'thanos']);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain("option '--format <format>' argument 'thanos' is invalid. Allowed choices are prometheus, prometheus-operator.");
    expect(format.stdout).toBe('');

    const missingDir = join(dir, 'no-such-dir', 'rules.yaml');
    const missing = await runCli(['rules', '--out', missingDir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(new RegExp(`^slo-ledger: --out: cannot write ${escape(missingDir)}: ENOENT`));
    expect(missing.stdout).toBe('');

    const aDirectory = join(dir, 'a-directory');
    mkdirSync(aDirectory);
    const directory = await runCli(['rules', '--out', aDirectory]);
    expect(directory.code).toBe(2);
    expect(directory.stderr).toMatch(new RegExp(`^slo-ledger: --out: cannot write ${escape(aDirectory)}: E`));
    expect(readdirSync(dir).filter((name) => name.includes('.tmp'))).toEqual([]);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
