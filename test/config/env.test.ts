import { describe, expect, it } from 'vitest';
import { expandEnvText } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load-config.js';
import { catchConfigError, writeConfig } from './helpers.js';

describe('expandEnvText', () => {
  const cases: Array<{ name: string; text: string; env: Record<string, string | undefined>; value: string; missing?: string[] }> = [
    { name: 'replaces a set variable', text: 'a-${X}-b', env: { X: '1' }, value: 'a-1-b' },
    { name: 'uses the default when the variable is unset', text: '${X:-fallback}', env: {}, value: 'fallback' },
    { name: 'uses the default when the variable is empty, as sh does', text: '${X:-d}', env: { X: '' }, value: 'd' },
    { name: 'keeps an empty value when no default is given', text: '<${X}>', env: { X: '' }, value: '<>' },
    { name: 'allows an empty default', text: '<${X:-}>', env: {}, value: '<>' },
    { name: 'turns $$ into one literal $', text: 'cost $$5 and $${X}', env: { X: 'no' }, value: 'cost $5 and ${X}' },
    { name: 'leaves a lone $ alone (PromQL regex anchors)', text: 'path=~"/api$"', env: {}, value: 'path=~"/api$"' },
    { name: 'reports an unset variable without default', text: '${A}${B:-b}${C}', env: {}, value: 'b', missing: ['A', 'C'] },
    { name: 'keeps a default containing colons', text: '${URL:-http://h:9090}', env: {}, value: 'http://h:9090' },
  ];
  it.each(cases)('$name', ({ text, env, value, missing }) => {
    const result = expandEnvText(text, env);
    expect(result.value).toBe(value);
    expect(result.missing).toEqual(missing ?? []);
  });

  it('reports malformed references', () => {
    expect(expandEnvText('${1X}', {}).malformed).toEqual(['${1X}']);
    expect(expandEnvText('x ${OPEN', {}).malformed).toEqual(['${OPEN']);
  });

  it('knows when the whole text was one reference', () => {
    expect(expandEnvText('${X}', { X: '1' }).wholeText).toBe(true);
    expect(expandEnvText('${X}s', { X: '1' }).wholeText).toBe(false);
    expect(expandEnvText('${X}${Y}', { X: '1', Y: '2' }).wholeText).toBe(false);
  });
});

describe('interpolation in config files', () => {
  it('names a missing variable with the line and column of its scalar', () => {
    const file = writeConfig(['prometheus:', '  url: http://localhost:9090', '  bearer_token: ${PROM_TOKEN}']);
    const error = catchConfigError(() => loadConfig({ file, env: {} }));
    expect(error.diagnostics).toEqual([
      {
        file,
        line: 3,
        column: 17,
        path: 'prometheus.bearer_token',
        message: 'environment variable PROM_TOKEN is not set (write ${PROM_TOKEN:-default} to give a default)',
      },
    ]);
    expect(error.message).toContain(`${file}:3:17: prometheus.bearer_token: environment variable PROM_TOKEN is not set`);
  });

  it('applies ${VAR:-default} and re-reads a plain whole-value substitution as a YAML scalar', () => {
    const file = writeConfig([
      'email:', '  smtp:', '    host: mail', '    port: ${SMTP_PORT:-587}', '    secure: ${SMTP_TLS:-true}', '  from: a@example.com', '  to: b@example.com',
      'prometheus:', '  timeout: ${TIMEOUT:-10s}',
    ]);
    const defaults = loadConfig({ file, env: {} });
    expect(defaults.email?.smtp).toMatchObject({ port: 587, secure: true });
    expect(defaults.prometheus.timeoutMs).toBe(10_000);
    const fromEnv = loadConfig({ file, env: { SMTP_PORT: '2525', SMTP_TLS: 'false', TIMEOUT: '1m' } });
    expect(fromEnv.email?.smtp).toMatchObject({ port: 2525, secure: false });
    expect(fromEnv.prometheus.timeoutMs).toBe(60_000);
  });

  it('keeps a quoted substitution a string', () => {
    const file = writeConfig(['email:', '  smtp:', '    host: mail', '    auth:', '      user: u', "      pass: '${CODE}'", '  from: "${FROM:-1@example.com}"', '  to: b@example.com']);
    const email = loadConfig({ file, env: { CODE: '0042' } }).email;
    expect(email?.smtp.auth?.pass).toBe('0042');
    expect(email?.from).toBe('1@example.com');
  });

  it('keeps a secret with ":" and "#" intact: substitution happens after parsing', () => {
    const file = writeConfig(['prometheus:', '  bearer_token: ${TOKEN}', '  headers:', '    X-Scope-OrgID: ${TENANT}']);
    const config = loadConfig({ file, env: { TOKEN: 'a: b # not a comment', TENANT: '[1, 2]' } });
    expect(config.prometheus.bearerToken).toBe('a: b # not a comment');
    expect(config.prometheus.headers).toEqual({ 'X-Scope-OrgID': '[1, 2]' });
  });

  it('keeps a numeric-looking secret as the exact string where the schema wants a string', () => {
    const file = writeConfig(['prometheus:', '  basic_auth:', '    username: ${USER_ID}', '    password: ${PASSWORD}']);
    const config = loadConfig({ file, env: { USER_ID: '0x1F', PASSWORD: '007' } });
    expect(config.prometheus.basicAuth).toEqual({ username: '0x1F', password: '007' });
  });

  it('reports a wrongly typed substituted value at the scalar', () => {
    const file = writeConfig(['slos:', '  - name: s', '    service: x', '    objective: ${OBJECTIVE}', '    sli: {latency: {histogram: h, threshold: 1}}']);
    expect(loadConfig({ file, env: { OBJECTIVE: '99.5' } }).slos[0]?.objectiveRatio).toBe(0.995);
    const error = catchConfigError(() => loadConfig({ file, env: { OBJECTIVE: 'high' } }));
    expect(error.diagnostics).toEqual([expect.objectContaining({ line: 4, path: 'slos[0].objective' })]);
  });

  it('does not interpolate mapping keys or PromQL without ${', () => {
    const file = writeConfig([
      'slos:',
      '  - name: s',
      '    service: x',
      '    objective: 99',
      '    sli:',
      '      events:',
      '        bad_query: sum(increase(x_total{path=~".*$"}[{{.window}}]))',
      '        total_query: sum(increase(x_total[{{.window}}]))',
    ]);
    const sli = loadConfig({ file, env: {} }).slos[0]?.sli;
    expect(sli).toMatchObject({ kind: 'events', badQuery: 'sum(increase(x_total{path=~".*$"}[{{.window}}]))' });
  });

  it('reports a missing variable once, not again as a type error', () => {
    const file = writeConfig(['retention: ${RETENTION}', 'timezone: ${TZ_NAME}']);
    const error = catchConfigError(() => loadConfig({ file, env: {} }));
    expect(error.diagnostics.map((d) => [d.line, d.path])).toEqual([
      [1, 'retention'],
      [2, 'timezone'],
    ]);
  });
});
