import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlertmanager, eventually, type RunningAlertmanager } from '../helpers/alertmanager.js';
import { ALERT_SCENARIO } from '../helpers/alert-scenario.js';
import { runCli } from '../helpers/cli.js';
import { startFixturePrometheus, type FixturePrometheus } from '../helpers/fixture.js';
import { startHttpReceiver, type HttpReceiver, type ReceivedRequest } from '../helpers/http-receiver.js';

const SCENARIO = ALERT_SCENARIO;

/** What Alertmanager's webhook receiver gets (its `webhook_config` payload, version 4). */
interface WebhookMessage {
  status: 'firing' | 'resolved';
  receiver: string;
  alerts: Array<{ status: string; labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string }>;
}

/** An alert as Alertmanager's API lists it. */
interface ListedAlert {
  labels: Record<string, string>;
  endsAt: string;
  status: { state: string; silencedBy: string[] };
}

describe('burn-rate alerts through a real Alertmanager (the built CLI, the fixture Prometheus, routes like the Rendiff guide\'s)', () => {
  let fixture: FixturePrometheus;
  let receiver: HttpReceiver;
  let alertmanager: RunningAlertmanager;
  let dir: string;
  let configFile: string;
  const tick = (iso: string) => runCli(['--config', configFile, '--prometheus', fixture.prometheus.url, '--db', join(dir, 'ledger.db'), 'tick', '--at', iso], {}, 60_000);
  const messages = (path: string): WebhookMessage[] => receiver.requests.filter((r: ReceivedRequest) => r.path === path).map((r) => JSON.parse(r.body) as WebhookMessage);
  const listed = async (): Promise<ListedAlert[]> => (await (await fetch(`${alertmanager.url}/api/v2/alerts`)).json()) as ListedAlert[];
  const settle = () => new Promise((resolve) => setTimeout(resolve, 4_000));

  beforeAll(async () => {
    [fixture, receiver] = await Promise.all([startFixturePrometheus(SCENARIO), startHttpReceiver()]);
    // The guide's routes: critical and warning to their own receivers (here webhooks on 127.0.0.1).
    alertmanager = await startAlertmanager([
      'route:',
      '  receiver: default',
      '  group_by: [alertname, slo, severity]',
      '  group_wait: 1s',
      '  group_interval: 2s',
      '  repeat_interval: 1h',
      '  routes:',
      '    - matchers: [\'severity="critical"\']',
      '      receiver: critical',
      '    - matchers: [\'severity="warning"\']',
      '      receiver: warning',
      'receivers:',
      ...['default', 'critical', 'warning'].flatMap((name) => [`  - name: ${name}`, '    webhook_configs:', `      - url: ${receiver.url(`/${name}`)}`, '        send_resolved: true']),
      '',
    ].join('\n'));
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-alertmanager-'));
    configFile = join(dir, 'config.yaml');
    writeFileSync(configFile, [
      'alertmanager:',
      `  url: ${alertmanager.url}`,
      '  labels: {team: video}',
      '  runbook_url: https://runbooks.example.com/{slo}',
      'alerting:',
      '  link_base_url: https://slo.example.com',
      '',
    ].join('\n'));
  }, 120_000);

  afterAll(async () => {
    await alertmanager?.stop();
    await receiver?.close();
    await fixture?.prometheus.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('pages once through the critical route, renews without repeating, resolves once; a silence made in Alertmanager silences the next alert', async () => {
    const fired = await tick('2026-10-31T21:20:00Z');
    expect(fired.code, fired.stderr).toBe(0);
    const [page] = await eventually(() => (messages('/critical').length > 0 ? messages('/critical') : undefined), 15_000, 'the page at the critical receiver');
    expect(page!.status).toBe('firing');
    expect(page!.alerts).toHaveLength(1);
    const alert = page!.alerts[0]!;
    expect(alert.labels).toEqual({ alertname: 'SloBurnRate', slo: 'api-availability', service: 'rendiff-api', severity: 'critical', team: 'video' });
    expect(alert.annotations).toMatchObject({
      runbook_url: 'https://runbooks.example.com/api-availability',
      status_page: 'https://slo.example.com/?at=2026-10-31T21%3A20%3A00.000Z',
    });
    expect(alert.annotations.summary).toContain('api-availability (rendiff-api) is burning its error budget');
    expect(alert.annotations.budget_remaining).toMatch(/%$/);
    expect(alert.startsAt).toBe('2026-10-31T21:20:00Z');
    // endsAt is ahead by expire_after (15m) from when it was posted, so a dead slo-ledger lets it expire.
    const [stored] = (await listed()).filter((a) => a.labels.slo === 'api-availability');
    const ahead = Date.parse(stored!.endsAt) - Date.now();
    expect(ahead).toBeGreaterThan(13 * 60_000);
    expect(ahead).toBeLessThanOrEqual(15 * 60_000);

    // Still firing five minutes later: the alert is renewed (a later endsAt), and the route does not repeat it.
    const renewed = await tick('2026-10-31T21:25:00Z');
    expect(renewed.code, renewed.stderr).toBe(0);
    const [again] = (await listed()).filter((a) => a.labels.slo === 'api-availability');
    expect(Date.parse(again!.endsAt)).toBeGreaterThan(Date.parse(stored!.endsAt));
    await settle();
    expect(messages('/critical')).toHaveLength(1);

    // The burst is over: the resolve arrives once.
    const resolved = await tick('2026-10-31T21:50:00Z');
    expect(resolved.code, resolved.stderr).toBe(0);
    const [, resolve] = await eventually(() => (messages('/critical').length > 1 ? messages('/critical') : undefined), 15_000, 'the resolve at the critical receiver');
    expect(resolve!.status).toBe('resolved');
    expect(resolve!.alerts.map((a) => [a.labels.slo, a.status])).toEqual([['api-availability', 'resolved']]);
    await settle();
    expect(messages('/critical')).toHaveLength(2);
    expect(messages('/warning')).toHaveLength(0);

    // A silence made through Alertmanager's API for the no-data alerts: the scrape gap's no-data
    // alerts reach Alertmanager, which keeps them to itself.
    const silence = await fetch(`${alertmanager.url}/api/v2/silences`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        matchers: [{ name: 'alertname', value: 'SloNoData', isRegex: false, isEqual: true }],
        startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3_600_000).toISOString(), createdBy: 'test', comment: 'scrape target migration',
      }),
    });
    expect(silence.status).toBe(200);
    const { silenceID } = (await silence.json()) as { silenceID: string };
    const noData = await tick('2026-10-31T23:45:00Z');
    expect(noData.code, noData.stderr).toBe(0);
    const silenced = await eventually(async () => {
      const alerts = (await listed()).filter((a) => a.labels.alertname === 'SloNoData');
      return alerts.length > 0 ? alerts : undefined;
    }, 15_000, 'the no-data alerts at Alertmanager');
    for (const a of silenced) {
      expect(a.labels.severity).toBe('warning');
      expect(a.status).toMatchObject({ state: 'suppressed', silencedBy: [silenceID] });
    }
    await settle();
    expect(messages('/warning')).toHaveLength(0);
    expect(messages('/default')).toHaveLength(0);
  }, 240_000);
});
