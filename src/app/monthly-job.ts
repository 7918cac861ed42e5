import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import type { EmailConfig } from '../config/email-schedule.js';
import { resolvePeriod, type ResolvedPeriod } from '../domain/period.js';
import { monthWindowSpec, previousMonth, type MonthRef } from '../domain/window.js';
import { SloLedgerError } from '../errors.js';
import type { OutboxEntry } from '../ledger/outbox-store.js';
import type { ProducedReport } from '../ledger/report-log.js';
import type { Logger } from '../logging.js';
import type { EmailMessage } from '../notify/email.js';
import { deliverOutbox, type DeliveryRound, type DeliveryStep } from '../notify/outbox-delivery.js';
import { renderReportEmail } from '../report/email-body.js';
import type { PeriodReport } from '../report/period-report.js';
import { toReportJson } from '../report/report-json.js';
import { previousCronInstant } from '../domain/cron-schedule.js';
import type { Clock } from '../domain/clock.js';
import type { Statement } from '../domain/statement.js';
import { UsageError } from '../errors.js';
import { formatInstant } from '../report/format.js';
import type { Restatement } from '../report/period-report.js';
import { listCorrections } from './correction-request.js';
import { generatePeriodReport, REPORT_FILE_FORMATS, syncForPeriod } from './period-report.js';
import { contentHashOf, diffStatement, statedCorrections, statedFigures, statedFiles } from './statements.js';
import type { Adapters, DeliverySenders } from './ports.js';

/** What the monthly job needs: the adapters, a wall clock (for "generated" and the outbox), a log. */
export interface MonthlyJobOptions {
  adapters: Adapters;
  /** Wall clock: when a report is generated and its mail queued. Inject a fixed one in tests. */
  clock: Clock;
  log: Logger;
  /** TEST ONLY hooks (see commands/test-halt.ts): once the report is built and its mail queued; in a delivery. */
  onQueued?: () => void;
  onDeliveryStep?: (step: DeliveryStep) => void;
}

/** The month whose report is due at an instant: the month before the last cron instant. */
export interface DueMonth {
  month: MonthRef;
  /** YYYY-MM. */
  name: string;
  /** The cron instant it fell due at. */
  dueMs: number;
}

/** One month's report as produced: its files and the mail queued for it (when email is configured). */
export interface ProducedMonth {
  name: string;
  dueMs: number | null;
  paths: string[];
  report: PeriodReport;
  /** The outbox entry of the mail; `created` false when the key was already there (not forced). */
  mail?: { entry: OutboxEntry; created: boolean };
}

/** What a scheduled check found. */
export type MonthlyCheck =
  | { kind: 'nothing-due' }
  | { kind: 'already-produced'; due: DueMonth; produced: ProducedReport }
  | { kind: 'would-produce'; due: DueMonth }
  | { kind: 'produced'; due: DueMonth; produced: ProducedMonth };

/** The outbox key of a month's report mail. */
export function reportMailKey(month: string): string {
  return `report/${month}/email`;
}

/**
 * The month whose report is due at `atMs`: the last instant of the `monthly_report` cron at or
 * before `atMs` (in the configured time zone), and the calendar month before that instant.
 */
export function dueReportMonth(cron: string, timeZone: string, atMs: number): DueMonth | undefined {
  const dueMs = previousCronInstant(cron, timeZone, atMs);
  if (dueMs === undefined) return undefined;
  const local = DateTime.fromMillis(dueMs, { zone: timeZone });
  const month = previousMonth({ year: local.year, month: local.month });
  return { month, name: monthWindowSpec(month).name, dueMs };
}

/**
 * The scheduled part of the monthly report: at a due instant, or up to `schedule.catch_up` after
 * it, produces the due month's report unless the ledger records it as produced. So the report at
 * the cron instant and the catch-up after downtime are the same code; a month is produced once.
 */
export async function checkMonthlyReport(options: MonthlyJobOptions, atMs: number, dryRun: boolean): Promise<MonthlyCheck> {
  const { config, ledger } = options.adapters;
  const due = dueReportMonth(config.schedule.monthlyReportCron, config.timeZone, atMs);
  if (due === undefined || atMs - due.dueMs > config.schedule.catchUpMs) return { kind: 'nothing-due' };
  const produced = await ledger.reportLog.get(due.name);
  if (produced !== undefined) return { kind: 'already-produced', due, produced };
  if (dryRun) return { kind: 'would-produce', due };
  options.log.info({ job: 'monthly-report', month: due.name, due: new Date(due.dueMs).toISOString() }, `monthly report ${due.name} is due; producing it`);
  const period = resolvePeriod({ kind: 'month', month: due.month }, atMs, config.timeZone);
  return { kind: 'produced', due, produced: await produceMonthlyReport(options, { period, dueMs: due.dueMs, force: false }) };
}

