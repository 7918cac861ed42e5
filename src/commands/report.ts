import type { Command } from 'commander';
import { emailMonthlyReport } from '../app/monthly-job.js';
import { generatePeriodReport } from '../app/period-report.js';
import { buildStatusReport } from '../app/status-report.js';
import type { AppConfig } from '../config/app-config.js';
import { floorToBucket } from '../domain/duration.js';
import { monthEvaluationMs, resolvePeriod } from '../domain/period.js';
import { monthWindowSpec } from '../domain/window.js';
import { UsageError } from '../errors.js';
import { createLogger } from '../logging.js';
import { buildSenders } from '../runtime/open-adapters.js';
import { toStatusJson } from '../views/status-json.js';
import { formatStatusCsv, formatStatusTable } from '../views/status-table.js';
import { describeRound } from '../views/tick-view.js';
import { reportSyncErrors, withAdapters, withProgress, type CommandContext } from './context.js';
import { parseAtOption, parseGroupOption, parseMonthOption, parseWindowsOption } from './options.js';
import { parseReportFilesRequest, parseReportOutput, type ReportCommandOptions } from './report-options.js';
import { testHaltHooks } from './test-halt.js';

type ReportOptions = ReportCommandOptions & { windows: string; format: string; email?: boolean; force?: boolean; restate?: boolean; group: string[] };

/** `report`: the status per SLO and window on stdout, the period report as files, or the month's report by email. */
export function registerReportCommand(program: Command, context: CommandContext): void {
  program
    .command('report')
    .description('print SLI, error budget, burn rate and tier per SLO and window; or write the monthly report (--format pdf,html,json)')
    .option('--at <time>', 'evaluation instant (ISO 8601; default now, or the end of --month)')
    .option('--month <YYYY-MM>', 'add a calendar month window (in the configured time zone); with pdf/html/json: the month to report')
    .option('--windows <list>', 'rolling windows, comma-separated', '24h,7d,30d')
    .option('--format <format>', 'table, json or csv (status on stdout), or a comma list of pdf, html, json (report files)', 'table')
    .option('--out <dir>', 'folder for the report files (default reports/<YYYY-MM>)')
    .option('--from <time>', 'with pdf/html/json: report this range instead of a month (ISO 8601, with --to)')
    .option('--to <time>', 'end of the --from range (exclusive)')
    .option('--incident-factor <n>', 'with pdf/html/json: an incident is a burn rate over 1h above this (default: report.incident_factor of the config, 6)')
    .option('--offline', 'report from the ledger as it is, without asking Prometheus')
    .option('--email', 'with --month: build the monthly report and mail it now, through the outbox (as the schedule does)')
    .option('--force', 'with --email: mail it again even if this month was already mailed (refused when its figures changed since: use --restate)')
    .option('--restate', 'with --email: mail the month as restated, listing what changed against its statement, in reply to the original mail')
    .option('--group <label=value>', 'grouped SLOs: show only the groups with this label value (repeatable)', (pair: string, all: string[]) => [...all, pair], [] as string[])
    .action(async (options: ReportOptions, command: Command) => {
      const config = context.loadConfig();
      if (options.email === true || options.force === true || options.restate === true) return emailReport(config, options);
      const output = parseReportOutput(options.format, options.out !== undefined);
      if (output.kind === 'files') return writeReportFiles(config, options, output.formats, command.getOptionValueSource('windows') === 'cli');
      return printStatus(config, options, output.format);
    });
}

/** `report --format pdf,html,json`: the period report's files, one path per line. */
async function writeReportFiles(config: AppConfig, options: ReportOptions, formats: Array<'pdf' | 'html' | 'json'>, windowsGiven: boolean): Promise<void> {
  const request = parseReportFilesRequest({ ...options, windowsGiven }, config.timeZone);
  await withAdapters(config, async (adapters) => {
    const result = await generatePeriodReport(adapters, {
      period: resolvePeriod(request.period, request.atMs ?? adapters.clock.nowMs(), config.timeZone),
      formats, offline: options.offline === true,
      ...(request.outDir !== undefined ? { outDir: request.outDir } : {}),
      ...(request.rules !== undefined ? { rules: request.rules } : {}),
      ...withProgress(),
    });
    const failed = reportSyncErrors(result.sync);
    for (const path of result.paths) process.stdout.write(`${path}\n`);
    if (failed) process.exitCode = 1;
  });
}

