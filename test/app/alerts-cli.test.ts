import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SLOS } from '../../src/config/defaults.js';
import { BUCKET_MS } from '../../src/domain/duration.js';
import { ALERT_SCENARIO } from '../helpers/alert-scenario.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { startFixturePrometheus, type FixturePrometheus } from '../helpers/fixture.js';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver.js';
import { countTolerance, sliTolerance, trueBad, trueCounts, trueTotal } from '../helpers/truth.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const at = (iso: string) => Date.parse(iso);
const SCENARIO = ALERT_SCENARIO;
const SECRET = 'cLiWeBhOoKsEcReT';
const SECRET_PATH = `/services/T0/B0/${SECRET}`;

interface AlertsJson {
  at: string;
  slos: Array<{
    name: string;
    burn_rate_alert: { state: string; severity: string | null; stored: { phase: string; severity: string | null; firing_since: string | null } | null };
    no_data_alert: { state: string; missing_for_seconds: number | null };
    rules: Array<{ severity: string; long_window: string; short_window: string; factor: number; long: { burn_rate: number | null; coverage: number }; short: { burn_rate: number | null; coverage: number }; state: string }>;
  }>;
}

describe('slo-ledger alerts and tick on the command line (the built CLI, a real Prometheus, a webhook receiver)', () => {
  let fixture: FixturePrometheus;
  let receiver: HttpReceiver;
  let dir: string;
  let configFile: string;
  const runs: CliRun[] = [];
  const run = async (args: string[]) => {
    const result = await runCli(['--config', configFile, '--prometheus', fixture.prometheus.url, '--db', join(dir, 'ledger.db'), ...args], {
      SLACK_WEBHOOK_URL: receiver.url(SECRET_PATH),
    });
    runs.push(result);
    return result;
  };

  beforeAll(async () => {
    fixture = await startFixturePrometheus(SCENARIO);
    receiver = await startHttpReceiver();
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-alerts-cli-'));
    configFile = join(dir, 'config.yaml');
    writeFileSync(configFile, [
      'slack:',
      '  webhook_url: ${SLACK_WEBHOOK_URL}',
      'alerting:',
      '  link_base_url: https://slo.example.com',
      'server:',
      `  reports_dir: ${JSON.stringify(join(dir, 'reports'))}`,
      '',
    ].join('\n'));
  });
  afterAll(async () => {
    await receiver?.close();
    await fixture?.prometheus.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('alerts --format json: the page fires at 21:20 with the true 1h and 5m burn rates; nothing is stored or sent', async () => {
    const result = await run(['alerts', '--at', '2026-10-31T21:20:00Z', '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as AlertsJson;
    expect(json.at).toBe('2026-10-31T21:20:00.000Z');
    const availability = json.slos.find((s) => s.name === 'api-availability')!;
    expect(availability.burn_rate_alert).toEqual({ state: 'firing', severity: 'page', stored: null });
    expect(availability.no_data_alert).toMatchObject({ state: 'inactive', missing_for_seconds: 0 });
    expect(availability.rules.map((r) => [r.severity, r.long_window, r.short_window, r.factor, r.state])).toEqual([
      ['page', '1h', '5m', 14.4, 'firing'],
      ['page', '6h', '30m', 6, 'inactive'],
      ['ticket', '1d', '2h', 3, 'inactive'],
      ['ticket', '3d', '6h', 1, 'inactive'],
    ]);
    const slo = DEFAULT_SLOS.find((s) => s.name === 'api-availability')!;
    const endMs = at('2026-10-31T21:20:00Z');
    for (const [windowMs, burn] of [[HOUR, availability.rules[0]!.long.burn_rate!], [5 * MINUTE, availability.rules[0]!.short.burn_rate!]] as const) {
      const truth = trueCounts(slo.name, fixture.fixture.truth, endMs - windowMs, endMs);
      const tolerance = { relative: 1e-4, scrapeIntervalMs: SCENARIO.scrapeIntervalMs, bucketMs: BUCKET_MS };
      const bad = countTolerance(endMs - windowMs, endMs, trueBad(slo.name, fixture.fixture.truth), tolerance);
      const total = countTolerance(endMs - windowMs, endMs, trueTotal(slo.name, fixture.fixture.truth), tolerance);
      const trueBurn = (1 - truth.good / truth.total) / 0.001;
      expect(Math.abs(burn - trueBurn), `${windowMs / MINUTE} min`).toBeLessThanOrEqual(sliTolerance(truth.good, truth.total, bad, total) / 0.001);
    }
    expect(receiver.requests).toHaveLength(0);
  });

  it('alerts --format table shows the state line and the burn of every rule', async () => {
    const result = await run(['alerts', '--at', '2026-10-31T21:20:00Z', '--offline']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^api-availability \(rendiff-api\): burn-rate FIRING \(page\); stored inactive;/m);
    expect(result.stdout).toMatch(/^ +page +1h +\d+\.\d\d× +100% +5m +\d+\.\d\d× +100% +14\.40× +FIRING$/m);
    expect(result.stdout).toMatch(/^ +ticket +3d +\d+\.\d\d× +\d+% +6h +\d+\.\d\d× +100% +1\.00× +ok$/m);
  });

  it('a bad --format is a usage error (exit 2)', async () => {
    expect((await run(['alerts', '--format', 'xml'])).code).toBe(2);
  });

  it('tick --dry-run decides the page but sends and stores nothing; tick sends it once; a second tick at the same instant sends nothing', async () => {
    const dry = await run(['tick', '--at', '2026-10-31T21:20:00Z', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toContain('would notify: alert/api-availability/burn-rate/firing/page/2026-10-31T21:20:00.000Z');
    expect(receiver.requests).toHaveLength(0);
    const stored = JSON.parse((await run(['alerts', '--at', '2026-10-31T21:20:00Z', '--offline', '--format', 'json'])).stdout) as AlertsJson;
    expect(stored.slos.find((s) => s.name === 'api-availability')!.burn_rate_alert.stored).toBeNull();

    const tick = await run(['tick', '--at', '2026-10-31T21:20:00Z']);
    expect(tick.code, tick.stderr).toBe(0);
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]!.path).toBe(SECRET_PATH);
    expect((JSON.parse(receiver.requests[0]!.body) as { text: string }).text).toMatch(/^\[PAGE\] api-availability \(rendiff-api\)/);
    const again = await run(['tick', '--at', '2026-10-31T21:20:00Z']);
    expect(again.code, again.stderr).toBe(0);
    expect(receiver.requests).toHaveLength(1);
    const after = JSON.parse((await run(['alerts', '--at', '2026-10-31T21:20:00Z', '--offline', '--format', 'json'])).stdout) as AlertsJson;
    expect(after.slos.find((s) => s.name === 'api-availability')!.burn_rate_alert.stored).toMatchObject({
      phase: 'firing', severity: 'page', firing_since: '2026-10-31T21:20:00.000Z',
    });
  });

  it('a webhook that refuses the message fails the tick (exit 1) with Slack\'s answer, without showing the URL', async () => {
    receiver.script([{ status: 403, body: 'invalid_token' }]);
    const result = await run(['tick', '--at', '2026-10-31T21:35:00Z']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Slack webhook refused the message with 403: invalid_token');
  });

  it('format: json posts the generic JSON webhook body instead', async () => {
    const jsonConfig = join(dir, 'json.yaml');
    writeFileSync(jsonConfig, ['slack:', '  webhook_url: ${SLACK_WEBHOOK_URL}', '  format: json', 'server:', `  reports_dir: ${JSON.stringify(join(dir, 'reports'))}`, ''].join('\n'));
    const seen = receiver.requests.length;
    const result = await runCli(['--config', jsonConfig, '--prometheus', fixture.prometheus.url, '--db', join(dir, 'json.db'), 'tick', '--at', '2026-10-31T21:20:00Z'], {
      SLACK_WEBHOOK_URL: receiver.url('/hooks/json'),
    });
    runs.push(result);
    expect(result.code, result.stderr).toBe(0);
    const bodies = receiver.requests.slice(seen).map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(bodies).toEqual([
      expect.objectContaining({
        type: 'slo-ledger.alert', slo: 'api-availability', alert: 'burn-rate', transition: 'firing', status: 'firing', severity: 'page',
        at: '2026-10-31T21:20:00.000Z', rule: expect.objectContaining({ long_window: '1h', short_window: '5m', factor: 14.4 }),
      }),
    ]);
  });

  it('config print masks the webhook URL', async () => {
    const result = await run(['config', 'print']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('webhook_url: "***"');
  });

  it('the webhook URL appears in no output, log line or error of any of these runs', () => {
    expect(runs.length).toBeGreaterThanOrEqual(8);
    for (const r of runs) {
      expect(r.stdout).not.toContain(SECRET);
      expect(r.stderr).not.toContain(SECRET);
    }
  });
});
