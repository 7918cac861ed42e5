import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { loadConfig, type AppConfig } from './config/load-config.js';
import { printConfig } from './config/print-config.js';
import { ConfigError, SloLedgerError, UsageError, redactSecrets } from './errors.js';
import { floorToBucket } from './domain/duration.js';
import { parseWindowSpec, monthWindowSpec, resolveWindow, type WindowSpec } from './domain/window.js';
import { openServices } from './app/compose.js';
import type { SyncProgress, SyncResult } from './app/sync-ledger.js';
import { syncServices } from './app/sync-services.js';
import { buildStatusReport } from './app/status-report.js';
import { generateMonthlyReport, parseReportFilesRequest, parseReportOutput, type ReportCommandOptions } from './app/monthly-report.js';
import { toStatusJson } from './report/status-json.js';
import { formatStatusCsv, formatStatusTable } from './report/status-table.js';
import { parseListenAddress } from './config/listen-address.js';
import { assessAlerts } from './app/assess-alerts.js';
import { formatAlertsTable, readAlertRecords, toAlertsJson } from './app/alerts-view.js';
import { buildSenders } from './app/compose.js';
import { emailMonthlyReport } from './app/monthly-job.js';
import { describeRound, dropDelivery, parseDeliveryId, retryDeliveries } from './app/outbox-admin.js';
import { testHaltHooks } from './app/test-halt.js';
import { runTick, type TickResult } from './app/tick.js';
import { createLogger } from './logging.js';
import { formatOutboxTable, toOutboxJson } from './notify/outbox-format.js';

interface GlobalOptions {
  config?: string;
  prometheus?: string;
  db?: string;
}

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Secrets of the loaded config, so the top-level handler can strip them from any error. */
let knownSecrets: string[] = [];

function loadEffectiveConfig(options: GlobalOptions): AppConfig {
  const config = loadConfig({ ...(options.config ? { file: options.config } : {}), env: process.env });
  knownSecrets = config.secrets;
  if (options.prometheus !== undefined) {
    if (!URL.canParse(options.prometheus) || !/^https?:$/.test(new URL(options.prometheus).protocol)) {
      throw new UsageError(`--prometheus: ${JSON.stringify(options.prometheus)} is not an http(s) URL`);
    }
    config.prometheus.url = options.prometheus;
  }
  if (options.db !== undefined) config.databasePath = options.db;
  return config;
}

/** `--at`: ISO 8601 (a time without offset is read in the configured time zone) or "now". */
export function parseAt(text: string | undefined, timeZone: string, nowMs: number): number {
  if (text === undefined || text === 'now') return nowMs;
  const parsed = DateTime.fromISO(text, { zone: timeZone });
  if (!parsed.isValid) {
    throw new UsageError(`--at: ${JSON.stringify(text)} is not an ISO 8601 time (e.g. 2026-11-01T00:00:00Z)`);
  }
  return parsed.toMillis();
}

function parseWindows(text: string): WindowSpec[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      try {
        return parseWindowSpec(part);
      } catch (error) {
        throw new UsageError(`--windows: ${(error as Error).message}`);
      }
    });
}

function progressPrinter(): ((p: SyncProgress) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (p) => {
    if (p.totalBuckets < 288) return;
    process.stderr.write(`\rbackfilling ${p.slo}: ${p.doneBuckets}/${p.totalBuckets} buckets`);
    if (p.doneBuckets >= p.totalBuckets) process.stderr.write('\n');
  };
}

/** Prints each SLO whose sync failed; returns true when any did. */
function reportSyncErrors(sync: SyncResult | undefined): boolean {
  const failed = sync?.slos.filter((s) => s.error !== undefined) ?? [];
  for (const s of failed) process.stderr.write(`slo-ledger: sync of ${s.slo} failed: ${s.error}\n`);
  return failed.length > 0;
}

