import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/fixture/prometheus-server.js';
import { ALERT_SCENARIO } from '../helpers/alert-scenario.js';
import { eventually } from '../helpers/alertmanager.js';
import { CLI, runCli } from '../helpers/cli.js';
import { startFixturePrometheus, type FixturePrometheus } from '../helpers/fixture.js';

const AT = '2026-10-31T22:00:00Z';
/** `config check --at`: the fixture's data lies in the three days before. */
const CHECK_AT = '2026-11-01T00:00:00Z';

// A total_query with a syntax error, in a plain scalar: its value starts at column 22 of line 8 and
// is 53 characters long, so Prometheus's "unclosed left parenthesis" (at the end) is column 75.
const SYNTAX_ERROR = [
  'slos:',
  '  - name: api-availability',
  '    service: rendiff-api',
  '    objective: 99.9',
  '    sli:',
  '      events:',
  '        bad_query: sum(increase(rendiff_api_requests_total{status_code=~"5.."}[{{.window}}]))',
  '        total_query: sum(increase(rendiff_api_requests_total[{{.window}}])',
];

// A Sloth file whose error_query (a block literal) has a regular expression Prometheus cannot parse
// (lezer-promql reads it fine, so the file loads): Prometheus places the error at the matcher, line 10
// column 40.
const SLOTH_FILE = [
  'version: "prometheus/v1"',
  'service: "rendiff"',
  'slos:',
  '  - name: "requests-availability"',
  '    objective: 99.9',
  '    sli:',
  '      events:',
  '        error_query: |',
  '          sum(rate(',
  '            rendiff_api_requests_total{status_code=~"5(("}[{{.window}}]',
  '          ))',
  '        total_query: sum(rate(rendiff_api_requests_total[{{.window}}]))',
];

// A type error in a folded block: rate of an instant vector; Prometheus points at its argument,
// line 10 column 22.
const TYPE_ERROR = [
  'slos:',
  '  - name: job-success',
  '    service: rendiff-api',
  '    objective: 95',
  '    sli:',
  '      events:',
  '        good_query: sum(increase(rendiff_jobs_completed_total[{{.window}}]))',
  '        total_query: >-',
  '          sum(increase(rendiff_jobs_completed_total[{{.window}}]))',
  '          + sum(rate(rendiff_jobs_failed_total))',
];

const VALID = [
  'slos:',
  '  - name: api-availability',
  '    service: rendiff-api',
  '    objective: 99.9',
  '    sli:',
  '      events:',
  '        bad_query: sum(increase(rendiff_api_requests_total{status_code=~"5.."}[{{.window}}]))',
  '        total_query: sum(increase(rendiff_api_requests_total[{{.window}}]))',
  '  - name: api-latency',
  '    service: rendiff-api',
  '    objective: 95',
  '    sli:',
  '      latency:',
  '        histogram: rendiff_api_request_duration_seconds',
  '        threshold: 2',
];

// A misspelt label (line 7, the selector at column 33) and a misspelt metric (line 8, column 35).
const MISSPELT = [
  'slos:',
  '  - name: api-availability',
  '    service: rendiff-api',
  '    objective: 99.9',
  '    sli:',
  '      events:',
  '        bad_query: sum(increase(rendiff_api_requests_total{status=~"5.."}[{{.window}}]))',
  '        total_query: sum(increase(rendiff_api_request_total[{{.window}}]))',
];