/** Options of {@link produceMonthlyReport}. */
export interface ProduceOptions {
  /** The month, resolved at the evaluation instant (cut there if it is not over). */
  period: ResolvedPeriod;
  /** The cron instant it fell due at; null when asked for on demand. */
  dueMs: number | null;
  /** Queue the mail again even if this month's mail was sent (`--force`); refused when the figures changed since its statement. */
  force: boolean;
  /** Mail the month as restated against its latest statement (`--restate`): only when its figures changed. */
  restate?: boolean;
}

/**
 * Builds a month's report (sync, model, PDF/HTML/JSON files in `reports/YYYY-MM/`), then, in one
 * transaction, queues its mail in the outbox (key `report/YYYY-MM/email`) and records the month
 * as produced. A crash before the transaction leaves the month due (it is built again); after
 * it, the mail is in the outbox and is delivered by the next round.
 */
export async function produceMonthlyReport(options: MonthlyJobOptions, produce: ProduceOptions): Promise<ProducedMonth> {
  const { adapters, clock } = options;
  const { config, ledger } = adapters;
  const name = produce.period.current.name;
  const sync = await syncForPeriod(adapters, produce.period);
  const failed = sync.slos.filter((s) => s.error !== undefined);
  if (failed.length > 0) {
    // A report from a ledger Prometheus could not complete would be sent with holes; try again next tick.
    throw new SloLedgerError(`monthly report ${name} not sent: the sync of ${failed.map((s) => s.slo).join(', ')} failed (${failed[0]!.error})`);
  }
  // What this report would state, against what was stated (mailed) before.
  const slos = await statedFigures(adapters.figures, config.slos, produce.period.current);
  const contentHash = contentHashOf(slos);
  const stated = await ledger.statements.latest(name);
  const changed = stated !== undefined && stated.contentHash !== contentHash;
  if (produce.restate === true) {
    if (stated === undefined) throw new UsageError(`--restate: ${name} has no statement to restate (it was never mailed); mail it with --email`);
    if (!changed) throw new UsageError(`--restate: the figures of ${name} equal its statement (version ${stated.version}, ${formatInstant(stated.producedMs)}); there is nothing to restate`);
  } else if (changed && produce.force) {
    throw new UsageError(
      `--force: the figures of ${name} changed since its statement (version ${stated.version}, ${formatInstant(stated.producedMs)}), so mailing it again would change a mailed month silently; ` +
        `see \`slo-ledger statements diff ${name}\`, and mail it as restated with --restate`,
    );
  }
  const restatement = produce.restate === true && stated !== undefined ? await restatementOf(adapters, stated, produce.period) : undefined;
  const result = await generatePeriodReport(adapters, {
    period: produce.period,
    generatedAtMs: clock.nowMs(),
    offline: true,
    formats: REPORT_FILE_FORMATS,
    reportsDir: config.server.reportsDir,
    ...(restatement === undefined ? {} : { restatement }),
  });
  const pdfPath = result.paths[REPORT_FILE_FORMATS.indexOf('pdf')]!;
  const nowMs = clock.nowMs();
  const email = config.email;
  const thread = stated === undefined ? [] : (await ledger.statements.versions(name)).map((v) => v.messageId).filter((id): id is string => id !== null);
  const key = restatement === undefined ? reportMailKey(name) : `${reportMailKey(name)}/restated/${restatement.version}`;
  const message = email === undefined ? undefined : buildReportMail(result.report, readFileSync(pdfPath), email, thread);
  // The month's statement: the first time it is produced, and with every restatement; a report
  // mailed again unchanged (--force) or found already mailed keeps the statement it has.
  const stating = stated === undefined || restatement !== undefined;
  // Its files are read before the transaction, which does nothing but write the ledger.
  const files = stating ? statedFiles(result.paths) : [];
  const mail = await ledger.transaction(async (tx) => {
    let queued: ProducedMonth['mail'];
    if (email !== undefined) {
      const delivery = { key, channel: 'email' as const, payload: message!, nowMs, deadlineMs: nowMs + email.deadlineMs };
      queued = produce.force ? { entry: await tx.outbox.requeue(delivery), created: true } : await tx.outbox.enqueue(delivery);
    }
    await tx.reportLog.record({ month: name, dueMs: produce.dueMs, producedMs: nowMs, outboxKey: email === undefined ? null : key });
    if (stating) {
      await tx.statements.append({
        month: name,
        version: restatement?.version ?? 1,
        kind: restatement === undefined ? 'original' : 'restated',
        producedMs: nowMs,
        contentHash,
        slos,
        corrections: statedCorrections(await listCorrections(config, tx)),
        files,
        messageId: message?.messageId ?? null,
      });
    }
    return queued;
  });
  options.log.info(
    {
      job: 'monthly-report', month: name, files: result.paths, mail: mail === undefined ? 'no email configured' : mail.created ? 'queued' : `already ${mail.entry.status}`,
      ...(restatement === undefined ? {} : { restated: restatement.version }),
    },
    `monthly report ${name} ${restatement === undefined ? 'produced' : `restated (version ${restatement.version})`}`,
  );
  options.onQueued?.();
  return { name, dueMs: produce.dueMs, paths: result.paths, report: result.report, ...(mail ? { mail } : {}) };
}