function buildProgram(): Command {
  const program = new Command('slo-ledger')
    .description('SLO reporting and error budgets from Prometheus, kept as a ledger of 5-minute buckets in SQLite')
    .version(VERSION)
    .option('--config <file>', 'YAML config file (default: $SLO_LEDGER_CONFIG, else the built-in Rendiff SLOs)')
    .option('--prometheus <url>', 'Prometheus base URL (overrides the config and $PROMETHEUS_URL)')
    .option('--db <file>', 'SQLite ledger file (overrides the config)')
    .showHelpAfterError()
    .exitOverride();

  const config = program.command('config').description('check or show the configuration');
  config
    .command('check [file]')
    .description('validate a config file and print every problem with its line; exit 2 when invalid')
    .action((file: string | undefined) => {
      const options = program.opts<GlobalOptions>();
      const loaded = loadEffectiveConfig({ ...options, ...(file ? { config: file } : {}) });
      process.stdout.write(`${loaded.source}: ok (${loaded.slos.length} SLOs: ${loaded.slos.map((s) => s.name).join(', ')})\n`);
    });
  config
    .command('print')
    .description('print the effective configuration as YAML, secrets masked')
    .action(() => {
      process.stdout.write(printConfig(loadEffectiveConfig(program.opts<GlobalOptions>())));
    });

  program
    .command('sync')
    .description('bring the ledger up to date once (first run backfills at least 35 days)')
    .option('--at <time>', 'sync up to this instant (ISO 8601; default now)')
    .action(async (options: { at?: string }) => {
      const cfg = loadEffectiveConfig(program.opts<GlobalOptions>());
      const services = openServices(cfg);
      try {
        const atMs = parseAt(options.at, cfg.timeZone, services.clock.nowMs());
        const progress = progressPrinter();
        const result = await syncServices(services, atMs, progress ? { onProgress: progress } : {});
        for (const s of result.slos) {
          const state = s.error ? 'FAILED' : 'ok';
          process.stdout.write(`${s.slo}: ${state}, ${s.fetchedBuckets} buckets fetched, ${s.reconciledGaps} gaps reconciled, ${s.missingBuckets} missing\n`);
        }
        process.stdout.write(`synced to ${new Date(result.atMs).toISOString()} in ${result.durationMs} ms\n`);
        if (reportSyncErrors(result)) process.exitCode = 1;
      } finally {
        services.close();
      }
    });

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
    .option('--force', 'with --email: mail it again even if this month was already mailed')
    .action(async (options: ReportCommandOptions & { windows: string; format: string; email?: boolean; force?: boolean }, command: Command) => {
      const cfg = loadEffectiveConfig(program.opts<GlobalOptions>());
      if (options.email === true || options.force === true) return emailReportCommand(cfg, options);
      const output = parseReportOutput(options.format, options.out !== undefined);
      if (output.kind === 'files') {
        const request = parseReportFilesRequest({ ...options, windowsGiven: command.getOptionValueSource('windows') === 'cli' }, cfg.timeZone);
        const services = openServices(cfg);
        try {
          const progress = progressPrinter();
          const result = await generateMonthlyReport(services, {
            ...request, formats: output.formats, offline: options.offline === true, ...(progress ? { onProgress: progress } : {}),
          });
          const failed = reportSyncErrors(result.sync);
          for (const path of result.paths) process.stdout.write(`${path}\n`);
          if (failed) process.exitCode = 1;
        } finally {
          services.close();
        }
        return;
      }
      for (const flag of ['from', 'to', 'out', 'incidentFactor'] as const) {
        if (options[flag] !== undefined) throw new UsageError(`--${flag === 'incidentFactor' ? 'incident-factor' : flag} applies to report files: use --format pdf,html,json`);
      }
      const windows = parseWindows(options.windows);
      let month: WindowSpec | undefined;
      if (options.month !== undefined) {
        try {
          month = parseWindowSpec(options.month);
        } catch (error) {
          throw new UsageError(`--month: ${(error as Error).message}`);
        }
        if (month.kind !== 'month') throw new UsageError(`--month: ${JSON.stringify(options.month)} is not YYYY-MM`);
        windows.push(month);
      }
      const services = openServices(cfg);
      try {
        const nowMs = services.clock.nowMs();
        let atMs = parseAt(options.at, cfg.timeZone, nowMs);
        if (options.at === undefined && month) {
          // A month report is reproducible: it is evaluated at the month's end unless asked otherwise.
          atMs = Math.min(floorToBucket(nowMs), resolveWindow(monthWindowSpec({ year: (month as { year: number }).year, month: (month as { month: number }).month }), Infinity, cfg.timeZone).endMs);
        }
        const report = await buildStatusReport(services, {
          atMs, windows, offline: options.offline === true, ...(progressPrinter() ? { onProgress: progressPrinter()! } : {}),
        });
        const failed = reportSyncErrors(report.sync);
        if (output.format === 'json') process.stdout.write(`${JSON.stringify(toStatusJson(floorToBucket(atMs), report.statuses), null, 2)}\n`);
        else if (output.format === 'csv') process.stdout.write(formatStatusCsv(report.statuses));
        else process.stdout.write(formatStatusTable(report.statuses, process.stdout.isTTY === true));
        if (failed) process.exitCode = 1;
      } finally {
        services.close();
      }
    });

  program
    .command('alerts')
    .description('show every SLO\'s burn-rate and no-data alert: stored state, and the burn rate of every window of the policy')
    .option('--at <time>', 'evaluation instant (ISO 8601; default now)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--offline', 'read the ledger as it is, without asking Prometheus')
    .action(async (options: { at?: string; format: string; offline?: boolean }) => {
      const cfg = loadEffectiveConfig(program.opts<GlobalOptions>());
      const services = openServices(cfg);
      try {
        const atMs = floorToBucket(parseAt(options.at, cfg.timeZone, services.clock.nowMs()));
        let failed = false;
        if (options.offline !== true) {
          const progress = progressPrinter();
          failed = reportSyncErrors(await syncServices(services, atMs, progress ? { onProgress: progress } : {}));
        }
        const assessments = assessAlerts(services.ledger, cfg.slos, cfg.alerting, atMs, cfg.timeZone);
        const records = readAlertRecords(services.ledger);
        if (options.format === 'json') process.stdout.write(`${JSON.stringify(toAlertsJson(atMs, assessments, records), null, 2)}\n`);
        else process.stdout.write(formatAlertsTable(atMs, assessments, records));
        if (failed) process.exitCode = 1;
      } finally {
        services.close();
      }
    });

  program
    .command('serve')
    .description('run the service: HTTP API, /metrics and the status page, with a ledger sync every minute')
    .option('--listen <host:port>', 'bind address (overrides server.listen; default 127.0.0.1:9464)')
    .option('--at <time>', 'pin the evaluation clock to this instant (ISO 8601), e.g. to serve backfilled data')
    .action(async (options: { listen?: string; at?: string }) => {
      const cfg = loadEffectiveConfig(program.opts<GlobalOptions>());
      if (options.listen !== undefined) {
        try {
          cfg.server.listen = parseListenAddress(options.listen);
        } catch (error) {
          throw new UsageError(`--listen: ${(error as Error).message}`);
        }
      }
      const atMs = options.at === undefined ? undefined : parseAt(options.at, cfg.timeZone, Date.now());
      // The HTTP stack (fastify, prom-client) is loaded only by the command that serves.
      const { runServer } = await import('./server/run-server.js');
      await runServer({ config: cfg, ...(atMs === undefined ? {} : { atMs }) });
    });

  program
    .command('tick')
    .description('run one tick of the service: sync the ledger, evaluate alerts, produce a monthly report that is due, deliver the outbox')
    .option('--at <time>', 'the tick\'s instant (ISO 8601; default now): the ledger is synced to it and reports due by it are produced')
    .option('--dry-run', 'sync only: show what is due, produce and deliver nothing')
    .action(async (options: { at?: string; dryRun?: boolean }) => {
      const cfg = loadEffectiveConfig(program.opts<GlobalOptions>());
      const services = openServices(cfg);
      try {
        const result = await runTick({
          services, senders: buildSenders(cfg), atMs: parseAt(options.at, cfg.timeZone, services.clock.nowMs()), dryRun: options.dryRun === true,
          log: createLogger({ secrets: cfg.secrets, destination: process.stderr }), ...testHaltHooks(process.env),
        });
        process.stdout.write(describeTick(result));
        const undelivered = (result.delivery?.retrying.length ?? 0) + (result.delivery?.failed.length ?? 0);
        if (result.errors.length > 0 || undelivered > 0) process.exitCode = 1;
      } finally {
        services.close();
      }
    });

  const outbox = program.command('outbox').description('the deliveries (report mails, alert notifications) recorded before they are attempted');
  outbox
    .command('list')
    .description('every delivery, newest first: status, attempts, next attempt, last error')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action((options: { format: string }) => {
      const services = openServices(loadEffectiveConfig(program.opts<GlobalOptions>()));
      try {
        const entries = services.ledger.outbox().list();
        if (options.format === 'json') process.stdout.write(`${JSON.stringify(entries.map(toOutboxJson), null, 2)}\n`);
        else process.stdout.write(formatOutboxTable(entries));
      } finally {
        services.close();
      }
    });
  outbox
    .command('retry [id]')
    .description('attempt a delivery now, ignoring its backoff (a failed one becomes pending again); --all: every pending one')
    .option('--all', 'every pending delivery')
    .action(async (id: string | undefined, options: { all?: boolean }) => {
      if ((id === undefined) === (options.all !== true)) throw new UsageError('outbox retry: give a delivery ID or --all (not both)');
      const target = id === undefined ? 'all' : parseDeliveryId(id);
      const cfg = loadEffectiveConfig(program.opts<GlobalOptions>());
      const services = openServices(cfg);
      try {
        const round = await retryDeliveries(services, buildSenders(cfg), target, createLogger({ secrets: cfg.secrets, destination: process.stderr }));
        process.stdout.write(describeRound(round));
        if (round.retrying.length + round.failed.length > 0) process.exitCode = 1;
      } finally {
        services.close();
      }
    });
  outbox
    .command('drop <id>')
    .description('never attempt this pending or failed delivery again')
    .action((id: string) => {
      const services = openServices(loadEffectiveConfig(program.opts<GlobalOptions>()));
      try {
        const entry = dropDelivery(services, parseDeliveryId(id));
        process.stdout.write(`${entry.id} ${entry.key}: dropped\n`);
      } finally {
        services.close();
      }
    });

  program
    .command('demo')
    .description('generate 42 days of Rendiff traffic, serve it from a local Prometheus, sync and report (needs prometheus and promtool)')
    .option('--keep', 'leave the demo Prometheus running until Ctrl-C')
    .action(async (options: { keep?: boolean }) => {
      const { runDemo } = await import('./app/demo.js');
      await runDemo({ keep: options.keep === true, log: (line) => process.stderr.write(`${line}\n`), out: (text) => process.stdout.write(text) });
    });

  return program;
}