/** `report --format table|json|csv`: every SLO over every window, on stdout. */
async function printStatus(config: AppConfig, options: ReportOptions, format: 'table' | 'json' | 'csv'): Promise<void> {
  for (const flag of ['from', 'to', 'out', 'incidentFactor'] as const) {
    if (options[flag] !== undefined) throw new UsageError(`--${flag === 'incidentFactor' ? 'incident-factor' : flag} applies to report files: use --format pdf,html,json`);
  }
  const windows = parseWindowsOption(options.windows);
  const groups = parseGroupOption(options.group);
  const month = options.month === undefined ? undefined : parseMonthOption(options.month);
  if (month !== undefined) windows.push(monthWindowSpec(month));
  await withAdapters(config, async (adapters) => {
    const nowMs = adapters.clock.nowMs();
    // A month report is reproducible: it is evaluated at the month's end unless asked otherwise.
    const atMs = options.at === undefined && month !== undefined ? monthEvaluationMs(month, config.timeZone, nowMs) : parseAtOption(options.at, config.timeZone, nowMs);
    const report = await buildStatusReport(adapters, { atMs, windows, groups, offline: options.offline === true, ...withProgress() });
    const failed = reportSyncErrors(report.sync);
    if (format === 'json') process.stdout.write(`${JSON.stringify(toStatusJson(floorToBucket(atMs), report.statuses), null, 2)}\n`);
    else if (format === 'csv') process.stdout.write(formatStatusCsv(report.statuses));
    else process.stdout.write(formatStatusTable(report.statuses, process.stdout.isTTY === true));
    if (failed) process.exitCode = 1;
  });
}

/** `report --month M --email [--force]`: builds the month's report and mails it now through the outbox. */
async function emailReport(config: AppConfig, options: ReportOptions): Promise<void> {
  if (options.email !== true) throw new UsageError(`--${options.restate === true ? 'restate' : 'force'} applies to --email (mail a month again)`);
  if (options.restate === true && options.force === true) throw new UsageError('--restate and --force: give one (--restate mails the changed month as restated; --force mails it again unchanged)');
  if (options.month === undefined) throw new UsageError('--email needs --month YYYY-MM');
  for (const flag of ['from', 'to', 'out'] as const) {
    if (options[flag] !== undefined) throw new UsageError(`--${flag} does not apply to --email (the mailed report is the month's, in the reports folder)`);
  }
  const month = parseMonthOption(options.month);
  await withAdapters(config, async (adapters) => {
    const atMs = parseAtOption(options.at, config.timeZone, adapters.clock.nowMs());
    if (config.email === undefined) throw new UsageError(`--email: the config (${config.source}) has no email section (smtp, from, to)`);
    const period = resolvePeriod({ kind: 'month', month }, atMs, config.timeZone);
    if (period.current.endMs < period.current.fullEndMs) {
      // A partial month mailed now would take the month's outbox key and record, and the complete
      // report would never go out on schedule.
      throw new UsageError(`--email: ${period.current.name} is not over (it ends ${new Date(period.current.fullEndMs).toISOString()}); a month is mailed once it is complete`);
    }
    const log = createLogger({ secrets: config.secrets, destination: process.stderr });
    const result = await emailMonthlyReport(
      { adapters, clock: adapters.clock, senders: buildSenders(config), log, ...testHaltHooks(process.env) },
      { period, force: options.force === true, restate: options.restate === true },
    );
    for (const path of result.produced.paths) process.stdout.write(`${path}\n`);
    const entry = result.produced.mail!.entry;
    if (result.round === undefined) process.stdout.write(`${entry.id} ${entry.key}: already ${entry.status}; use --force to mail it again\n`);
    else process.stdout.write(describeRound(result.round));
    if (result.round !== undefined && result.round.sent.length === 0) process.exitCode = 1;
  });
}