/** The restatement of a month against its latest statement: the next version, and every changed figure with its causes. */
async function restatementOf(adapters: Adapters, stated: Statement, period: ResolvedPeriod): Promise<Restatement> {
  const diff = await diffStatement(adapters, stated, period.current);
  return { version: stated.version + 1, stated: { version: stated.version, producedAtMs: stated.producedMs, contentHash: stated.contentHash }, changes: diff.changes };
}

/**
 * The monthly mail: subject from the configured template ({service}, {month}, {status}), the
 * summary page as HTML with a plain-text alternative, the PDF attached, and a Message-ID derived
 * from the month and the report's content, so the same report sent twice carries the same id.
 */
export function buildReportMail(report: PeriodReport, pdf: Buffer, email: EmailConfig, thread: readonly string[] = []): EmailMessage {
  const services = [...new Set(report.slos.map((s) => s.service))];
  const subject = (report.restatement === undefined ? '' : '[RESTATED] ') + email.subject
    .replaceAll('{service}', services.length === 0 ? 'SLO' : services.join(', '))
    .replaceAll('{month}', report.period.label)
    .replaceAll('{status}', report.overall.tier.toUpperCase());
  const body = renderReportEmail(report);
  const { generated_at: _generated, ...content } = toReportJson(report) as Record<string, unknown>;
  const digest = createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 16);
  const domain = /@([^@\s>]+)>?\s*$/.exec(email.from)?.[1] ?? 'slo-ledger.invalid';
  return {
    from: email.from,
    to: email.to,
    cc: email.cc,
    subject,
    html: body.html,
    text: body.text,
    messageId: `<slo-report.${report.period.name}.${digest}@${domain}>`,
    // A restatement answers the previous version's mail, so mail clients show it in that thread.
    ...(thread.length === 0 ? {} : { inReplyTo: thread[thread.length - 1]!, references: [...thread] }),
    attachments: [{ filename: `slo-report-${report.period.name}.pdf`, contentType: 'application/pdf', contentBase64: pdf.toString('base64') }],
  };
}

/** What `report --month M --email` did: the report, and the delivery attempt (absent when it was already sent). */
export interface EmailedReport {
  produced: ProducedMonth;
  round?: DeliveryRound;
}

/**
 * `report --month M --email`: builds the month's report, queues its mail through the outbox (the
 * same key the schedule uses, so a month already mailed is not mailed again unless `force`), and
 * attempts it now, ignoring any backoff. The caller makes sure the config has an email section
 * and the month is over: a partial month mailed now would take the month's outbox key and
 * record, and the complete report would never go out on schedule.
 */
export async function emailMonthlyReport(options: MonthlyJobOptions & { senders: DeliverySenders }, produce: Omit<ProduceOptions, 'dueMs'>): Promise<EmailedReport> {
  const { adapters, clock } = options;
  const produced = await produceMonthlyReport(options, { ...produce, dueMs: null });
  const entry = produced.mail!.entry;
  if (entry.status !== 'pending' && entry.status !== 'failed') return { produced };
  const { outbox } = adapters.ledger;
  await outbox.retryNow(entry.id, clock.nowMs(), Math.max(entry.deadlineMs, clock.nowMs() + (adapters.config.email?.deadlineMs ?? 0)));
  const round = await deliverOutbox({
    outbox, senders: options.senders, clock, log: options.log, only: [entry.id],
    ...(options.onDeliveryStep ? { onStep: options.onDeliveryStep } : {}),
  });
  return { produced, round };
}
