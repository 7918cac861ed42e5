import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { printConfig } from '../../src/config/print-config.js';
import { DEFAULT_ALERT_POLICY } from '../../src/domain/alert-policy.js';
import { catchConfigError, writeConfig } from './helpers.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const WEBHOOK = 'https://hooks.slack.example/services/T000/B000/SeCrEtToKeN';

describe('alerting and slack configuration', () => {
  it('defaults: the budget-share policy, 90 % coverage, no-data after 30m, reminders every 4h, no Slack', () => {
    const config = loadConfig({ env: {} });
    expect(config.alerting).toEqual({
      policy: DEFAULT_ALERT_POLICY, minCoverageRatio: 0.9, noDataAfterMs: 30 * MINUTE, repeatIntervalMs: 4 * HOUR,
    });
    expect(config.slack).toBeUndefined();
  });

  it('reads a policy of factors and budget shares, and the timing', () => {
    const file = writeConfig([
      'alerting:',
      '  policy:',
      '    - {severity: page, long_window: 1h, short_window: 5m, budget_consumed: 2}',
      '    - {severity: ticket, long_window: 1d, short_window: 2h, factor: 3}',
      '  min_coverage: 80',
      '  no_data_after: 1h',
      '  repeat_interval: 2h',
      '  link_base_url: https://slo.example.com/',
    ]);
    expect(loadConfig({ file, env: {} }).alerting).toEqual({
      policy: [
        { severity: 'page', longWindowMs: HOUR, shortWindowMs: 5 * MINUTE, budgetConsumedRatio: 0.02 },
        { severity: 'ticket', longWindowMs: 24 * HOUR, shortWindowMs: 2 * HOUR, factor: 3 },
      ],
      minCoverageRatio: 0.8, noDataAfterMs: HOUR, repeatIntervalMs: 2 * HOUR, linkBaseUrl: 'https://slo.example.com/',
    });
  });

  it('reports every problem of a policy with its line', () => {
    const file = writeConfig([
      'alerting:',
      '  policy:',
      '    - severity: urgent',
      '      long_window: 1h',
      '      short_window: 5m',
      '      factor: 14.4',
      '    - severity: page',
      '      long_window: 5m',
      '      short_window: 1h',
      '      factor: 14.4',
      '      budget_consumed: 2',
      '    - severity: ticket',
      '      long_window: 7m',
      '      short_window: 5m',
      '  min_coverage: 120',
    ]);
    const error = catchConfigError(() => loadConfig({ file, env: {} }));
    const lines = error.diagnostics.map((d) => `${d.line} ${d.path}: ${d.message}`);
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/^3 alerting\.policy\[0\]\.severity: /),
      expect.stringMatching(/^9 alerting\.policy\[1\]\.short_window: must be shorter than long_window/),
      expect.stringMatching(/^7 alerting\.policy\[1\]: give factor or budget_consumed, not both/),
      expect.stringMatching(/^13 alerting\.policy\[2\]\.long_window: window must be a whole number of 5-minute buckets/),
      expect.stringMatching(/^12 alerting\.policy\[2\]: needs factor .* or budget_consumed/),
      expect.stringMatching(/^15 alerting\.min_coverage: must be a percentage of at most 100/),
    ]));
  });

  it('takes the webhook URL from SLACK_WEBHOOK_URL when the file has none, and treats it as a secret', () => {
    const file = writeConfig(['slack:', '  format: json']);
    const config = loadConfig({ file, env: { SLACK_WEBHOOK_URL: WEBHOOK } });
    expect(config.slack).toEqual({ webhookUrl: WEBHOOK, format: 'json', timeoutMs: 10_000 });
    expect(config.secrets).toContain(WEBHOOK);
    expect(loadConfig({ env: { SLACK_WEBHOOK_URL: WEBHOOK } }).slack?.webhookUrl).toBe(WEBHOOK);
  });

  it('a slack section without a URL is an error that says where to put it', () => {
    const file = writeConfig(['slack:', '  format: slack']);
    const error = catchConfigError(() => loadConfig({ file, env: {} }));
    expect(error.message).toMatch(/slack\.webhook_url: needs the incoming-webhook URL.*SLACK_WEBHOOK_URL/);
  });

  it('a bad webhook URL is reported without echoing it', () => {
    const file = writeConfig(['slack:', '  webhook_url: ${SLACK_WEBHOOK_URL}']);
    const error = catchConfigError(() => loadConfig({ file, env: { SLACK_WEBHOOK_URL: 'hooks.slack.example/T0/secret-part' } }));
    expect(error.message).toMatch(/slack\.webhook_url/);
    expect(error.message).not.toContain('secret-part');
  });

  it('config print masks the webhook URL and prints a form that loads back to the same alerting config', () => {
    const file = writeConfig([
      'slack:',
      '  webhook_url: ${SLACK_WEBHOOK_URL}',
      'alerting:',
      '  policy:',
      '    - {severity: page, long_window: 1h, short_window: 5m, budget_consumed: 2}',
      '    - {severity: ticket, long_window: 3d, short_window: 6h, factor: 1.5}',
    ]);
    const config = loadConfig({ file, env: { SLACK_WEBHOOK_URL: WEBHOOK } });
    const printed = printConfig(config);
    expect(printed).not.toContain('SeCrEtToKeN');
    expect(printed).toContain('webhook_url: "***"');
    const again = loadConfig({ file: writeConfig([printed.replace('"***"', '${SLACK_WEBHOOK_URL}')]), env: { SLACK_WEBHOOK_URL: WEBHOOK } });
    expect(again.alerting).toEqual(config.alerting);
    expect(again.slack).toEqual(config.slack);
    const defaults = loadConfig({ env: {} });
    expect(loadConfig({ file: writeConfig([printConfig(defaults)]), env: {} }).alerting).toEqual(defaults.alerting);
  });
});
