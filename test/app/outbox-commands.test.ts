import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/fixture/prometheus-server.js';
import { openLedger } from '../../src/ledger/open-ledger.js';
import type { LedgerStores } from '../../src/ledger/ledger-stores.js';
import type { EmailMessage } from '../../src/notify/email.js';
import { runCli } from '../helpers/cli.js';
import { startSmtpServer, type TestSmtpServer } from '../notify/email-server.js';

const HOUR = 3_600_000;

const cli = (args: string[]) => runCli(args, {}, 30_000);

const mail = (subject: string): EmailMessage => ({
  from: 'slo@example.com', to: ['ops@example.com'], cc: [], subject, html: `<p>${subject}</p>`, text: subject,
  messageId: `<${subject.replace(/\W/g, '')}@example.com>`, attachments: [],
});

describe('outbox list, retry and drop (real CLI, SQLite file, SMTP server on 127.0.0.1)', () => {
  let dir: string;
  let smtp: TestSmtpServer;
  let db: string;
  const args = (port: number) => {
    const config = join(dir, `config-${port}.yaml`);
    writeFileSync(config, ['email:', `  smtp: smtp://127.0.0.1:${port}?starttls=off`, '  from: slo@example.com', '  to: ops@example.com', ''].join('\n'));
    return ['--config', config, '--db', db];
  };
  const list = async (port: number) => JSON.parse((await cli([...args(port), 'outbox', 'list', '--format', 'json'])).stdout) as Array<Record<string, unknown>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-outbox-cli-'));
    smtp = await startSmtpServer();
    db = join(dir, 'ledger.db');
    const ledger = openLedger(db);
    const outbox = ledger.outbox;
    const now = Date.now();
    // Two deliveries waiting an hour for their next attempt, one already failed.
    for (const key of ['report/2026-09/email', 'report/2026-10/email']) {
      const { entry } = await outbox.enqueue({ key, channel: 'email', payload: mail(key), nowMs: now, deadlineMs: now + 24 * HOUR });
      await outbox.markAttemptFailed(entry.id, 'SMTP 421: try later', now + HOUR);
    }
    const { entry } = await outbox.enqueue({ key: 'report/2026-08/email', channel: 'email', payload: mail('august'), nowMs: now, deadlineMs: now + HOUR });
    await outbox.markAttemptFailed(entry.id, 'SMTP 550: no such mailbox', null);
    await ledger.close();
  });
  afterAll(async () => {
    await smtp?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists every delivery with status, attempts and last error, as a table or JSON (never the payload)', async () => {
    const table = await cli([...args(smtp.port), 'outbox', 'list']);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+KEY\s+CHANNEL\s+STATUS\s+ATTEMPTS\s+NEXT ATTEMPT \/ SENT\s+LAST ERROR$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/).slice(1, 5))).toEqual([
      ['report/2026-08/email', 'email', 'failed', '1'],
      ['report/2026-10/email', 'email', 'pending', '1'],
      ['report/2026-09/email', 'email', 'pending', '1'],
    ]);
    const json = await list(smtp.port);
    expect(json).toHaveLength(3);
    expect(json[0]).toMatchObject({ id: 3, status: 'failed', last_error: 'SMTP 550: no such mailbox', next_attempt: null });
    expect(JSON.stringify(json)).not.toContain('payload');
  });

  it('retry ID attempts now despite the backoff; against a dead server it fails again (exit 1) and keeps the delivery', async () => {
    const dead = await cli([...args(await freePort()), 'outbox', 'retry', '2']);
    expect(dead.code).toBe(1);
    expect(dead.stdout).toMatch(/^2 report\/2026-10\/email: failed \(SMTP (ECONNECTION|ESOCKET)/);
    expect((await list(smtp.port)).find((e) => e.id === 2)).toMatchObject({ status: 'pending', attempts: 2 });
    expect(smtp.received).toHaveLength(0);

    const ok = await cli([...args(smtp.port), 'outbox', 'retry', '2']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe('2 report/2026-10/email: sent (attempt 3)\n');
    expect(smtp.received.map((m) => m.subject)).toEqual(['report/2026-10/email']);
  });

  it('retry --all sends every pending one; a failed one comes back only by its ID', async () => {
    const all = await cli([...args(smtp.port), 'outbox', 'retry', '--all']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toBe('1 report/2026-09/email: sent (attempt 2)\n');
    expect((await list(smtp.port)).find((e) => e.id === 3)).toMatchObject({ status: 'failed' });
    const failed = await cli([...args(smtp.port), 'outbox', 'retry', '3']);
    expect(failed.stdout).toBe('3 report/2026-08/email: sent (attempt 2)\n');
    expect(smtp.received.map((m) => m.subject)).toEqual(['report/2026-10/email', 'report/2026-09/email', 'august']);
  });

  it('drop stops a delivery for good; bad usage exits 2 with a clear message', async () => {
    const ledger = openLedger(db);
    const now = Date.now();
    await ledger.outbox.enqueue({ key: 'report/2026-11/email', channel: 'email', payload: mail('november'), nowMs: now + HOUR, deadlineMs: now + 2 * HOUR });
    await ledger.close();
    const dropped = await cli([...args(smtp.port), 'outbox', 'drop', '4']);
    expect(dropped).toMatchObject({ code: 0, stdout: '4 report/2026-11/email: dropped\n' });
    const usage: Array<[string[], RegExp]> = [
      [['outbox', 'drop', '4'], /delivery 4 \(report\/2026-11\/email\) is dropped; only pending or failed ones can be dropped/],
      [['outbox', 'drop', '99'], /there is no delivery 99/],
      [['outbox', 'retry'], /give a delivery ID or --all/],
      [['outbox', 'retry', '1', '--all'], /give a delivery ID or --all/],
      [['outbox', 'retry', 'x1'], /"x1" is not a delivery id/],
      [['outbox', 'retry', '1'], /delivery 1 \(report\/2026-09\/email\) is sent; only pending or failed ones can be retried/],
    ];
    for (const [command, message] of usage) {
      const result = await cli([...args(smtp.port), ...command]);
      expect(result.code, command.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    expect(smtp.received).toHaveLength(3);
  });
});
