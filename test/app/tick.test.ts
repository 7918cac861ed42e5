import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSenders, openAdapters, type OpenAdapters } from '../../src/runtime/open-adapters.js';
import { runTick } from '../../src/app/tick.js';
import { loadConfig } from '../../src/config/load-config.js';
import { freePort } from '../../src/fixture/prometheus-server.js';
import { RENDIFF_SCENARIO } from '../../src/fixture/scenarios.js';
import { createLogger } from '../../src/logging.js';
import { startFixturePrometheus, type FixturePrometheus } from '../helpers/fixture.js';
import { startSmtpServer, type TestSmtpServer } from '../notify/email-server.js';

const DUE = Date.parse('2026-11-01T06:00:00Z');

describe('a tick when Prometheus is down (fixture Prometheus, SQLite file, SMTP server on 127.0.0.1)', () => {
  let fixture: FixturePrometheus;
  let smtp: TestSmtpServer;
  let dir: string;
  let now = DUE;
  const clock = { nowMs: () => now };
  const opened: OpenAdapters[] = [];
  const lines: string[] = [];
  const log = createLogger({ secrets: [], pretty: false, destination: new Writable({ write: (chunk, _e, done) => void (lines.push(String(chunk)), done()) }) });

  beforeAll(async () => {
    [fixture, smtp] = await Promise.all([startFixturePrometheus(RENDIFF_SCENARIO), startSmtpServer()]);
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-tick-'));
  });
  afterAll(async () => {
    for (const s of opened) await s.close();
    await smtp?.stop();
    await fixture?.prometheus.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function servicesWith(prometheusUrl: string): OpenAdapters {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, ['email:', `  smtp: smtp://127.0.0.1:${smtp.port}?starttls=off`, '  from: slo@example.com', '  to: ops@example.com',
      'server:', `  reports_dir: ${JSON.stringify(join(dir, 'reports'))}`, 'prometheus:', '  timeout: 2s', ''].join('\n'));
    const config = loadConfig({ file, env: {} });
    config.prometheus.url = prometheusUrl;
    config.databasePath = join(dir, 'ledger.db');
    const services = openAdapters(config, clock);
    opened.push(services);
    return services;
  }

  it('still delivers mail already queued, produces no report from a ledger it could not fill, and produces it once Prometheus is back', async () => {
    const down = servicesWith(`http://127.0.0.1:${await freePort()}`);
    await down.ledger.outbox.enqueue({
      key: 'report/2026-09/email', channel: 'email', nowMs: now, deadlineMs: now + 86_400_000,
      payload: { from: 'slo@example.com', to: ['ops@example.com'], cc: [], subject: 'September', html: '<p>x</p>', text: 'x', messageId: '<sep@example.com>', attachments: [] },
    });
    const result = await runTick({ adapters: down, senders: buildSenders(down.config), atMs: DUE, dryRun: false, log, clock });
    expect(result.errors.map((e) => e.step)).toEqual(['sync', 'monthly-report']);
    expect(result.errors[1]!.error).toMatch(/monthly report 2026-10 not sent: the sync of api-availability, api-latency, job-success failed/);
    expect(result.delivery?.sent.map((e) => e.key)).toEqual(['report/2026-09/email']);
    expect(await down.ledger.reportLog.get('2026-10')).toBeUndefined();
    expect(smtp.received.map((m) => m.subject)).toEqual(['September']);
    await down.close();

    now = DUE + 60_000;
    const up = servicesWith(fixture.prometheus.url);
    const back = await runTick({ adapters: up, senders: buildSenders(up.config), atMs: now, dryRun: false, log, clock });
    expect(back.errors).toEqual([]);
    expect(back.monthly).toMatchObject({ kind: 'produced', due: { name: '2026-10' } });
    expect(smtp.received).toHaveLength(2);
    expect(smtp.received[1]!.subject).toMatch(/^\[SLA\] rendiff-api October 2026 — /);
    expect(lines.some((l) => l.includes('"step":"sync"') && l.includes('tick step sync failed'))).toBe(true);
  });
});
