import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load-config.js';
import type { AppConfig } from '../../src/config/load-config.js';
import { printConfig } from '../../src/config/print-config.js';
import { writeConfig } from './helpers.js';

const SECRETS = {
  PROM_PASSWORD: 'p@ss: #word',
  AUTH_HEADER: 'Bearer abc.def',
  SMTP_HOST: 'smtp.internal.example',
  SMTP_PASSWORD: '123456',
};

const CONFIG_LINES = [
  'prometheus:',
  '  url: https://prometheus.example:9090',
  '  headers:',
  '    Authorization: ${AUTH_HEADER}',
  '    X-Scope-OrgID: tenant-a',
  '  basic_auth:',
  '    username: reader',
  '    password: ${PROM_PASSWORD}',
  '  timeout: 90s',
  'database: /var/lib/slo-ledger/ledger.db',
  'timezone: Europe/Berlin',
  'email:',
  '  smtp:',
  '    host: ${SMTP_HOST}',
  '    port: 587',
  '    auth:',
  '      user: reports',
  '      pass: ${SMTP_PASSWORD}',
  '  from: SLO reports <slo@example.com>',
  '  to: [ops@example.com]',
  'slack:',
  '  webhook_url: https://hooks.slack.example/services/T0/B0/xyz',
  '  channel: "#slo"',
  'slos:',
  '  - name: checkout',
  '    service: shop',
  '    description: Checkout must work',
  '    objective: 99.95',
  '    window: 28d',
  '    tiers: {critical: 99, warning: 99.5}',
  '    sli:',
  '      events:',
  '        bad_query: sum(increase(http_requests_total{code=~"5.."}[{{.window}}]))',
  '        total_query: sum(increase(http_requests_total[{{.window}}]))',
  '  - name: checkout-latency',
  '    service: shop',
  '    objective: 99',
  '    sli:',
  '      latency:',
  '        histogram: http_request_duration_seconds',
  '        selector: route="/checkout"',
  '        threshold: 0.3',
  '        quantile: 0.99',
];

/** Replaces each masked value with a fresh ${SECRET_n} and returns the env that supplies them, in order. */
function unmask(printed: string, values: readonly string[]): { text: string; env: Record<string, string> } {
  const env: Record<string, string> = {};
  let index = 0;
  const text = printed.replace(/(["'])\*\*\*\1/g, () => {
    const name = `SECRET_${index}`;
    env[name] = values[index] ?? '';
    index += 1;
    return '${' + name + '}'; // unquoted, as written originally, so numbers re-resolve the same way
  });
  expect(index).toBe(values.length);
  return { text, env };
}

/** The config without what depends on the file it came from: its name, and where its queries are written. */
function withoutSource({ source: _source, queryOrigins: _origins, secrets, ...rest }: AppConfig): unknown {
  return { ...rest, secrets: [...secrets].sort() };
}

describe('printConfig', () => {
  const file = writeConfig(CONFIG_LINES);
  const config = loadConfig({ file, env: SECRETS });
  const printed = printConfig(config);

  it('masks every secret', () => {
    for (const secret of [...Object.values(SECRETS), 'https://hooks.slack.example/services/T0/B0/xyz']) {
      expect(printed).not.toContain(secret);
    }
    const shown = parse(printed) as Record<string, Record<string, unknown>>;
    expect(shown.prometheus).toMatchObject({
      headers: { Authorization: '***', 'X-Scope-OrgID': 'tenant-a' },
      basic_auth: { username: 'reader', password: '***' },
      timeout: '1m30s',
    });
    expect(shown.email).toEqual({
      smtp: { host: '***', port: 587, secure: false, starttls: 'required', auth: { user: 'reports', pass: '***' } },
      from: 'SLO reports <slo@example.com>',
      to: ['ops@example.com'],
      subject: '[SLA] {service} {month} — {status}',
      deadline: '3d',
      timeout: '30s',
    });
    expect(shown.slack).toEqual({ webhook_url: '***', format: 'slack', channel: '#slo', timeout: '10s' });
  });

  it('prints the file form: snake_case, percent objectives, duration strings, defaults spelled out', () => {
    const shown = parse(printed) as { retention: string; slos: unknown[] };
    expect(shown.retention).toBe('400d');
    expect(shown.slos[0]).toEqual({
      name: 'checkout',
      service: 'shop',
      description: 'Checkout must work',
      objective: 99.95,
      window: '4w',
      tiers: { critical: 99, warning: 99.5 },
      sli: {
        events: {
          bad_query: 'sum(increase(http_requests_total{code=~"5.."}[{{.window}}]))',
          total_query: 'sum(increase(http_requests_total[{{.window}}]))',
        },
      },
    });
    expect(printed).toContain(`from ${file}`);
  });

  it('loads again to the same configuration when the masked secrets come from the environment', () => {
    // Masks appear in document order: Authorization, basic_auth.password, email.smtp.host, email.smtp.auth.pass, slack.webhook_url.
    const { text, env } = unmask(printed, [
      SECRETS.AUTH_HEADER,
      SECRETS.PROM_PASSWORD,
      SECRETS.SMTP_HOST,
      SECRETS.SMTP_PASSWORD,
      'https://hooks.slack.example/services/T0/B0/xyz',
    ]);
    const reloaded = loadConfig({ file: writeConfig([text]), env });
    expect(withoutSource(reloaded)).toEqual(withoutSource(config));
  });

  it('prints the built-in defaults in a form that loads back to them', () => {
    const defaults = loadConfig({ env: {} });
    const text = printConfig(defaults);
    expect(text).toContain('or vector(0)');
    expect(withoutSource(loadConfig({ file: writeConfig([text]), env: {} }))).toEqual(withoutSource(defaults));
  });

  it('masks a bearer token and a password in the URL', () => {
    const tokenFile = writeConfig(['prometheus:', '  url: https://u:hunter2@prom.example', '  bearer_token: tok-123']);
    const text = printConfig(loadConfig({ file: tokenFile, env: {} }));
    expect(text).not.toContain('tok-123');
    expect(text).not.toContain('hunter2');
    expect(text).toContain('https://u:***@prom.example');
    expect(parse(text)).toMatchObject({ prometheus: { bearer_token: '***' } });
  });
});
