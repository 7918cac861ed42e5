import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { printConfig } from '../../src/config/print-config.js';
import { EVENTS_SLO, catchConfigError, writeConfig } from './helpers.js';

// An SLO's own `alerting` (labels and annotations for its Alertmanager alerts, disabled severities):
// read into the SloDefinition, printed back, and refused where it would replace slo-ledger's labels.
describe('an SLO entry with alerting', () => {
  const lines = [
    'slos:',
    ...EVENTS_SLO,
    '    alerting:',
    '      labels: { category: availability }',
    '      annotations: { summary: High error rate }',
    '      page: { labels: { routing_key: oncall }, disable: false }',
    '      ticket: { annotations: { runbook: https://runbooks.example/checkout }, disable: true }',
  ];

  it('is read into the SLO definition and printed back by config print', () => {
    const config = loadConfig({ file: writeConfig(lines), env: {} });
    expect(config.slos[0]!.alerting).toEqual({
      labels: { category: 'availability' },
      annotations: { summary: 'High error rate' },
      page: { labels: { routing_key: 'oncall' }, disable: false },
      ticket: { annotations: { runbook: 'https://runbooks.example/checkout' }, disable: true },
    });
    const again = loadConfig({ file: writeConfig(printConfig(config).split('\n')), env: {} });
    expect(again.slos).toEqual(config.slos);
  });

  it('refuses a label slo-ledger sets itself, and a name that is no label name, at the key', () => {
    const file = writeConfig(['slos:', ...EVENTS_SLO, '    alerting:', '      page:', '        labels:', '          severity: pageteam', '          bad-name: x']);
    const error = catchConfigError(() => loadConfig({ file, env: {} }));
    expect(error.diagnostics).toEqual([
      { file, line: 12, column: 11, path: 'slos[0].alerting.page.labels.severity', message: 'slo-ledger sets severity itself (alertname, slo, service, severity); choose another label' },
      { file, line: 13, column: 11, path: 'slos[0].alerting.page.labels.bad-name', message: '"bad-name" is not a Prometheus label name' },
    ]);
  });
});
