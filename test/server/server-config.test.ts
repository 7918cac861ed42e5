import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { formatListenAddress, isLoopbackHost, parseListenAddress } from '../../src/config/listen-address.js';
import { printConfig } from '../../src/config/print-config.js';
import { exposureWarning } from '../../src/runtime/run-server.js';
import { catchConfigError, writeConfig } from '../config/helpers.js';

describe('server configuration', () => {
  it('defaults to 127.0.0.1:9464, no token, ./reports and groups on /metrics', () => {
    const config = loadConfig({ env: {} });
    expect(config.server).toEqual({ listen: { host: '127.0.0.1', port: 9464 }, reportsDir: './reports', metricsGroups: true, sloMetrics: 'all' });
    expect(parse(printConfig(config)).server).toEqual({ listen: '127.0.0.1:9464', reports_dir: './reports', metrics_groups: true });
  });

  it('reads metrics_groups: false, prints it and loads the printed form back to it', () => {
    const config = loadConfig({ file: writeConfig(['server:', '  metrics_groups: false']), env: {} });
    expect(config.server.metricsGroups).toBe(false);
    const printed = printConfig(config);
    expect(parse(printed).server.metrics_groups).toBe(false);
    expect(loadConfig({ file: writeConfig([printed]), env: {} }).server).toEqual(config.server);
  });

  it('the replicas of a PostgreSQL ledger: cluster and server.slo_metrics read, printed with PostgreSQL only, and loaded back', () => {
    const sqlite = loadConfig({ env: {} });
    expect(sqlite.cluster).toEqual({ leaseTimeMs: 15_000, claimBatch: 25 });
    expect(parse(printConfig(sqlite)).cluster).toBeUndefined();
    const file = writeConfig(['database: postgres://slo@127.0.0.1:5432/slo', 'server:', '  slo_metrics: leader', 'cluster:', '  lease_time: 6s', '  claim_batch: 10']);
    const config = loadConfig({ file, env: {} });
    expect(config.cluster).toEqual({ leaseTimeMs: 6_000, claimBatch: 10 });
    expect(config.server.sloMetrics).toBe('leader');
    const printed = parse(printConfig(config));
    expect(printed.cluster).toEqual({ lease_time: '6s', claim_batch: 10 });
    expect(printed.server.slo_metrics).toBe('leader');
    const again = loadConfig({ file: writeConfig([printConfig(config)]), env: {} });
    expect([again.cluster, again.server]).toEqual([config.cluster, config.server]);
  });

  it('refuses a lease under 1s, a claim batch that is not a positive whole number and an unknown slo_metrics, at their lines', () => {
    const file = writeConfig(['server:', '  slo_metrics: some', 'cluster:', '  lease_time: 500ms', '  claim_batch: 2.5']);
    const error = catchConfigError(() => loadConfig({ file, env: {} }));
    expect(error.diagnostics.map((d) => [d.line, d.path, d.message])).toEqual([
      [2, 'server.slo_metrics', 'must be "all" (every replica exports the SLO gauges) or "leader" (only the leading replica does)'],
      [4, 'cluster.lease_time', 'must be at least 1s: the leader renews its lease every third of it'],
      [5, 'cluster.claim_batch', 'must be a whole number of SLOs, e.g. 25'],
    ]);
  });

  it('refuses a metrics_groups that is not true or false, at its line', () => {
    const error = catchConfigError(() => loadConfig({ file: writeConfig(['server:', '  reports_dir: ./r', '  metrics_groups: "no"']), env: {} }));
    expect(error.diagnostics.map((d) => [d.line, d.path, d.message])).toEqual([[3, 'server.metrics_groups', 'must be true or false']]);
  });

  it('reads the token from the environment, keeps it as a secret and masks it in `config print`', () => {
    const file = writeConfig(['server:', '  listen: 0.0.0.0:8080', '  token: ${SLO_TOKEN}']);
    const config = loadConfig({ file, env: { SLO_TOKEN: 'tok-xyz-123' } });
    expect(config.server).toMatchObject({ listen: { host: '0.0.0.0', port: 8080 }, token: 'tok-xyz-123' });
    expect(config.secrets).toContain('tok-xyz-123');
    const printed = printConfig(config);
    expect(printed).not.toContain('tok-xyz-123');
    expect(parse(printed).server).toEqual({ listen: '0.0.0.0:8080', token: '***', reports_dir: './reports', metrics_groups: true });
  });

  it('reports a bad listen address, an empty token and an unknown key with their lines', () => {
    const file = writeConfig(['server:', '  listen: 9464', '  token: ""', '  port: 1']);
    const error = catchConfigError(() => loadConfig({ file, env: {} }));
    const found = error.diagnostics.map((d) => [d.line, d.path]);
    expect(found).toEqual([[2, 'server.listen'], [3, 'server.token'], [4, 'server.port']]);
  });

  it('reads named api tokens from the environment, keeps each as a secret and prints the names with *** for the tokens', () => {
    const file = writeConfig(['server:', '  api_tokens:', '    alice@ops: ${ALICE_TOKEN}', '    deploy-bot.v2: ${BOT_TOKEN}']);
    const config = loadConfig({ file, env: { ALICE_TOKEN: 'alice-tok-91c2', BOT_TOKEN: 'bot-tok-77e0' } });
    expect(config.server.apiTokens).toEqual({ 'alice@ops': 'alice-tok-91c2', 'deploy-bot.v2': 'bot-tok-77e0' });
    expect(config.secrets).toEqual(expect.arrayContaining(['alice-tok-91c2', 'bot-tok-77e0']));
    const printed = printConfig(config);
    expect(printed).not.toContain('alice-tok-91c2');
    expect(printed).not.toContain('bot-tok-77e0');
    expect(parse(printed).server.api_tokens).toEqual({ 'alice@ops': '***', 'deploy-bot.v2': '***' });
  });

  it('reports a bad token name at its key, and an empty, spaced, doubled or read token at its value, never quoting a token', () => {
    const file = writeConfig([
      'server:',
      '  token: ${READ_TOKEN}',
      '  api_tokens:',
      '    alice: ${ALICE_TOKEN}',
      '    "bad name!": tok-bad-name-1',
      '    bob: ${ALICE_TOKEN}',
      '    carol: ${READ_TOKEN}',
      `    ${'x'.repeat(65)}: tok-long-name-1`,
    ]);
    const error = catchConfigError(() => loadConfig({ file, env: { READ_TOKEN: 'read-tok-5a1', ALICE_TOKEN: 'alice-tok-3b9' } }));
    expect(error.diagnostics.map((d) => [d.line, d.column, d.path])).toEqual([
      [5, 5, 'server.api_tokens["bad name!"]'],
      [6, 10, 'server.api_tokens.bob'],
      [7, 12, 'server.api_tokens.carol'],
      [8, 5, `server.api_tokens.${'x'.repeat(65)}`],
    ]);
    expect(error.message).toContain(`${file}:5:5: server.api_tokens["bad name!"]: "bad name!" is not a token name: 1 to 64 characters`);
    expect(error.message).toContain('server.api_tokens.bob: has the same token as "alice"');
    expect(error.message).toContain('server.api_tokens.carol: is the same as server.token');
    for (const token of ['read-tok-5a1', 'alice-tok-3b9', 'tok-bad-name-1', 'tok-long-name-1']) expect(error.message).not.toContain(token);

    const values = writeConfig(['server:', '  api_tokens:', '    a: ""', '    b: "two words"', '    c: 42']);
    const found = catchConfigError(() => loadConfig({ file: values, env: {} })).diagnostics.map((d) => [d.line, d.path, d.message]);
    expect(found).toEqual([
      [3, 'server.api_tokens.a', 'must not be empty'],
      [4, 'server.api_tokens.b', 'must not contain whitespace: an Authorization header could not carry it'],
      [5, 'server.api_tokens.c', 'must be a token (a string; give it as ${VAR} from the environment)'],
    ]);
    const empty = catchConfigError(() => loadConfig({ file: writeConfig(['server:', '  api_tokens: {}']), env: {} }));
    expect(empty.diagnostics.map((d) => [d.line, d.path])).toEqual([[2, 'server.api_tokens']]);
  });

  it('names the unset variable when an api token comes from one that is missing', () => {
    const file = writeConfig(['server:', '  api_tokens:', '    alice: ${ALICE_TOKEN}']);
    expect(catchConfigError(() => loadConfig({ file, env: {} })).message).toMatch(/:3:12: server\.api_tokens\.alice: .*ALICE_TOKEN/);
  });

  it('names the unset variable when the token comes from one that is missing', () => {
    const file = writeConfig(['server:', '  token: ${SLO_TOKEN}']);
    expect(catchConfigError(() => loadConfig({ file, env: {} })).message).toContain('SLO_TOKEN');
  });
});

