import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSenders, openAdapters, type OpenAdapters } from '../../src/runtime/open-adapters.js';
import { resolvePeriod } from '../../src/domain/period.js';
import { emailMonthlyReport } from '../../src/app/monthly-job.js';
import { runTick, type TickResult } from '../../src/app/tick.js';
import { loadConfig } from '../../src/config/load-config.js';
import { RENDIFF_SCENARIO } from '../../src/fixture/scenarios.js';
import { createLogger, type Logger } from '../../src/logging.js';
import { formatSli } from '../../src/report/format.js';
import { startFixturePrometheus, type FixturePrometheus } from '../helpers/fixture.js';
import { startSmtpServer, type TestSmtpServer } from '../notify/email-server.js';

const run = promisify(execFile);
const at = (iso: string) => Date.parse(iso);

interface ReportJson {
  period: { name: string; label: string };
  overall: { tier: string };
  slos: Array<{ name: string; service: string; sli_ratio: number | null; tier: string; good: number; total: number }>;
}

describe('the monthly job with a controlled clock (fixture Prometheus, SQLite file, SMTP server on 127.0.0.1)', () => {
  let fixture: FixturePrometheus;
  let smtp: TestSmtpServer;
  let dir: string;
  let now: number;
  const clock = { nowMs: () => now };
  const logLines: string[] = [];
  const open: OpenAdapters[] = [];

  beforeAll(async () => {
    [fixture, smtp] = await Promise.all([startFixturePrometheus(RENDIFF_SCENARIO), startSmtpServer()]);
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-monthly-'));
  });
  afterAll(async () => {
    for (const services of open) await services.close();
    await smtp?.stop();
    await fixture?.prometheus.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A service instance of its own (ledger file, reports folder) with email to the test SMTP server. */
  function service(name: string): { services: OpenAdapters; log: Logger; reportsDir: string } {
    const reportsDir = join(dir, `reports-${name}`);
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, [
      'email:',
      `  smtp: smtp://127.0.0.1:${smtp.port}?starttls=off`,
      '  from: SLO reports <slo@example.com>',
      '  to: [ops@example.com]',
      'server:',
      `  reports_dir: ${JSON.stringify(reportsDir)}`,
      '',
    ].join('\n'));
    const config = loadConfig({ file, env: {} });
    config.prometheus.url = fixture.prometheus.url;
    config.databasePath = join(dir, `${name}.db`);
    const services = openAdapters(config, clock);
    open.push(services);
    const sink = new Writable({ write: (chunk, _enc, done) => void (logLines.push(String(chunk)), done()) });
    return { services, log: createLogger({ secrets: config.secrets, destination: sink, pretty: false }), reportsDir };
  }

  async function tickAt(s: { services: OpenAdapters; log: Logger }, iso: string, dryRun = false): Promise<TickResult> {
    now = at(iso);
    const result = await runTick({ adapters: s.services, senders: buildSenders(s.services.config), atMs: now, dryRun, log: s.log });
    expect(result.errors).toEqual([]);
    return result;
  }

  const mailsOfMonth = (month: string): ParsedMail[] => smtp.received.filter((m) => m.messageId?.startsWith(`<slo-report.${month}.`));

  it('at its cron instant (06:00 on the 1st) produces October once and sends exactly one mail: subject, HTML summary, text, a PDF that parses', async () => {
    const s = service('cron');
    const before = smtp.received.length;
    // A minute before: the last due instant (1 October) is older than the 7-day catch-up, so nothing is due.
    expect((await tickAt(s, '2026-11-01T05:59:00Z')).monthly).toEqual({ kind: 'nothing-due' });
    expect((await tickAt(s, '2026-11-01T06:00:00Z', true)).monthly).toMatchObject({ kind: 'would-produce', due: { name: '2026-10' } });
    expect(smtp.received.length).toBe(before);

    const produced = await tickAt(s, '2026-11-01T06:00:00Z');
    expect(produced.monthly).toMatchObject({ kind: 'produced', due: { name: '2026-10', dueMs: at('2026-11-01T06:00:00Z') } });
    expect(produced.delivery?.sent.map((e) => [e.key, e.status, e.attempts])).toEqual([['report/2026-10/email', 'sent', 1]]);
    expect((await tickAt(s, '2026-11-01T06:01:00Z')).monthly).toMatchObject({ kind: 'already-produced', due: { name: '2026-10' } });
    expect(smtp.received.length).toBe(before + 1);

    const json = JSON.parse(readFileSync(join(s.reportsDir, '2026-10', 'report.json'), 'utf8')) as ReportJson;
    const mail = smtp.received[before]!;
    expect(json.slos.map((slo) => slo.service)).toEqual(['rendiff-api', 'rendiff-api', 'rendiff-api']);
    expect(mail.subject).toBe(`[SLA] rendiff-api October 2026 — ${json.overall.tier.toUpperCase()}`);
    expect(mail.from?.value).toEqual([{ name: 'SLO reports', address: 'slo@example.com' }]);
    expect(mail.messageId).toMatch(/^<slo-report\.2026-10\.[0-9a-f]{16}@example\.com>$/);

    const html = String(mail.html);
    expect(html).not.toMatch(/<style|<svg|<script|class="/);
    expect(html).toContain('Overall status');
    for (const slo of json.slos) {
      expect(html).toContain(slo.name);
      expect(html).toContain(formatSli(slo.sli_ratio));
      expect(mail.text).toContain(`${slo.name} (rendiff-api): SLI ${formatSli(slo.sli_ratio)}`);
    }
    expect(mail.text).toContain(`Overall status: ${json.overall.tier.toUpperCase()}`);

    expect(mail.attachments.map((a) => [a.filename, a.contentType])).toEqual([['slo-report-2026-10.pdf', 'application/pdf']]);
    const pdf = mail.attachments[0]!.content;
    expect(pdf.equals(readFileSync(join(s.reportsDir, '2026-10', 'report.pdf')))).toBe(true);
    const pdfPath = join(dir, 'mailed.pdf');
    writeFileSync(pdfPath, pdf);
    const { stdout: pdfText } = await run('pdftotext', ['-layout', pdfPath, '-']);
    expect(pdfText).toContain('October 2026');
    for (const slo of json.slos) expect(pdfText).toContain(slo.name);

    // The schedule recorded the month's statement: the mail's Message-ID, the PDF's hash, the report's figures.
    const statement = (await s.services.ledger.statements.latest('2026-10'))!;
    expect(statement).toMatchObject({ version: 1, kind: 'original', producedMs: at('2026-11-01T06:00:00Z'), messageId: mail.messageId });
    expect(statement.files.find((f) => f.name === 'report.pdf')!.sha256).toBe(createHash('sha256').update(pdf).digest('hex'));
    for (const slo of json.slos) {
      const stated = statement.slos.find((x) => x.slo === slo.name)!;
      expect(stated.total).toBeCloseTo(slo.total, 6);
      expect(stated.good).toBeCloseTo(slo.good, 6);
      expect(stated.tier).toBe(slo.tier);
    }

    // Asked again with --force: a second mail, recognisable as the same report by its Message-ID.
    now = at('2026-11-02T09:00:00Z');
    const again = await emailMonthlyReport(
      { adapters: s.services, clock, log: s.log, senders: buildSenders(s.services.config) },
      { period: resolvePeriod({ kind: 'month', month: { year: 2026, month: 10 } }, now, 'UTC'), force: true },
    );
    expect(again.round?.sent).toHaveLength(1);
    expect(smtp.received.length).toBe(before + 2);
    expect(smtp.received[before + 1]!.messageId).toBe(mail.messageId);
    // Mailed again unchanged: the statement stays the one version.
    expect(await s.services.ledger.statements.versions('2026-10')).toHaveLength(1);
    // Without --force, a month already mailed is not mailed again.
    const notAgain = await emailMonthlyReport(
      { adapters: s.services, clock, log: s.log, senders: buildSenders(s.services.config) },
      { period: resolvePeriod({ kind: 'month', month: { year: 2026, month: 10 } }, now, 'UTC'), force: false },
    );
    expect(notAgain.round).toBeUndefined();
    expect(smtp.received.length).toBe(before + 2);
  });

  it('started on the 3rd after being down since the 28th: October is produced and mailed once', async () => {
    const s = service('catch-up');
    const before = mailsOfMonth('2026-10').length;
    expect((await tickAt(s, '2026-10-28T12:00:00Z')).monthly).toEqual({ kind: 'nothing-due' });
    // Down from the 28th; the report fell due on 1 November 06:00; the service comes back on the 3rd.
    const back = await tickAt(s, '2026-11-03T09:00:00Z');
    expect(back.monthly).toMatchObject({ kind: 'produced', due: { name: '2026-10', dueMs: at('2026-11-01T06:00:00Z') } });
    expect(back.delivery?.sent).toHaveLength(1);
    expect((await tickAt(s, '2026-11-03T09:01:00Z')).monthly).toMatchObject({ kind: 'already-produced' });
    expect((await tickAt(s, '2026-11-04T09:00:00Z')).monthly).toMatchObject({ kind: 'already-produced' });
    expect(mailsOfMonth('2026-10').length).toBe(before + 1);
    expect(await s.services.ledger.reportLog.get('2026-10')).toMatchObject({ dueMs: at('2026-11-01T06:00:00Z'), producedMs: at('2026-11-03T09:00:00Z') });
    expect((await s.services.ledger.outbox.list()).map((e) => [e.key, e.status, e.attempts])).toEqual([['report/2026-10/email', 'sent', 1]]);
  });
});
