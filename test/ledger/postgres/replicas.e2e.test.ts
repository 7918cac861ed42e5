import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/fixture/prometheus-server.js';
import { ALERT_SCENARIO } from '../../helpers/alert-scenario.js';
import { CLI, runCli } from '../../helpers/cli.js';
import { waitFor } from '../../helpers/wait.js';
import { startFixturePrometheus, type FixturePrometheus } from '../../helpers/fixture.js';
import { startHttpReceiver, type HttpReceiver } from '../../helpers/http-receiver.js';
import { startPostgres, type RunningPostgres } from '../../helpers/postgres.js';
import { startSmtpServer, type TestSmtpServer } from '../../notify/email-server.js';

/**
 * The evaluation instant of every replica: October's report is due (the 1st, 06:00) and the
 * scenario's data stopped at 01:00, so every SLO's no-data alert fires: a mail and one
 * notification per SLO to deliver exactly once.
 */
const AT = '2026-11-01T09:00:00Z';
const LEASE_MS = 3_000;
const HOOK_PATH = '/hooks/slo';

interface OutboxJson {
  key: string;
  channel: string;
  status: string;
  attempts: number;
}

/** One `serve` process of the cluster. */
interface Replica {
  name: string;
  port: number;
  process: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function readyz(replica: Replica): Promise<{ code: number; body: { status: string; reasons: string[]; replica?: string; leader?: string | null } } | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${replica.port}/readyz`, { signal: AbortSignal.timeout(5_000) });
    return { code: response.status, body: (await response.json()) as { status: string; reasons: string[]; replica?: string; leader?: string | null } };
  } catch {
    return undefined;
  }
}

async function metrics(replica: Replica): Promise<string> {
  return (await fetch(`http://127.0.0.1:${replica.port}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
}

/**
 * Several `serve` replicas on one PostgreSQL ledger, against the fixture Prometheus, a webhook
 * receiver and an SMTP server, all real and on 127.0.0.1. The ground truth of what must be
 * delivered is one process on SQLite ticking at the same instant.
 */