// Queries Prometheus refuses that slo-ledger names by what the user wrote, through the built CLI
// against a real Prometheus: sync, tick, report and serve, and `config check --prometheus`.
describe('refused queries named by the query as written (the built CLI, a real Prometheus)', () => {
  let fixture: FixturePrometheus;
  let dir: string;
  let url: string;
  let runs = 0;

  const write = (name: string, lines: readonly string[]) => {
    const file = join(dir, name);
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  };
  const db = () => join(dir, `ledger-${(runs += 1)}.db`);
  const cli = (config: string, args: string[], env: Record<string, string> = {}) => runCli(['--config', config, ...args], env, 60_000);

  beforeAll(async () => {
    fixture = await startFixturePrometheus(ALERT_SCENARIO);
    url = fixture.prometheus.url;
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-query-origins-'));
    mkdirSync(join(dir, 'slos'));
  }, 120_000);

  afterAll(async () => {
    await fixture?.prometheus.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('sync, tick, report and serve', () => {
    it('sync: a syntax error in total_query of the main config, at FILE:LINE:COL inside it, with the query as written', async () => {
      const config = write('syntax.yaml', SYNTAX_ERROR);
      const run = await cli(config, ['--prometheus', url, '--db', db(), 'sync', '--at', AT]);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        'slo-ledger: sync of api-availability failed: SLO api-availability: Prometheus refused its total_query: ' +
          `${config}:8:75: slos[0].sli.events.total_query: parse error: unclosed left parenthesis; ` +
          'total_query as written: sum(increase(rendiff_api_requests_total[{{.window}}])\n',
      );
      // Nothing of the combined query the sync sends.
      expect(run.stderr).not.toContain('label_replace');
    });

    it('tick: the same message in the sync step', async () => {
      const config = write('syntax-tick.yaml', SYNTAX_ERROR);
      const run = await cli(config, ['--prometheus', url, '--db', db(), 'tick', '--dry-run', '--at', AT]);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(
        `sync: FAILED: sync of api-availability failed: SLO api-availability: Prometheus refused its total_query: ${config}:8:75: slos[0].sli.events.total_query: parse error: unclosed left parenthesis; total_query as written: sum(increase(rendiff_api_requests_total[{{.window}}])\n`,
      );
    });

    it('sync: an error in a block scalar of a slos_from (Sloth) file, at its line and column there, named in the file\'s own terms', async () => {
      const sloth = write('slos/orders.sloth.yaml', SLOTH_FILE);
      const config = write('from.yaml', ['slos_from: [slos/orders.sloth.yaml]']);
      const run = await cli(config, ['--prometheus', url, '--db', db(), 'sync', '--at', AT]);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        'slo-ledger: sync of rendiff-requests-availability failed: SLO rendiff-requests-availability: Prometheus refused its bad_query: ' +
          `${sloth}:10:40: slos[0].sli.events.error_query: parse error: error parsing regexp: missing closing ): \`^(?:5(()$\`; ` +
          'bad_query as written: "sum(rate(\\n  rendiff_api_requests_total{status_code=~\\"5((\\"}[{{.window}}]\\n))"\n',
      );
    });

    it('report: a type error in a folded block, with Prometheus\'s own words', async () => {
      const config = write('type.yaml', TYPE_ERROR);
      const run = await cli(config, ['--prometheus', url, '--db', db(), 'report', '--at', AT, '--windows', '24h']);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        'slo-ledger: sync of job-success failed: SLO job-success: Prometheus refused its total_query: ' +
          `${config}:10:22: slos[0].sli.events.total_query: parse error: expected type range vector in call to function "rate", got instant vector; ` +
          'total_query as written: sum(increase(rendiff_jobs_completed_total[{{.window}}])) + sum(rate(rendiff_jobs_failed_total))\n',
      );
    });

    it('serve: the refused query is the /readyz reason of its SLO', async () => {
      const config = write('syntax-serve.yaml', SYNTAX_ERROR);
      const port = await freePort();
      const args = ['--config', config, '--prometheus', url, '--db', db(), 'serve', '--listen', `127.0.0.1:${port}`, '--at', AT];
      const server: ChildProcess = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      server.stdout!.on('data', (chunk) => (output += String(chunk)));
      server.stderr!.on('data', (chunk) => (output += String(chunk)));
      try {
        const reasons = await eventually(async () => {
          if (server.exitCode !== null) throw new Error(`serve exited ${server.exitCode}: ${output}`);
          const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
          const body = response === undefined ? undefined : ((await response.json()) as { reasons: string[] });
          return body?.reasons.some((r) => r.startsWith('prometheus: api-availability:')) ? body.reasons : undefined;
        }, 60_000, 'the first sync recorded');
        expect(reasons).toContain(
          `prometheus: api-availability: SLO api-availability: Prometheus refused its total_query: ${config}:8:75: slos[0].sli.events.total_query: parse error: unclosed left parenthesis; total_query as written: sum(increase(rendiff_api_requests_total[{{.window}}])`,
        );
      } finally {
        if (server.exitCode === null && server.signalCode === null) {
          const exited = new Promise((resolve) => server.once('exit', resolve));
          server.kill('SIGTERM');
          await exited;
        }
      }
    }, 90_000);
  });

  describe('config check --prometheus', () => {
    it('a valid config: the offline line, then one line saying every query parses and matches series', async () => {
      const config = write('valid.yaml', VALID);
      const offline = await cli(config, ['config', 'check']);
      expect(offline).toMatchObject({ code: 0, stdout: `${config}: ok (2 SLOs: api-availability, api-latency)\n`, stderr: '' });
      const online = await cli(config, ['config', 'check', '--prometheus', url, '--at', CHECK_AT]);
      expect(online.stderr).toBe('');
      expect(online.code).toBe(0);
      expect(online.stdout).toBe(`${config}: ok (2 SLOs: api-availability, api-latency)\n${url}: all 3 queries are valid PromQL and match series\n`);
    });

    it('--online takes the URL from $PROMETHEUS_URL; without it or --prometheus, --strict and --at are usage errors', async () => {
      const config = write('valid-env.yaml', VALID);
      const online = await cli(config, ['config', 'check', '--online', '--at', CHECK_AT], { PROMETHEUS_URL: url });
      expect(online.code, online.stderr).toBe(0);
      expect(online.stdout).toContain(`${url}: all 3 queries are valid PromQL and match series\n`);
      // $PROMETHEUS_URL alone keeps the check offline.
      const offline = await cli(config, ['config', 'check'], { PROMETHEUS_URL: url });
      expect(offline).toMatchObject({ code: 0, stdout: `${config}: ok (2 SLOs: api-availability, api-latency)\n`, stderr: '' });
      const usage = await cli(config, ['config', 'check', '--strict']);
      expect(usage.code).toBe(2);
      expect(usage.stderr).toBe('slo-ledger: --strict and --at check the queries online: give --online or --prometheus URL\n');
    });

    it('a misspelt metric and a misspelt label: a warning each at the selector, exit 0; --strict makes them errors (exit 2)', async () => {
      const config = write('misspelt.yaml', MISSPELT);
      const warnings = [
        `${config}:7:33: slos[0].sli.events.bad_query: warning: rendiff_api_requests_total{status=~"5.."} matches no series in the 30d before 2026-11-01T00:00:00.000Z: rendiff_api_requests_total has series, but none with these labels`,
        `${config}:8:35: slos[0].sli.events.total_query: warning: rendiff_api_request_total matches no series in the 30d before 2026-11-01T00:00:00.000Z`,
      ];
      const run = await cli(config, ['config', 'check', '--prometheus', url, '--at', CHECK_AT]);
      expect(run.code).toBe(0);
      expect(run.stderr).toBe(`${warnings.join('\n')}\n`);
      expect(run.stdout).toBe(`${config}: ok (1 SLOs: api-availability)\n${url}: all 2 queries are valid PromQL; 2 selectors match no series (warnings on stderr)\n`);

      const strict = await cli(config, ['config', 'check', '--prometheus', url, '--at', CHECK_AT, '--strict']);
      expect(strict.code).toBe(2);
      expect(strict.stdout).toBe('');
      expect(strict.stderr).toBe(`slo-ledger: invalid configuration:\n${warnings.map((w) => w.replace(': warning: ', ': ')).join('\n')}\n`);
    });

    it('refused queries of the main config and of a slos_from file, each at FILE:LINE:COL: exit 2', async () => {
      const sloth = write('slos/check.sloth.yaml', SLOTH_FILE);
      const config = write('invalid.yaml', ['slos_from: [slos/check.sloth.yaml]', ...SYNTAX_ERROR, ...TYPE_ERROR.slice(1)]);
      const run = await cli(config, ['config', 'check', '--prometheus', url, '--at', CHECK_AT]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(
        [
          'slo-ledger: invalid configuration:',
          `${config}:9:75: slos[0].sli.events.total_query: Prometheus refuses it: parse error: unclosed left parenthesis`,
          `${config}:18:22: slos[1].sli.events.total_query: Prometheus refuses it: parse error: expected type range vector in call to function "rate", got instant vector`,
          `${sloth}:10:40: slos[0].sli.events.error_query: Prometheus refuses it: parse error: error parsing regexp: missing closing ): \`^(?:5(()$\``,
          '',
        ].join('\n'),
      );
    });

    it('an unreachable Prometheus: exit 1 naming the URL, its password masked', async () => {
      const config = write('unreachable.yaml', VALID);
      const port = await freePort();
      const run = await cli(config, ['config', 'check', '--prometheus', `http://reader:s3cret@127.0.0.1:${port}`]);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(`slo-ledger: config check: cannot reach Prometheus at http://reader:***@127.0.0.1:${port}: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:${port}\n`);
    });
  });
});
