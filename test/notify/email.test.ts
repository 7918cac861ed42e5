import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EmailConfig } from '../../src/config/email-schedule.js';
import { openLedger } from '../../src/ledger/open-ledger.js';
import type { LedgerStores } from '../../src/ledger/ledger-stores.js';
import type { OutboxStore } from '../../src/ledger/outbox-store.js';
import { EmailSender, type EmailMessage } from '../../src/notify/email.js';
import { deliverOutbox, type DeliveryLog } from '../../src/notify/outbox-delivery.js';
import { freePort } from '../../src/fixture/prometheus-server.js';
import { startSmtpServer, type TestSmtpServer } from './email-server.js';

const T0 = Date.parse('2026-11-01T06:00:00Z');
const MINUTE = 60_000;
const PASSWORD = 'smtp-pw-7f3a9c';

const message: EmailMessage = {
  from: 'SLO reports <slo@example.com>',
  to: ['ops@example.com'],
  cc: ['lead@example.com'],
  subject: '[SLA] rendiff-api October 2026 — WARNING',
  html: '<p>summary</p>',
  text: 'summary',
  messageId: '<slo-report.2026-10.0123456789abcdef@example.com>',
  attachments: [{ filename: 'slo-report-2026-10.pdf', contentType: 'application/pdf', contentBase64: Buffer.from('%PDF-1.3 test').toString('base64') }],
};

function emailConfig(port: number, auth?: { user: string; pass: string }): EmailConfig {
  return {
    smtp: { host: '127.0.0.1', port, secure: false, starttls: 'off', ...(auth ? { auth } : {}) },
    from: message.from, to: message.to, cc: message.cc, subject: '', deadlineMs: 24 * 60 * MINUTE, timeoutMs: 5_000,
  };
}

