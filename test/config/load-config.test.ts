import { describe, expect, it } from 'vitest';
import { DEFAULT_SLOS } from '../../src/config/defaults.js';
import { BUILT_IN_SOURCE, loadConfig } from '../../src/config/load-config.js';
import { ConfigError } from '../../src/errors.js';
import { EVENTS_SLO, catchConfigError, writeConfig } from './helpers.js';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('loadConfig: locating errors', () => {
  it('reports a wrong type at line 7 with the file, line, column and field', () => {
    const file = writeConfig([
      'prometheus:',
      '  url: http://prometheus:9090',
      'timezone: UTC',
      'slos:',
      '  - name: api-availability',
      '    service: rendiff-api',
      '    objective: ninety-nine',
      '    sli:',
      '      events:',
      '        bad_query: sum(increase(x_total{code=~"5.."}[{{.window}}]))',
      '        total_query: sum(increase(x_total[{{.window}}]))',
    ]);
    const error = catchConfigError(() => loadConfig({ file, env: {} }));
    expect(error.exitCode).toBe(2);
    expect(error.diagnostics).toEqual([
      { file, line: 7, column: 16, path: 'slos[0].objective', message: 'Expected number, received string' },
    ]);
    expect(error.message).toBe(`${file}:7:16: slos[0].objective: Expected number, received string`);
  });

  it('reports several errors at once, in file order', () => {
    const file = writeConfig([
      'timezone: Mars/Olympus_Mons', // 1
      'retention: forever', // 2
      'slos:', // 3
      '  - name: Bad_Name', // 4
      '    service: shop', // 5
      '    objective: 100', // 6
      '    window: 7 days', // 7
      '    sli:', // 8
      '      latency:', // 9
      '        histogram: http_request_duration_seconds', // 10
      '        threshold: -1', // 11
    ]);
    const error = catchConfigError(() => loadConfig({ file, env: {} }));
    expect(error.diagnostics.map((d) => [d.line, d.path])).toEqual([
      [1, 'timezone'],
      [2, 'retention'],
      [4, 'slos[0].name'],
      [6, 'slos[0].objective'],
      [7, 'slos[0].window'],
      [11, 'slos[0].sli.latency.threshold'],
    ]);
    expect(error.message.split('\n')).toHaveLength(6);
  });

  it('rejects an unknown key at the key itself and suggests the near miss', () => {
    const file = writeConfig(['prometheus:', '  url: http://prometheus:9090', '  timout: 10s']);
    const error = catchConfigError(() => loadConfig({ file, env: {} }));
    expect(error.diagnostics).toEqual([
      { file, line: 3, column: 3, path: 'prometheus.timout', message: 'unknown key "timout"; did you mean "timeout"?' },
    ]);
  });

  it('rejects a duplicate SLO name at the second occurrence', () => {
    const file = writeConfig(['slos:', ...EVENTS_SLO, ...EVENTS_SLO]);
    const error = catchConfigError(() => loadConfig({ file, env: {} }));
    expect(error.diagnostics).toEqual([
      { file, line: 9, column: 11, path: 'slos[1].name', message: 'duplicate SLO name "checkout"' },
    ]);
  });

  it('reports YAML syntax errors with their position', () => {
    const file = writeConfig(['prometheus:', '  url: http://a:9090', '  url: http://b:9090', 'slos:', '\t- name: x']);
    const error = catchConfigError(() => loadConfig({ file, env: {} }));
    expect(error.diagnostics).toEqual([
      { file, line: 3, column: 3, path: '', message: 'Map keys must be unique' },
      { file, line: 5, column: 1, path: '', message: 'Tabs are not allowed as indentation' },
    ]);
  });

  it('names the file it cannot read', () => {
    const error = catchConfigError(() => loadConfig({ file: '/nonexistent/slo-ledger.yaml', env: {} }));
    expect(error.message).toContain('/nonexistent/slo-ledger.yaml');
    expect(error.message).toContain('cannot read config file');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('treats a file that is not a mapping as an error at line 1', () => {
    const file = writeConfig(['- just', '- a list']);
    const error = catchConfigError(() => loadConfig({ file, env: {} }));
    expect(error.diagnostics[0]).toMatchObject({ file, line: 1, column: 1, path: '' });
  });
});

describe('loadConfig: SLO rules', () => {
  const slo = (lines: readonly string[]): string =>
    writeConfig(['slos:', '  - name: s', '    service: svc', ...lines]);

  it('rejects an objective of 100 percent', () => {
    const file = slo(['    objective: 100', '    sli:', '      latency: {histogram: h, threshold: 1}']);
    const error = catchConfigError(() => loadConfig({ file, env: {} }));
    expect(error.diagnostics).toEqual([
      expect.objectContaining({ line: 4, path: 'slos[0].objective', message: expect.stringContaining('below 100') }),
    ]);
  });

  it('rejects a latency SLI without a threshold, pointing at the latency mapping', () => {
    const file = slo(['    objective: 99', '    sli:', '      latency:', '        histogram: h']);
    const error = catchConfigError(() => loadConfig({ file, env: {} }));
    expect(error.diagnostics).toEqual([
      { file, line: 7, column: 9, path: 'slos[0].sli.latency.threshold', message: 'missing required key "threshold"' },
    ]);
  });

  it('rejects an events SLI with both good_query and bad_query', () => {
    const file = slo([
      '    objective: 99',
      '    sli:',
      '      events:',
      '        good_query: sum(increase(ok_total[{{.window}}]))',
      '        bad_query: sum(increase(bad_total[{{.window}}]))',
      '        total_query: sum(increase(all_total[{{.window}}]))',
    ]);
    const error = catchConfigError(() => loadConfig({ file, env: {} }));
    expect(error.diagnostics).toEqual([
      { file, line: 7, column: 9, path: 'slos[0].sli.events', message: 'give good_query or bad_query, not both' },
    ]);
  });

  it('rejects a query without the {{.window}} placeholder', () => {
    const file = slo([
      '    objective: 99',
      '    sli:',
      '      events:',
      '        good_query: sum(increase(ok_total[5m]))',
      '        total_query: sum(increase(all_total[{{.window}}]))',
    ]);
    const error = catchConfigError(() => loadConfig({ file, env: {} }));
    expect(error.diagnostics).toEqual([
      expect.objectContaining({ line: 7, column: 21, path: 'slos[0].sli.events.good_query', message: expect.stringContaining('{{.window}}') }),
    ]);
  });

  it('rejects an SLI with both kinds, tiers in the wrong order, and a window that is not whole buckets', () => {
    const file = slo([
      '    objective: 99',
      '    window: 7m',
      '    tiers: {critical: 99.5, warning: 99}',
      '    sli:',
      '      latency: {histogram: h, threshold: 1}',
      '      events: {good_query: "a[{{.window}}]", total_query: "b[{{.window}}]"}',
    ]);
    const error = catchConfigError(() => loadConfig({ file, env: {} }));
    expect(error.diagnostics.map((d) => d.path)).toEqual(['slos[0].window', 'slos[0].tiers.critical', 'slos[0].sli']);
  });

  it('converts percent to ratios, durations to milliseconds and fills the SLI defaults', () => {
    const file = slo([
      '    objective: 99.9',
      '    window: 28d',
      '    tiers: {critical: 99, warning: 99.5}',
      '    sli:',
      '      latency: {histogram: http_request_duration_seconds, threshold: 0.5}',
    ]);
    const config = loadConfig({ file, env: {} });
    expect(config.slos).toEqual([
      {
        name: 's',
        service: 'svc',
        description: '',
        objectiveRatio: 0.999,
        windowMs: 28 * DAY_MS,
        tiers: { criticalRatio: 0.99, warningRatio: 0.995 },
        sli: { kind: 'latency', histogram: 'http_request_duration_seconds', selector: '', thresholdSeconds: 0.5, quantile: 0.95 },
      },
    ]);
  });
});

describe('loadConfig: sources, defaults and overrides', () => {
  it('uses the built-in Rendiff defaults when no file is given', () => {
    const config = loadConfig({ env: {} });
    expect(config.source).toBe(BUILT_IN_SOURCE);
    expect(config.prometheus).toEqual({ url: 'http://localhost:9090', settleMs: 900_000, headers: {}, timeoutMs: 30_000 });
    expect(config.databasePath).toBe('./slo-ledger.db');
    expect(config.timeZone).toBe('UTC');
    expect(config.retentionMs).toBe(400 * DAY_MS);
    expect(config.slos).toEqual(DEFAULT_SLOS);
    expect(config.slos.map((s) => s.name)).toEqual(['api-availability', 'api-latency', 'job-success']);
    expect(config.secrets).toEqual([]);
  });

  it('reads the file named by SLO_LEDGER_CONFIG, and an explicit file wins over it', () => {
    const fromEnv = writeConfig(['database: /var/lib/env.db']);
    const explicit = writeConfig(['database: /var/lib/explicit.db']);
    expect(loadConfig({ env: { SLO_LEDGER_CONFIG: fromEnv } }).databasePath).toBe('/var/lib/env.db');
    const config = loadConfig({ file: explicit, env: { SLO_LEDGER_CONFIG: fromEnv } });
    expect(config.databasePath).toBe('/var/lib/explicit.db');
    expect(config.source).toBe(explicit);
  });

  it('lets PROMETHEUS_URL override prometheus.url, with or without a file', () => {
    const file = writeConfig(['prometheus:', '  url: http://from-file:9090']);
    const env = { PROMETHEUS_URL: 'https://thanos.example:10902' };
    expect(loadConfig({ file, env }).prometheus.url).toBe('https://thanos.example:10902');
    expect(loadConfig({ env }).prometheus.url).toBe('https://thanos.example:10902');
  });

  it('validates PROMETHEUS_URL and names it when it is wrong', () => {
    const error = catchConfigError(() => loadConfig({ env: { PROMETHEUS_URL: 'ftp://prometheus' } }));
    expect(error.diagnostics).toEqual([
      expect.objectContaining({ file: 'PROMETHEUS_URL (environment)', path: 'prometheus.url' }),
    ]);
  });

  it('rejects a bad timezone', () => {
    const file = writeConfig(['database: x.db', 'timezone: Europe/Atlantis']);
    const error = catchConfigError(() => loadConfig({ file, env: {} }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.diagnostics).toEqual([
      expect.objectContaining({ line: 2, column: 11, path: 'timezone', message: expect.stringContaining('IANA') }),
    ]);
  });

  it('accepts an IANA timezone', () => {
    const file = writeConfig(['timezone: Europe/Berlin']);
    expect(loadConfig({ file, env: {} }).timeZone).toBe('Europe/Berlin');
  });

  it('rejects bearer_token together with basic_auth', () => {
    const file = writeConfig([
      'prometheus:',
      '  bearer_token: abc',
      '  basic_auth:',
      '    username: u',
      '    password: p',
    ]);
    const error = catchConfigError(() => loadConfig({ file, env: {} }));
    expect(error.diagnostics).toEqual([
      expect.objectContaining({ line: 4, path: 'prometheus.basic_auth', message: expect.stringContaining('mutually exclusive') }),
    ]);
  });

  it('lists every secret so callers can redact them', () => {
    const file = writeConfig([
      'prometheus:',
      '  url: https://user:url-pass@prometheus.example',
      '  bearer_token: the-token',
      '  headers:',
      '    Authorization: Bearer header-token',
      '    X-Scope-OrgID: tenant-1',
      'slack:',
      '  webhook_url: https://hooks.slack.example/T0/B0/literal',
      'email:',
      '  smtp: smtp://reports:${SMTP_PASS}@${SMTP_HOST}:2525',
      '  from: slo@example.com',
      '  to: ops@example.com',
    ]);
    const config = loadConfig({ file, env: { SMTP_HOST: 'smtp.internal', SMTP_PASS: 'pass word' } });
    expect(new Set(config.secrets)).toEqual(
      new Set(['the-token', 'url-pass', 'Bearer header-token', 'https://hooks.slack.example/T0/B0/literal', 'smtp.internal', 'pass word', 'pass%20word']),
    );
    expect(config.email?.smtp).toEqual({ host: 'smtp.internal', port: 2525, secure: false, starttls: 'required', auth: { user: 'reports', pass: 'pass word' } });
  });
});

describe('loadConfig: the monthly report section', () => {
  it('defaults the incident factor to 6 and takes another from the file', () => {
    expect(loadConfig({ env: {} }).report.incidentFactor).toBe(6);
    expect(loadConfig({ file: writeConfig(['report:', '  incident_factor: 4.5']), env: {} }).report.incidentFactor).toBe(4.5);
  });

  it('rejects an incident factor that is not a positive number, at its line', () => {
    const file = writeConfig(['timezone: UTC', 'report:', '  incident_factor: 0']);
    const error = catchConfigError(() => loadConfig({ file, env: {} }));
    expect(error.message).toBe(`${file}:3:20: report.incident_factor: must be a burn rate above 0, e.g. 6`);
  });
});
