import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/fixture/prometheus-server.js';

/** A real Alertmanager (Debian's `prometheus-alertmanager`) on a free 127.0.0.1 port. */
export interface RunningAlertmanager {
  url: string;
  stop(): Promise<void>;
}

/** The binary: Debian names it prometheus-alertmanager; upstream tarballs, alertmanager. */
const BINARIES = ['prometheus-alertmanager', 'alertmanager'];

/**
 * Starts Alertmanager with `config` (its YAML) in a private folder, clustering off, and waits
 * (bounded) until it is ready.
 */
export async function startAlertmanager(config: string, readyTimeoutMs = 30_000): Promise<RunningAlertmanager> {
  const home = mkdtempSync(join(tmpdir(), 'slo-ledger-am-'));
  writeFileSync(join(home, 'alertmanager.yml'), config);
  const port = await freePort();
  const args = [`--config.file=${join(home, 'alertmanager.yml')}`, `--storage.path=${join(home, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'];
  let lastError: unknown;
  for (const binary of BINARIES) {
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const spawned = await new Promise<boolean>((resolve) => {
      child.once('spawn', () => resolve(true));
      child.once('error', (error) => {
        lastError = error;
        resolve(false);
      });
    });
    if (!spawned) continue;
    const url = `http://127.0.0.1:${port}`;
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(home, { recursive: true, force: true });
    };
    const deadline = Date.now() + readyTimeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) break;
      try {
        if ((await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) })).ok) return { url, stop };
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await stop();
    throw new Error(`alertmanager was not ready within ${readyTimeoutMs} ms: ${stderr}`);
  }
  rmSync(home, { recursive: true, force: true });
  throw new Error(`no Alertmanager binary (${BINARIES.join(', ')}): install Debian's prometheus-alertmanager (${String(lastError)})`);
}

/** Waits (bounded) until `check` returns a value other than undefined. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