/** A delivery log that keeps every line, to check what was logged (and that no secret was). */
function recordingLog(): DeliveryLog & { lines: Array<{ level: string; fields: object; message: string }> } {
  const lines: Array<{ level: string; fields: object; message: string }> = [];
  const at = (level: string) => (fields: object, text: string) => void lines.push({ level, fields, message: text });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

describe('email delivery through the outbox, against a real SMTP server on 127.0.0.1', () => {
  let dir: string;
  let ledger: LedgerStores;
  let outbox: OutboxStore;
  let smtp: TestSmtpServer | undefined;
  let now: number;
  const clock = { nowMs: () => now };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-email-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    ledger = openLedger(join(dir, `${Math.random().toString(36).slice(2)}.db`));
    outbox = ledger.outbox;
    now = T0;
  });
  afterEach(async () => {
    await ledger.close();
    await smtp?.stop();
    smtp = undefined;
  });

  /** Delivery rounds, each at the entry's next attempt, until it is no longer pending (at most `rounds`). */
  async function deliverUntilSettled(sender: EmailSender, log: DeliveryLog, rounds: number, beforeRound?: (round: number) => Promise<void>) {
    const { entry } = await outbox.enqueue({ key: 'report/2026-10/email', channel: 'email', payload: message, nowMs: now, deadlineMs: now + 24 * 60 * MINUTE });
    for (let round = 0; round < rounds && (await outbox.byId(entry.id))!.status === 'pending'; round++) {
      now = Math.max(now, (await outbox.byId(entry.id))!.nextAttemptMs);
      await beforeRound?.(round);
      await deliverOutbox({ outbox, senders: { email: sender }, clock, log, random: () => 0.5 });
    }
    return (await outbox.byId(entry.id))!;
  }

  it('a server answering 451 three times, then accepting: exactly one mail arrives, the row is sent, each attempt is logged', async () => {
    smtp = await startSmtpServer();
    smtp.refuseNext(3, { code: 451, message: 'greylisted, try again later' });
    const log = recordingLog();
    const entry = await deliverUntilSettled(new EmailSender({ config: emailConfig(smtp.port), secrets: [] }), log, 10);
    expect(smtp.dataAttempts).toBe(4);
    expect(smtp.received).toHaveLength(1);
    expect(entry).toMatchObject({ status: 'sent', attempts: 4, lastError: null });
    // Backoff 30 s × 2^(n−1) with the jitter pinned at 1×: the fourth attempt is 30 + 60 + 120 s after the first.
    expect(entry.sentMs).toBe(T0 + 210_000);
    const retries = log.lines.filter((l) => l.level === 'warn');
    expect(retries.map((l) => (l.fields as { attempt: number }).attempt)).toEqual([1, 2, 3]);
    expect(retries[0]!.fields).toMatchObject({ error: expect.stringContaining('SMTP 451') });
    expect(log.lines.filter((l) => l.level === 'info')).toHaveLength(1);
    const mail = smtp.received[0]!;
    expect(mail.subject).toBe(message.subject);
    expect(mail.messageId).toBe(message.messageId);
    expect(mail.cc).toBeDefined();
    expect(mail.attachments.map((a) => [a.filename, a.contentType, a.content.toString()])).toEqual([['slo-report-2026-10.pdf', 'application/pdf', '%PDF-1.3 test']]);
  });

  it('a server that is down for two attempts, then up: exactly one mail arrives', async () => {
    const port = await freePort();
    const log = recordingLog();
    const entry = await deliverUntilSettled(new EmailSender({ config: emailConfig(port), secrets: [] }), log, 10, async (round) => {
      if (round === 2) smtp = await startSmtpServer({ port });
    });
    expect(smtp!.received).toHaveLength(1);
    expect(entry).toMatchObject({ status: 'sent', attempts: 3 });
    expect(log.lines.filter((l) => l.level === 'warn').map((l) => (l.fields as { error: string }).error)).toEqual([
      expect.stringMatching(/ECONNREFUSED|ECONNECTION/),
      expect.stringMatching(/ECONNREFUSED|ECONNECTION/),
    ]);
  });

  it('550 is permanent: one attempt, the row failed, logged loudly, nothing delivered', async () => {
    smtp = await startSmtpServer();
    smtp.refuseNext(1, { code: 550, message: 'mailbox unavailable' });
    const log = recordingLog();
    const entry = await deliverUntilSettled(new EmailSender({ config: emailConfig(smtp.port), secrets: [] }), log, 10);
    expect(entry).toMatchObject({ status: 'failed', attempts: 1, lastError: expect.stringContaining('SMTP 550') });
    expect(smtp.received).toHaveLength(0);
    expect(log.lines.filter((l) => l.level === 'error').map((l) => l.message)).toEqual([expect.stringContaining('DELIVERY FAILED for good')]);
  });

  it('logs in with the configured credentials; a refused login is permanent and never shows the password', async () => {
    smtp = await startSmtpServer({ credentials: { user: 'reports', pass: PASSWORD } });
    const good = await deliverUntilSettled(new EmailSender({ config: emailConfig(smtp.port, { user: 'reports', pass: PASSWORD }), secrets: [PASSWORD] }), recordingLog(), 3);
    expect(good.status).toBe('sent');
    expect(smtp.received).toHaveLength(1);

    await ledger.close();
    ledger = openLedger(join(dir, 'auth.db'));
    outbox = ledger.outbox;
    const wrong = `${PASSWORD}-old`;
    const log = recordingLog();
    const bad = await deliverUntilSettled(new EmailSender({ config: emailConfig(smtp.port, { user: 'reports', pass: wrong }), secrets: [wrong] }), log, 3);
    expect(bad).toMatchObject({ status: 'failed', attempts: 1, lastError: expect.stringContaining('535') });
    expect(JSON.stringify([bad, log.lines])).not.toContain(PASSWORD);
    expect(smtp.received).toHaveLength(1);
  });

  it('STARTTLS required: a server that does not offer it never sees the login, and a certificate that does not verify is refused', async () => {
    const required = (port: number): EmailConfig => ({ ...emailConfig(port, { user: 'reports', pass: PASSWORD }), smtp: { host: '127.0.0.1', port, secure: false, starttls: 'required', auth: { user: 'reports', pass: PASSWORD } } });
    smtp = await startSmtpServer({ credentials: { user: 'reports', pass: PASSWORD } });
    const plain = await deliverUntilSettled(new EmailSender({ config: required(smtp.port), secrets: [PASSWORD] }), recordingLog(), 1);
    // The server answers STARTTLS with 5xx: a configuration problem that retrying cannot fix.
    expect(plain).toMatchObject({ status: 'failed', attempts: 1, lastError: expect.stringMatching(/^SMTP 5\d\d: .*STARTTLS/) });
    expect(smtp.authAttempts).toBe(0);
    await smtp.stop();

    await ledger.close();
    ledger = openLedger(join(dir, 'tls.db'));
    outbox = ledger.outbox;
    smtp = await startSmtpServer({ credentials: { user: 'reports', pass: PASSWORD }, starttls: true });
    const selfSigned = await deliverUntilSettled(new EmailSender({ config: required(smtp.port), secrets: [PASSWORD] }), recordingLog(), 1);
    expect(selfSigned.lastError).toMatch(/certificate/i);
    expect(smtp.authAttempts).toBe(0);
    expect(smtp.received).toHaveLength(0);
  });
});
