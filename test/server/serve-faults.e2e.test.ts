import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/fixture/prometheus-server.js';
import { eventually } from '../helpers/alertmanager.js';
import { CLI } from '../helpers/cli.js';
import { parseMetrics } from './helpers.js';

const PASSWORD = 'Pw0rd-7f3a9c-scrape';

/** `serve` against a Prometheus that is not there, with a password in --prometheus, logging at debug level. */
describe('slo-ledger serve when every sync fails (the built CLI)', () => {
  let dir: string;
  let base: string;
  let server: ChildProcess;
  let output = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-serve-faults-'));
    const [port, dead] = await Promise.all([freePort(), freePort()]);
    base = `http://127.0.0.1:${port}`;
    const args = ['--prometheus', `http://scraper:${PASSWORD}@127.0.0.1:${dead}`, '--db', join(dir, 'serve.db'), 'serve', '--listen', `127.0.0.1:${port}`, '--at', '2026-11-01T00:00:00Z'];
    server = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', SLO_LEDGER_LOG_LEVEL: 'debug' }, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (chunk) => (output += String(chunk)));
    server.stderr!.on('data', (chunk) => (output += String(chunk)));
  });

  afterAll(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('counts the failed syncs, keeps /readyz at 503, never prints the password, and writes each log key once', async () => {
    const metrics = await eventually(async () => {
      const response = await fetch(`${base}/metrics`).catch(() => undefined);
      if (response?.status !== 200) return undefined;
      const parsed = parseMetrics(await response.text());
      return (parsed.get('slo_ledger_sync_failures_total') ?? 0) >= 1 ? parsed : undefined;
    }, 60_000, 'a failed sync counted on /metrics');
    expect(metrics.get('slo_ledger_prometheus_query_errors_total{slo="api-availability"}')).toBeGreaterThanOrEqual(1);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('127.0.0.1');
    expect(output).not.toContain(PASSWORD);
    const lines = output.split('\n').filter((line) => line.startsWith('{'));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.some((line) => line.includes('"component"'))).toBe(true);
    for (const line of lines) expect(line.match(/"component":/g)?.length ?? 0, line).toBeLessThanOrEqual(1);
  }, 120_000);
});
