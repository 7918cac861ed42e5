import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { printConfig } from '../../src/config/print-config.js';
import { catchConfigError, writeConfig } from './helpers.js';

describe('the alertmanager section', () => {
  it('loads with the Rendiff guide\'s severities by default, keeps its secrets out of config print, and loads back', () => {
    const file = writeConfig([
      'alertmanager:',
      '  url: https://alertmanager.example.com',
      '  bearer_token: ${AM_TOKEN}',
      '  headers: {X-Scope-OrgID: video}',
      '  labels: {team: video, env: prod}',
      '  runbook_url: https://runbooks.example.com/{slo}',
    ]);
    const config = loadConfig({ file, env: { AM_TOKEN: 'am-secret-token-81c4' } });
    expect(config.alertmanager).toEqual({
      url: 'https://alertmanager.example.com', headers: { 'X-Scope-OrgID': 'video' }, bearerToken: 'am-secret-token-81c4',
      labels: { team: 'video', env: 'prod' }, severity: { page: 'critical', ticket: 'warning', noData: 'warning' },
      runbookUrl: 'https://runbooks.example.com/{slo}', expireAfterMs: 15 * 60_000, timeoutMs: 10_000,
    });
    expect(config.secrets).toContain('am-secret-token-81c4');
    const printed = printConfig(config);
    expect(printed).not.toContain('am-secret-token-81c4');
    expect(printed).toContain('bearer_token: "***"');
    const again = loadConfig({ file: writeConfig([printed.replace('bearer_token: "***"', 'bearer_token: ${AM_TOKEN}')]), env: { AM_TOKEN: 'am-secret-token-81c4' } });
    expect(again.alertmanager).toEqual(config.alertmanager);
  });

  it('names the line of a label slo-ledger sets itself, a label that is not a label name, and a too short expire_after', () => {
    const file = writeConfig([
      'alertmanager:',
      '  url: http://127.0.0.1:9093',
      '  labels:',
      '    severity: high',
      '    team-name: video',
      '  expire_after: 5m',
    ]);
    const messages = catchConfigError(() => loadConfig({ file, env: {} })).message;
    expect(messages).toContain(`${file}:4:15: alertmanager.labels.severity: slo-ledger sets severity itself`);
    expect(messages).toContain(`${file}:5:16: alertmanager.labels.team-name: "team-name" is not a Prometheus label name`);
    expect(messages).toContain(`${file}:6:17: alertmanager.expire_after: must be at least 10m`);
  });
});
