import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrafficScenario } from '../../src/fixture/traffic.js';
import { startSmtpServer, type TestSmtpServer } from '../notify/email-server.js';
import { runCli } from './cli.js';
import { startFixturePrometheus, type FixturePrometheus } from './fixture.js';

/** Where one email service instance lives: `dir` holds its files, `baseDb` is the synced ledger it starts from. */
export interface EmailInstanceOptions {
  dir: string;
  name: string;
  smtpPort: number;
  prometheusUrl: string;
  baseDb: string;
}

/** A fresh service state: its own config (email to the SMTP port, reports folder) and a copy of the synced ledger. */
export function emailInstance({ dir, name, smtpPort, prometheusUrl, baseDb }: EmailInstanceOptions): { args: string[]; reportsDir: string } {
  const reportsDir = join(dir, `reports-${name}`);
  const config = join(dir, `${name}.yaml`);
  writeFileSync(config, [
    'email:',
    `  smtp: smtp://127.0.0.1:${smtpPort}?starttls=off`,
    '  from: SLO reports <slo@example.com>',
    '  to: ops@example.com',
    'server:',
    `  reports_dir: ${JSON.stringify(reportsDir)}`,
    '',
  ].join('\n'));
  const db = join(dir, `${name}.db`);
  copyFileSync(baseDb, db);
  return { args: ['--config', config, '--prometheus', prometheusUrl, '--db', db], reportsDir };
}

/** The servers an email test file shares: a fixture Prometheus, an SMTP server, and a ledger synced once. */
export interface EmailStack {
  fixture: FixturePrometheus;
  smtp: TestSmtpServer;
  /** A temp folder for the file's instances, removed by `stop`. */
  dir: string;
  /** A fresh service state (see {@link emailInstance}) from the ledger synced at start. */
  instance(name: string): { args: string[]; reportsDir: string };
  stop(): Promise<void>;
}

/** Starts Prometheus over `scenario` and an SMTP server, and syncs one ledger up to `syncAt` with the real CLI. */
export async function startEmailStack(scenario: TrafficScenario, syncAt: string, dirPrefix: string): Promise<EmailStack> {
  const [fixture, smtp] = await Promise.all([startFixturePrometheus(scenario), startSmtpServer()]);
  const dir = mkdtempSync(join(tmpdir(), dirPrefix));
  const stop = async () => {
    await smtp.stop();
    await fixture.prometheus.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const baseDb = join(dir, 'base.db');
  // One backfill for all the file's cases; each case starts from a copy of it.
  const synced = await runCli(['--prometheus', fixture.prometheus.url, '--db', baseDb, 'sync', '--at', syncAt], {}, 60_000);
  if (synced.code !== 0) {
    await stop();
    throw new Error(`the base ledger did not sync (exit ${synced.code}): ${synced.stderr}`);
  }
  return {
    fixture,
    smtp,
    dir,
    instance: (name) => emailInstance({ dir, name, smtpPort: smtp.port, prometheusUrl: fixture.prometheus.url, baseDb }),
    stop,
  };
}
