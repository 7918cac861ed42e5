import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/fixture/prometheus-server.js';
import { RENDIFF_SCENARIO } from '../../src/fixture/scenarios.js';
import { CLI, runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import { startFixturePrometheus, type FixturePrometheus } from '../helpers/fixture.js';
import { startSmtpServer, type TestSmtpServer } from '../notify/email-server.js';

const cli = (args: string[]) => runCli(args, {}, 60_000);

/**
 * `serve` as a service: down since the 28th, started on the 3rd, it catches up on October's report
 * at its first tick; SIGTERM arriving while the mail is on the wire lets the delivery finish and
 * be marked before the process exits 0.
 */
describe('serve: catch-up of a missed monthly report and a clean stop during its delivery (real CLI, SMTP, SQLite, fixture Prometheus)', () => {
  let fixture: FixturePrometheus;
  let smtp: TestSmtpServer;
  let dir: string;
  let server: ChildProcess | undefined;
  let args: string[];

  beforeAll(async () => {
    [fixture, smtp] = await Promise.all([startFixturePrometheus(RENDIFF_SCENARIO), startSmtpServer()]);
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-serve-tick-'));
    const config = join(dir, 'config.yaml');
    writeFileSync(config, [
      'email:',
      `  smtp: smtp://127.0.0.1:${smtp.port}?starttls=off`,
      '  from: SLO reports <slo@example.com>',
      '  to: ops@example.com',
      'server:',
      `  reports_dir: ${JSON.stringify(join(dir, 'reports'))}`,
      '',
    ].join('\n'));
    args = ['--config', config, '--prometheus', fixture.prometheus.url, '--db', join(dir, 'ledger.db')];
  });

  afterAll(async () => {
    if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    await smtp?.stop();
    await fixture?.prometheus.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('produces October once on the 3rd, finishes the delivery in progress on SIGTERM, and exits 0', async () => {
    // The service ran on the 28th: nothing was due then.
    const onThe28th = await cli([...args, 'tick', '--at', '2026-10-28T12:00:00Z']);
    expect(onThe28th.code, onThe28th.stderr).toBe(0);
    expect(onThe28th.stdout).toContain('monthly report: none due');

    const hold = smtp.holdNext();
    const port = await freePort();
    let output = '';
    server = spawn(process.execPath, [CLI, ...args, 'serve', '--listen', `127.0.0.1:${port}`, '--at', '2026-11-03T09:00:00Z'], {
      env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.on('data', (chunk) => (output += String(chunk)));
    server.stderr!.on('data', (chunk) => (output += String(chunk)));
    const exited = new Promise<number | null>((resolve) => server!.once('exit', (code) => resolve(code)));

    let reached = false;
    void hold.reached.then(() => (reached = true));
    await waitFor('the report mail to reach the SMTP server', 60_000, () => {
      if (server!.exitCode !== null) throw new Error(`serve exited early:\n${output}`);
      return reached;
    });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^slo_ledger_outbox_backlog 1$/m);
    expect(output).toContain('monthly report 2026-10 is due');

    server.kill('SIGTERM');
    await waitFor('serve to start shutting down', 10_000, () => output.includes('shutting down'));
    expect(smtp.received).toHaveLength(0);
    hold.release();
    expect(await exited, output).toBe(0);
    expect(smtp.received.map((m) => m.subject)).toEqual([expect.stringMatching(/^\[SLA\] rendiff-api October 2026 — (OK|WARNING|CRITICAL)$/)]);
    expect(output).toContain('delivered report/2026-10/email');

    const listed = await cli([...args, 'outbox', 'list', '--format', 'json']);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ key: 'report/2026-10/email', status: 'sent', attempts: 1 })]);
    const restarted = await cli([...args, 'tick', '--at', '2026-11-03T09:05:00Z']);
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(restarted.stdout).toContain('monthly report 2026-10: already produced');
    expect(smtp.received).toHaveLength(1);
  });
});