describe('serve replicas on one PostgreSQL ledger (real PostgreSQL, Prometheus, webhook receiver, SMTP)', () => {
  let postgres: RunningPostgres;
  let fixture: FixturePrometheus;
  let receiver: HttpReceiver;
  let smtp: TestSmtpServer;
  let dir: string;
  let configFile: string;
  /** The outbox keys one SQLite process queues (and sends) at AT. */
  let truthKeys: string[];
  /** October's report from the SQLite ledger, as JSON. */
  let truthReport: string;
  const replicas: Replica[] = [];
  const env = () => ({ SLACK_WEBHOOK_URL: receiver.url(HOOK_PATH) });
  const cli = (db: string, args: string[]) => runCli(['--config', configFile, '--prometheus', fixture.prometheus.url, '--db', db, ...args], env(), 60_000);

  function startReplica(name: string, db: string, extraEnv: Record<string, string> = {}, port?: number): Promise<Replica> {
    return (async () => {
      const listen = port ?? (await freePort());
      let output = '';
      const child = spawn(process.execPath, [CLI, '--config', configFile, '--prometheus', fixture.prometheus.url, '--db', db, 'serve', '--listen', `127.0.0.1:${listen}`, '--at', AT], {
        env: { PATH: process.env.PATH ?? '', SLO_LEDGER_REPLICA: name, ...env(), ...extraEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (chunk) => (output += String(chunk)));
      child.stderr!.on('data', (chunk) => (output += String(chunk)));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      const replica: Replica = { name, port: listen, process: child, output: () => output, exited };
      replicas.push(replica);
      await waitFor(`${name} to listen`, 30_000, async () => {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited early:\n${output}`);
        return output.includes('listening on') || child.signalCode !== null;
      });
      return replica;
    })();
  }

  async function stopAll(): Promise<void> {
    for (const replica of replicas.splice(0)) {
      if (replica.process.exitCode !== null || replica.process.signalCode !== null) continue;
      if (replica.process.signalCode === null) replica.process.kill('SIGCONT');
      replica.process.kill('SIGTERM');
      const ended = await Promise.race([replica.exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 25_000))]);
      if (ended === undefined) replica.process.kill('SIGKILL');
    }
  }

  /** The outbox of the ledger at `db`, through the CLI. */
  async function outbox(db: string): Promise<OutboxJson[]> {
    const listed = await cli(db, ['outbox', 'list', '--format', 'json']);
    expect(listed.code, listed.stderr).toBe(0);
    return (JSON.parse(listed.stdout) as OutboxJson[]).sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  /** Waits until every key of the truth is sent in the PostgreSQL ledger at `db` (read straight from its outbox table). */
  async function waitForDeliveries(db: string, timeoutMs: number): Promise<void> {
    const client = new pg.Client({ connectionString: db });
    await client.connect();
    try {
      await waitFor('every delivery to be sent', timeoutMs, async () => {
        // The table exists once the first replica has migrated the database.
        const { rows } = await client.query<{ key: string }>("SELECT idempotency_key AS key FROM outbox WHERE status = 'sent'").catch((error: { code?: string }) => {
          if (error.code === '42P01') return { rows: [] as Array<{ key: string }> };
          throw error;
        });
        return truthKeys.every((key) => rows.some((row) => row.key === key));
      });
    } catch (error) {
      const { rows } = await client.query('SELECT idempotency_key, status, attempts, last_error FROM outbox ORDER BY idempotency_key').catch(() => ({ rows: [] }));
      const logs = replicas.map((r) => `--- ${r.name}:\n${r.output().slice(-6_000)}`).join('\n');
      throw new Error(`${(error as Error).message}\ntruth: ${JSON.stringify(truthKeys)}\noutbox: ${JSON.stringify(rows)}\n${logs}`);
    } finally {
      await client.end();
    }
  }

  /** How many webhook requests each idempotency key got. */
  const deliveriesByKey = () => {
    const counts = new Map<string, number>();
    for (const request of receiver.requests.filter((r) => r.path === HOOK_PATH)) {
      const key = decodeURI(String(request.headers['idempotency-key']));
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  };

  /** Delivered once each, all of them: every alert key of the truth once at the receiver, the month's mail once. */
  function expectEachDeliveredOnce(): void {
    const alertKeys = truthKeys.filter((key) => key.startsWith('alert/'));
    expect([...deliveriesByKey().entries()].sort()).toEqual(alertKeys.map((key) => [key, 1]).sort());
    expect(smtp.received.map((mail) => mail.subject)).toEqual([expect.stringMatching(/^\[SLA\] rendiff-api October 2026 — /)]);
  }

  beforeAll(async () => {
    [postgres, fixture, receiver, smtp] = await Promise.all([startPostgres(), startFixturePrometheus(ALERT_SCENARIO), startHttpReceiver(), startSmtpServer()]);
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-replicas-'));
    configFile = join(dir, 'config.yaml');
    writeFileSync(configFile, [
      'slack:',
      '  webhook_url: ${SLACK_WEBHOOK_URL}',
      '  format: json',
      'email:',
      `  smtp: smtp://127.0.0.1:${smtp.port}?starttls=off`,
      '  from: SLO reports <slo@example.com>',
      '  to: ops@example.com',
      'server:',
      `  reports_dir: ${JSON.stringify(join(dir, 'reports'))}`,
      '  slo_metrics: leader',
      'schedule:',
      "  tick: '*/2 * * * * *'",
      'cluster:',
      `  lease_time: ${LEASE_MS / 1000}s`,
      '  claim_batch: 1',
      '',
    ].join('\n'));
    // The ground truth: one process on SQLite at the same instant.
    const sqlite = join(dir, 'truth.db');
    const tick = await cli(sqlite, ['tick', '--at', AT]);
    expect(tick.code, tick.stderr).toBe(0);
    truthKeys = (await outbox(sqlite)).map((entry) => entry.key);
    // It delivered them: one webhook request per alert key, one mail. The replicas start from nothing received.
    expect(receiver.requests.filter((r) => r.path === HOOK_PATH)).toHaveLength(truthKeys.filter((key) => key.startsWith('alert/')).length);
    expect(smtp.received).toHaveLength(1);
    receiver.requests.splice(0);
    smtp.received.splice(0);
    const report = await cli(sqlite, ['report', '--month', '2026-10', '--format', 'json', '--offline']);
    expect(report.code, report.stderr).toBe(0);
    truthReport = report.stdout;
  }, 180_000);

  afterEach(async () => {
    await stopAll();
    receiver.requests.splice(0);
    smtp.received.splice(0);
  }, 120_000);

  afterAll(async () => {
    await stopAll();
    await Promise.all([receiver?.close(), smtp?.stop(), fixture?.prometheus.stop(), postgres?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('the truth has something to deliver: the month mail and a no-data alert per SLO', () => {
    expect(truthKeys).toContain('report/2026-10/email');
    expect(truthKeys.filter((key) => key.startsWith('alert/')).length).toBeGreaterThanOrEqual(3);
  });

  it('three replicas: one leader, each notification and the month mail delivered once, the same figures as SQLite, SLO gauges from the leader only', async () => {
    const db = await postgres.createDatabase();
    const started = await Promise.all(['r1', 'r2', 'r3'].map((name) => startReplica(name, db)));
    await waitForDeliveries(db, 60_000);
    // Three more ticks of every replica: nothing is delivered again.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expectEachDeliveredOnce();
    const entries = await outbox(db);
    expect(entries.map((e) => e.key)).toEqual([...truthKeys].sort());
    for (const entry of entries) expect(entry, entry.key).toMatchObject({ status: 'sent', attempts: 1 });

    const ready = await Promise.all(started.map(readyz));
    const leaders = new Set(ready.map((r) => r?.body.leader));
    expect(leaders.size, JSON.stringify(ready)).toBe(1);
    const leader = [...leaders][0]!;
    expect(['r1', 'r2', 'r3']).toContain(leader);
    for (const [index, answer] of ready.entries()) expect(answer, started[index]!.output()).toMatchObject({ code: 200, body: { status: 'ready', replica: started[index]!.name, leader } });

    const texts = await Promise.all(started.map(metrics));
    for (const [index, text] of texts.entries()) {
      const leads = started[index]!.name === leader;
      expect(text).toMatch(new RegExp(`^slo_ledger_leader ${leads ? 1 : 0}$`, 'm'));
      expect(text).toContain(`slo_ledger_lease_holder{replica="${leader}"} 1`);
      // server.slo_metrics: leader
      expect(/^slo_ledger_sli_ratio\{/m.test(text), started[index]!.name).toBe(leads);
    }
    // Every replica took part in the sync: each logged a sync, and together they synced every SLO at the first tick at least once.
    for (const replica of started) expect(replica.output(), replica.name).toMatch(/"synced_slos":[1-9]/);

    const report = await cli(db, ['report', '--month', '2026-10', '--format', 'json', '--offline']);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toBe(truthReport);

    // `slo-ledger tick` by hand beside them leaves the singleton duties to the leader.
    const tick = await cli(db, ['tick', '--at', AT]);
    expect(tick.code, tick.stderr).toBe(0);
    expect(tick.stdout).toContain(`${leader} leads: this tick only synced`);
    expectEachDeliveredOnce();
  }, 150_000);

  it('`slo-ledger tick` alone on PostgreSQL takes the lease for its run, does what one SQLite process does, and gives the lease back', async () => {
    const db = await postgres.createDatabase();
    const tick = await cli(db, ['tick', '--at', AT]);
    expect(tick.code, tick.stderr).toBe(0);
    expect(tick.stdout).toContain('monthly report 2026-10: produced');
    expect((await outbox(db)).map((e) => [e.key, e.status])).toEqual([...truthKeys].sort().map((key) => [key, 'sent']));
    expectEachDeliveredOnce();
    const client = new pg.Client({ connectionString: db });
    await client.connect();
    try {
      expect((await client.query("SELECT holder FROM leader_lease WHERE name = 'leader'")).rows).toEqual([{ holder: null }]);
    } finally {
      await client.end();
    }
  }, 120_000);

  /**
   * A leader that pauses itself right after queueing the month's mail (mid-tick, before
   * delivering), with a second replica running: the second leads once the lease runs out.
   */
  async function pausedLeaderAndSuccessor(db: string): Promise<{ a: Replica; b: Replica; pausedAtMs: number; leadsAtMs: number }> {
    const a = await startReplica('a', db, { SLO_LEDGER_TEST_HALT_AT: 'report-queued', SLO_LEDGER_TEST_HALT_SIGNAL: 'SIGSTOP' });
    await waitFor('a to pause after queueing the report', 60_000, () => a.output().includes('pausing this process'));
    const pausedAtMs = Date.now();
    const b = await startReplica('b', db);
    await waitFor('b to lead', 30_000, async () => (await readyz(b))?.body.leader === 'b');
    return { a, b, pausedAtMs, leadsAtMs: Date.now() };
  }

  it('SIGKILL of the leader mid-tick: the other replica leads within the lease and delivers everything once', async () => {
    const db = await postgres.createDatabase();
    const { a, b, pausedAtMs, leadsAtMs } = await pausedLeaderAndSuccessor(db);
    // The lease was last renewed before the pause: it runs out within one lease time, and b asks every third of it.
    expect(leadsAtMs - pausedAtMs).toBeLessThan(LEASE_MS + LEASE_MS / 3 + 4_000);
    a.process.kill('SIGKILL');
    expect((await a.exited).signal).toBe('SIGKILL');
    await waitForDeliveries(db, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expectEachDeliveredOnce();
    for (const entry of await outbox(db)) expect(entry, entry.key).toMatchObject({ status: 'sent', attempts: 1 });
    expect(b.output()).toMatch(/b leads now \(lease token 2\)/);
  }, 150_000);

  it('a leader paused (SIGSTOP) past its lease and continued sends and writes nothing: it finds it no longer leads', async () => {
    const db = await postgres.createDatabase();
    const { a, b } = await pausedLeaderAndSuccessor(db);
    await waitForDeliveries(db, 30_000);
    const before = await outbox(db);
    a.process.kill('SIGCONT');
    await waitFor('a to continue and find it no longer leads', 20_000, () => a.output().includes('continued') && a.output().includes('a no longer leads'));
    // A few ticks of both replicas.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expectEachDeliveredOnce();
    expect(await outbox(db)).toEqual(before);
    expect(a.output()).toMatch(/tick step deliver failed|a no longer leads/);
    expect((await readyz(a))?.body).toMatchObject({ replica: 'a', leader: 'b' });
    expect(await metrics(a)).toMatch(/^slo_ledger_leader 0$/m);
    expect(await metrics(b)).toMatch(/^slo_ledger_leader 1$/m);
  }, 150_000);

  it('PostgreSQL restarted under two replicas: /readyz is 503 while it is down, then they reconnect, one leads, and nothing is delivered twice', async () => {
    const db = await postgres.createDatabase();
    const pair = await Promise.all(['p1', 'p2'].map((name) => startReplica(name, db)));
    await waitForDeliveries(db, 60_000);
    await waitFor('both replicas to be ready', 30_000, async () => (await Promise.all(pair.map(readyz))).every((r) => r?.code === 200));
    await postgres.restart('fast', async () => {
      await waitFor('both replicas to answer 503', 20_000, async () => (await Promise.all(pair.map(readyz))).every((r) => r?.code === 503));
      const down = await readyz(pair[0]!);
      expect(down?.body.reasons.join('\n')).toMatch(/database/);
    });
    await waitFor('both replicas to be ready again', 60_000, async () => (await Promise.all(pair.map(readyz))).every((r) => r?.code === 200));
    await waitFor('one leader again', 20_000, async () => {
      const answers = await Promise.all(pair.map(readyz));
      const leaders = new Set(answers.map((r) => r?.body.leader));
      return leaders.size === 1 && (leaders.has('p1') || leaders.has('p2'));
    });
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expectEachDeliveredOnce();
    for (const replica of pair) expect(replica.process.exitCode, replica.output()).toBeNull();
  }, 180_000);
});