/** `report --month M --email [--force]`: builds the month's report and mails it now through the outbox. */
async function emailReportCommand(cfg: AppConfig, options: ReportCommandOptions & { format: string; email?: boolean; force?: boolean }): Promise<void> {
  if (options.email !== true) throw new UsageError('--force applies to --email (mail a month again)');
  if (options.month === undefined) throw new UsageError('--email needs --month YYYY-MM');
  for (const flag of ['from', 'to', 'out'] as const) {
    if (options[flag] !== undefined) throw new UsageError(`--${flag} does not apply to --email (the mailed report is the month's, in the reports folder)`);
  }
  let month: WindowSpec;
  try {
    month = parseWindowSpec(options.month);
  } catch (error) {
    throw new UsageError(`--month: ${(error as Error).message}`);
  }
  if (month.kind !== 'month') throw new UsageError(`--month: ${JSON.stringify(options.month)} is not YYYY-MM`);
  const services = openServices(cfg);
  try {
    const result = await emailMonthlyReport(
      { services, clock: services.clock, senders: buildSenders(cfg), log: createLogger({ secrets: cfg.secrets, destination: process.stderr }), ...testHaltHooks(process.env) },
      { month: { year: month.year, month: month.month }, atMs: parseAt(options.at, cfg.timeZone, services.clock.nowMs()), force: options.force === true },
    );
    for (const path of result.produced.paths) process.stdout.write(`${path}\n`);
    const entry = result.produced.mail!.entry;
    if (result.round === undefined) process.stdout.write(`${entry.id} ${entry.key}: already ${entry.status}; use --force to mail it again\n`);
    else process.stdout.write(describeRound(result.round));
    if (result.round !== undefined && result.round.sent.length === 0) process.exitCode = 1;
  } finally {
    services.close();
  }
}

