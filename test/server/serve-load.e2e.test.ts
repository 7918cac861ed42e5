import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/fixture/prometheus-server.js';
import { RENDIFF_SCENARIO } from '../../src/fixture/scenarios.js';
import type { StatusJson } from '../../src/views/status-json.js';
import { CLI } from '../helpers/cli.js';
import { startFixturePrometheus, type FixturePrometheus } from '../helpers/fixture.js';

const AT = '2026-11-01T00:00:00Z';
const AT_MS = Date.parse(AT);
const HOUR = 3_600_000;
const HEAVY = 50;

/**
 * The real `serve` (the built CLI) against the fixture Prometheus, hammered on its heavy routes.
 * What is asserted holds on a loaded two-core machine too: no timing bound, only that /healthz is
 * answered while heavy requests are still pending and that every request is answered (the latency
 * targets are in bench/read-path-bench.ts).
 */
describe('slo-ledger serve under load (the built CLI)', () => {
  let fixture: FixturePrometheus;
  let dir: string;
  let base: string;
  let server: ChildProcess;
  let output = '';

  beforeAll(async () => {
    fixture = await startFixturePrometheus(RENDIFF_SCENARIO);
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-serve-load-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const args = ['--prometheus', fixture.prometheus.url, '--db', join(dir, 'serve.db'), 'serve', '--listen', `127.0.0.1:${port}`, '--at', AT];
    server = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (chunk) => (output += String(chunk)));
    server.stderr!.on('data', (chunk) => (output += String(chunk)));
    const deadline = Date.now() + 90_000;
    while ((await fetch(`${base}/readyz`).catch(() => undefined))?.status !== 200) {
      if (Date.now() > deadline) throw new Error(`serve did not become ready:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });

  afterAll(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    await fixture?.prometheus.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers /healthz while 50 heavy requests are still pending, and answers them all', async () => {
    const slos = ((await (await fetch(`${base}/api/v1/slos`)).json()) as StatusJson).slos.map((s) => s.name);
    // Each request asks something no other asked: nothing is served from a cache.
    const heavyUrls = Array.from({ length: HEAVY }, (_, i) => {
      const at = new Date(AT_MS - (i + 1) * HOUR).toISOString();
      const slo = encodeURIComponent(slos[i % slos.length]!);
      const from = new Date(AT_MS - 6 * 24 * HOUR - i * HOUR).toISOString();
      switch (i % 5) {
        case 0: return `/?at=${at}`;
        case 1: return `/api/v1/slos?at=${at}&window=1h,24h,7d,30d`;
        default: return `/api/v1/slos/${slo}/series?window=30d&step=5m&from=${from}&to=${at}`;
      }
    });
    let done = 0;
    const heavy = Promise.all(
      heavyUrls.map(async (url) => {
        const response = await fetch(`${base}${url}`);
        await response.arrayBuffer();
        done++;
        return { url, status: response.status };
      }),
    );
    const probes: Array<{ status: number; heavyPending: number }> = [];
    for (let i = 0; i < 500 && done < HEAVY; i++) {
      const response = await fetch(`${base}/healthz`);
      await response.text();
      probes.push({ status: response.status, heavyPending: HEAVY - done });
    }
    const answers = await heavy;
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    expect(probes.every((p) => p.status === 200)).toBe(true);
    // The first probe was sent after the 50 heavy requests, and answered before many of them (before
    // the read path was spread over event-loop turns it waited for all: 0 pending).
    expect(probes.length).toBeGreaterThan(0);
    expect(probes[0]!.heavyPending, JSON.stringify(probes.slice(0, 5))).toBeGreaterThanOrEqual(HEAVY * 0.4);
    // /metrics, the API and the status page answer with the same figures at once afterwards (kept for the instant).
    const [metrics, again] = [await fetch(`${base}/metrics`), await fetch(`${base}/metrics`)];
    const sloLines = (text: string) => text.split('\n').filter((l) => l.startsWith('slo_ledger_sli_ratio'));
    expect(sloLines(await again.text())).toEqual(sloLines(await metrics.text()));
  }, 180_000);
});