describe('listen addresses', () => {
  it.each([
    ['127.0.0.1:9464', '127.0.0.1', 9464],
    ['0.0.0.0:1', '0.0.0.0', 1],
    ['localhost:65535', 'localhost', 65535],
    ['[::1]:9464', '::1', 9464],
  ])('parses %s', (text, host, port) => {
    expect(parseListenAddress(text)).toEqual({ host, port });
    expect(formatListenAddress({ host, port })).toBe(text);
  });

  it.each(['9464', ':9464', '127.0.0.1', '127.0.0.1:0', '127.0.0.1:70000', '::1:9464', 'http://x:1', 'a b:1'])('rejects %s', (text) => {
    expect(() => parseListenAddress(text)).toThrow(/is not HOST:PORT/);
  });

  it('warns only for a non-loopback address without a token', () => {
    expect(isLoopbackHost('127.0.0.1') && isLoopbackHost('::1') && isLoopbackHost('localhost')).toBe(true);
    expect(exposureWarning('0.0.0.0', false, '0.0.0.0:9464')).toMatch(/^WARNING: .*WITHOUT a bearer token/);
    expect(exposureWarning('0.0.0.0', true, '0.0.0.0:9464')).toBeUndefined();
    expect(exposureWarning('127.0.0.1', false, '127.0.0.1:9464')).toBeUndefined();
  });
});