/** What `slo-ledger tick` prints: the monthly report check and the deliveries. */
function describeTick(result: TickResult): string {
  const lines: string[] = [];
  const monthly = result.monthly;
  if (monthly?.kind === 'nothing-due') lines.push('monthly report: none due');
  else if (monthly?.kind === 'already-produced') lines.push(`monthly report ${monthly.due.name}: already produced ${new Date(monthly.produced.producedMs).toISOString()}`);
  else if (monthly?.kind === 'would-produce') lines.push(`monthly report ${monthly.due.name}: due since ${new Date(monthly.due.dueMs).toISOString()} (dry run: not produced)`);
  else if (monthly?.kind === 'produced') lines.push(`monthly report ${monthly.due.name}: produced (${monthly.produced.paths.join(', ')})`);
  for (const e of result.errors) lines.push(`${e.step}: FAILED: ${e.error}`);
  const text = `${lines.join('\n')}\n`;
  return result.delivery === undefined ? text : text + describeRound(result.delivery);
}

/** The one top-level handler: exit 0 ok, 1 runtime failure, 2 bad usage or config. */
async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are exits with code 0; everything else commander rejects is bad usage.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    const prefix = error instanceof ConfigError ? 'invalid configuration:\n' : '';
    process.stderr.write(`slo-ledger: ${prefix}${redactSecrets(message, knownSecrets)}\n`);
    process.exitCode = error instanceof SloLedgerError ? (error.exitCode ?? 1) : error instanceof Error && /^--/.test(message) ? 2 : 1;
  }
}

await main(process.argv);
