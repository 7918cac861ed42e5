import { mkdirSync, writeFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { join, resolve } from 'node:path';
import { BUCKET_MS, floorToBucket } from '../domain/duration.js';
import type { SloDefinition } from '../domain/slo.js';
import { monthName, monthWindowSpec, parseWindowSpec, previousMonth, resolveWindow, type MonthRef, type WindowSpec } from '../domain/window.js';
import type { Ledger } from '../ledger/ledger.js';
import { toBucketColumns } from '../report/bucket-columns.js';
import { DEFAULT_INCIDENT_RULES } from '../report/incidents.js';
import { localDays } from '../report/local-days.js';
import { buildMonthlyReport, type HistoryMonth, type MonthlyReport, type ReportPeriod, type ReportRules, type SloReportInput } from '../report/monthly-model.js';
import { toReportJson } from '../report/report-json.js';
import { formatLocalTime } from '../report/format.js';
import type { Services } from './compose.js';
import type { SyncProgress, SyncResult } from './sync-ledger.js';
import { syncServices } from './sync-services.js';
import { UsageError } from '../errors.js';

/** The files a monthly report can be written as. */
export type ReportFileFormat = 'html' | 'pdf' | 'json';

export const REPORT_FILE_FORMATS: readonly ReportFileFormat[] = ['pdf', 'html', 'json'];

/** A calendar month in the configured time zone, or a range of instants (end exclusive). */
export type ReportPeriodSpec = { kind: 'month'; month: MonthRef } | { kind: 'range'; fromMs: number; toMs: number };

export interface MonthlyReportOptions {
  period: ReportPeriodSpec;
  /** Evaluation instant; default: the period's end, or now when the period is not over. */
  atMs?: number;
  /** The time printed as "generated"; default the clock's now. Fix it for reproducible files. */
  generatedAtMs?: number;
  /** Report from the ledger as it is, without asking Prometheus. */
  offline: boolean;
  formats: readonly ReportFileFormat[];
  /** Folder for the files; default `<reportsDir>/<period name>`. */
  outDir?: string;
  /** Default "reports", relative to the working directory. */
  reportsDir?: string;
  rules?: Partial<ReportRules>;
  onProgress?: (progress: SyncProgress) => void;
}

export interface MonthlyReportResult {
  report: MonthlyReport;
  /** Absolute paths of the files written, in the order of `formats`. */
  paths: string[];
  /** Absent when offline. */
  sync?: SyncResult;
}

/** Months (or equally long ranges) before the period that the report compares with. */
const HISTORY_PERIODS = 2;
const HOUR_MS = 3_600_000;

/**
 * The monthly report use case: syncs the buckets the period and its comparison months need
 * (unless offline), reads them, builds the report model and writes it as PDF, HTML and JSON.
 */
export async function generateMonthlyReport(services: Services, options: MonthlyReportOptions): Promise<MonthlyReportResult> {
  const { config } = services;
  const nowMs = services.clock.nowMs();
  const periods = resolvePeriods(options.period, options.atMs ?? nowMs, config.timeZone);
  const period = periods.current;
  let sync: SyncResult | undefined;
  if (!options.offline) {
    sync = await syncServices(services, period.endMs, {
      fromMs: Math.min(period.startMs - HOUR_MS, ...periods.history.map((h) => h.startMs)),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  }
  const report = buildMonthlyReport({
    period,
    timeZone: config.timeZone,
    generatedAtMs: options.generatedAtMs ?? nowMs,
    slos: readSloInputs(services.ledger, config.slos, period, periods.history, config.timeZone),
    // The config's incident factor, unless the command asked for another (--incident-factor).
    rules: options.rules ?? { incidents: { ...DEFAULT_INCIDENT_RULES, factor: config.report.incidentFactor } },
  });
  const outDir = resolve(options.outDir ?? join(options.reportsDir ?? 'reports', period.name));
  mkdirSync(outDir, { recursive: true });
  const paths: string[] = [];
  for (const format of options.formats) {
    const path = join(outDir, `report.${format}`);
    // The renderers (handlebars, pdfkit) are loaded when a report is written, not by every command.
    if (format === 'html') writeFileSync(path, (await import('../report/html.js')).renderReportHtml(report));
    else if (format === 'pdf') writeFileSync(path, await (await import('../report/pdf.js')).renderReportPdf(report));
    else writeFileSync(path, `${JSON.stringify(toReportJson(report), null, 2)}\n`);
    paths.push(path);
  }
  return { report, paths, ...(sync ? { sync } : {}) };
}

/** A period pinned to instants, with the comparison periods before it. */
export interface ResolvedPeriods {
  current: ReportPeriod;
  /** Most recent first. */
  history: Array<{ name: string; startMs: number; endMs: number }>;
}

/**
 * Pins the report period at `atMs`: a month runs from local midnight of the 1st to the next 1st
 * (cut at `atMs` while it is not over); a range is widened to whole buckets. The comparison
 * periods are the months before, or for a range the equally long ranges before it.
 */
export function resolvePeriods(spec: ReportPeriodSpec, atMs: number, timeZone: string): ResolvedPeriods {
  if (spec.kind === 'month') {
    const full = resolveWindow(monthWindowSpec(spec.month), Infinity, timeZone);
    const window = resolveWindow(monthWindowSpec(spec.month), atMs, timeZone);
    const history: ResolvedPeriods['history'] = [];
    let ref = spec.month;
    for (let i = 0; i < HISTORY_PERIODS; i++) {
      ref = previousMonth(ref);
      const w = resolveWindow(monthWindowSpec(ref), Infinity, timeZone);
      history.push({ name: w.name, startMs: w.startMs, endMs: w.endMs });
    }
    return {
      current: { kind: 'month', name: window.name, label: monthName(spec.month), startMs: window.startMs, endMs: window.endMs, fullEndMs: full.endMs },
      history,
    };
  }
  const startMs = floorToBucket(spec.fromMs);
  const fullEndMs = Math.ceil(spec.toMs / BUCKET_MS) * BUCKET_MS;
  const endMs = Math.max(startMs, Math.min(fullEndMs, floorToBucket(atMs)));
  const lengthMs = fullEndMs - startMs;
  const name = `${formatLocalTime(startMs, timeZone).slice(0, 10)}--${formatLocalTime(fullEndMs, timeZone).slice(0, 10)}`;
  const history = Array.from({ length: HISTORY_PERIODS }, (_, i) => ({
    name: `previous ${formatRangeLabel(startMs - (i + 1) * lengthMs, startMs - i * lengthMs, timeZone)}`,
    startMs: startMs - (i + 1) * lengthMs,
    endMs: startMs - i * lengthMs,
  }));
  return {
    current: { kind: 'range', name, label: formatRangeLabel(startMs, fullEndMs, timeZone), startMs, endMs, fullEndMs },
    history,
  };
}

function formatRangeLabel(startMs: number, endMs: number, timeZone: string): string {
  return `${formatLocalTime(startMs, timeZone)} – ${formatLocalTime(endMs, timeZone)}`;
}

/** Reads the SLOs one at a time, as the builder asks for them, so one SLO's buckets are in memory at once. */
function* readSloInputs(ledger: Ledger, slos: readonly SloDefinition[], period: ReportPeriod, history: ResolvedPeriods['history'], timeZone: string): Generator<SloReportInput> {
  for (const slo of slos) yield readSloInput(ledger, slo, period, history, timeZone);
}

/** Reads what the report builder needs of one SLO from the ledger. */
function readSloInput(ledger: Ledger, slo: SloDefinition, period: ReportPeriod, history: ResolvedPeriods['history'], timeZone: string): SloReportInput {
  const seriesId = ledger.findSeries(slo);
  if (seriesId === undefined) {
    return { slo, buckets: toBucketColumns([]), history: history.map((h) => ({ name: h.name, good: 0, total: 0, coverageRatio: 0 })) };
  }
  const latency = slo.sli.kind === 'latency';
  const input: SloReportInput = {
    slo,
    buckets: ledger.readBucketColumns(seriesId, period.startMs - HOUR_MS + BUCKET_MS, period.endMs),
    history: history.map((h): HistoryMonth => {
      const sums = ledger.sumWindow(seriesId, h.startMs, h.endMs, false);
      return { name: h.name, good: sums.good, total: sums.total, coverageRatio: sums.expectedBuckets === 0 ? 0 : sums.coveredBuckets / sums.expectedBuckets };
    }),
  };
  if (latency) {
    input.dailyHistograms = localDays(period.startMs, period.endMs, timeZone).map((day) => ledger.sumWindow(seriesId, day.startMs, day.endMs, true).histogram);
  }
  return input;
}

/** What `report --format` asks for: the status on stdout, or report files. */
export type ReportOutput = { kind: 'stdout'; format: 'table' | 'json' | 'csv' } | { kind: 'files'; formats: ReportFileFormat[] };

/**
 * Reads `--format`: "table", "json" or "csv" alone print the status to stdout (unless `--out`
 * asks for files); a comma list of pdf, html and json — or any list with pdf or html — writes
 * the monthly report's files.
 * @throws UsageError for an unknown format, or stdout formats mixed with files.
 */
export function parseReportOutput(text: string, withOut: boolean): ReportOutput {
  const parts = [...new Set(text.split(',').map((p) => p.trim().toLowerCase()).filter((p) => p !== ''))];
  const known = ['table', 'json', 'csv', 'pdf', 'html'];
  const unknown = parts.filter((p) => !known.includes(p));
  if (parts.length === 0 || unknown.length > 0) {
    throw new UsageError(
      `--format: ${JSON.stringify(unknown[0] ?? text)} is not a format: use table, json or csv (status on stdout) ` +
        'or a comma list of pdf, html, json (the monthly report as files)',
    );
  }
  const files = parts.length > 1 || withOut || parts.includes('pdf') || parts.includes('html');
  if (!files) return { kind: 'stdout', format: parts[0] as 'table' | 'json' | 'csv' };
  const stdoutOnly = parts.filter((p) => p === 'table' || p === 'csv');
  if (stdoutOnly.length > 0) {
    throw new UsageError(
      withOut && parts.length === 1
        ? `--format ${parts[0]} prints the status to stdout; --out is for report files (--format pdf,html,json)`
        : `--format: ${stdoutOnly.join(' and ')} ${stdoutOnly.length > 1 ? 'print' : 'prints'} the status to stdout and cannot be combined with report files (pdf, html, json)`,
    );
  }
  return { kind: 'files', formats: REPORT_FILE_FORMATS.filter((f) => parts.includes(f)) };
}

/** The `report` options that choose what the report files cover, as typed on the command line. */
export interface ReportCommandOptions {
  at?: string;
  month?: string;
  out?: string;
  from?: string;
  to?: string;
  incidentFactor?: string;
  offline?: boolean;
}

/**
 * Turns the `report` command's options into the period, evaluation instant, output folder and
 * incident factor of {@link generateMonthlyReport}; times without an offset are read in `timeZone`.
 * @throws UsageError for a missing or doubly given period, a bad time, month or factor, or --windows.
 */
export function parseReportFilesRequest(
  options: ReportCommandOptions & { windowsGiven: boolean },
  timeZone: string,
): Pick<MonthlyReportOptions, 'period' | 'atMs' | 'outDir' | 'rules'> {
  if (options.windowsGiven) throw new UsageError('--windows applies to the status (table, json, csv), not to report files');
  const range = options.from !== undefined || options.to !== undefined;
  if (range && options.month !== undefined) throw new UsageError('--month and --from/--to both choose the period: give one of them');
  if (!range && options.month === undefined) throw new UsageError('report files need a period: --month YYYY-MM, or --from and --to');
  let period: ReportPeriodSpec;
  if (options.from !== undefined || options.to !== undefined) {
    if (options.from === undefined || options.to === undefined) throw new UsageError('--from and --to go together');
    const fromMs = parseInstant('--from', options.from, timeZone);
    const toMs = parseInstant('--to', options.to, timeZone);
    if (!(toMs > fromMs)) throw new UsageError(`--to (${options.to}) must be after --from (${options.from})`);
    period = { kind: 'range', fromMs, toMs };
  } else {
    let spec: WindowSpec;
    try {
      spec = parseWindowSpec(options.month ?? '');
    } catch (error) {
      throw new UsageError(`--month: ${(error as Error).message}`);
    }
    if (spec.kind !== 'month') throw new UsageError(`--month: ${JSON.stringify(options.month)} is not YYYY-MM`);
    period = { kind: 'month', month: { year: spec.year, month: spec.month } };
  }
  const request: Pick<MonthlyReportOptions, 'period' | 'atMs' | 'outDir' | 'rules'> = { period };
  if (options.at !== undefined && options.at !== 'now') request.atMs = parseInstant('--at', options.at, timeZone);
  if (options.out !== undefined) request.outDir = options.out;
  if (options.incidentFactor !== undefined) {
    const factor = Number(options.incidentFactor);
    if (!(factor > 0) || !Number.isFinite(factor)) throw new UsageError(`--incident-factor: ${JSON.stringify(options.incidentFactor)} is not a positive number`);
    request.rules = { incidents: { ...DEFAULT_INCIDENT_RULES, factor } };
  }
  return request;
}

/** An ISO 8601 time or date; without an offset it is local time in `timeZone`. */
function parseInstant(option: string, text: string, timeZone: string): number {
  const parsed = DateTime.fromISO(text, { zone: timeZone });
  if (!parsed.isValid) throw new UsageError(`${option}: ${JSON.stringify(text)} is not an ISO 8601 time or date (e.g. 2026-10-01 or 2026-10-01T00:00:00Z)`);
  return parsed.toMillis();
}
