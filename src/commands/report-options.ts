import { REPORT_FILE_FORMATS, type ReportFileFormat } from '../app/period-report.js';
import type { PeriodSpec } from '../domain/period.js';
import { UsageError } from '../errors.js';
import { DEFAULT_INCIDENT_RULES } from '../report/incidents.js';
import type { ReportRules } from '../report/period-report.js';
import { parseInstantOption, parseMonthOption } from './options.js';

/** What `report --format` asks for: the status on stdout, or report files. */
export type ReportOutput = { kind: 'stdout'; format: 'table' | 'json' | 'csv' } | { kind: 'files'; formats: ReportFileFormat[] };

/**
 * Reads `--format`: "table", "json" or "csv" alone print the status to stdout (unless `--out`
 * asks for files); a comma list of pdf, html and json — or any list with pdf or html — writes
 * the period report's files.
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

/** What the report files cover: the period, the evaluation instant (default: now), the folder and the rules. */
export interface ReportFilesRequest {
  period: PeriodSpec;
  atMs?: number;
  outDir?: string;
  rules?: Partial<ReportRules>;
}

/**
 * Turns the `report` command's options into the period, evaluation instant, output folder and
 * incident factor of the report files; times without an offset are read in `timeZone`.
 * @throws UsageError for a missing or doubly given period, a bad time, month or factor, or --windows.
 */
export function parseReportFilesRequest(options: ReportCommandOptions & { windowsGiven: boolean }, timeZone: string): ReportFilesRequest {
  if (options.windowsGiven) throw new UsageError('--windows applies to the status (table, json, csv), not to report files');
  const range = options.from !== undefined || options.to !== undefined;
  if (range && options.month !== undefined) throw new UsageError('--month and --from/--to both choose the period: give one of them');
  if (!range && options.month === undefined) throw new UsageError('report files need a period: --month YYYY-MM, or --from and --to');
  let period: PeriodSpec;
  if (range) {
    if (options.from === undefined || options.to === undefined) throw new UsageError('--from and --to go together');
    const fromMs = parseInstantOption('--from', options.from, timeZone);
    const toMs = parseInstantOption('--to', options.to, timeZone);
    if (!(toMs > fromMs)) throw new UsageError(`--to (${options.to}) must be after --from (${options.from})`);
    period = { kind: 'range', fromMs, toMs };
  } else {
    period = { kind: 'month', month: parseMonthOption(options.month ?? '') };
  }
  const request: ReportFilesRequest = { period };
  if (options.at !== undefined && options.at !== 'now') request.atMs = parseInstantOption('--at', options.at, timeZone);
  if (options.out !== undefined) request.outDir = options.out;
  if (options.incidentFactor !== undefined) {
    const factor = Number(options.incidentFactor);
    if (!(factor > 0) || !Number.isFinite(factor)) throw new UsageError(`--incident-factor: ${JSON.stringify(options.incidentFactor)} is not a positive number`);
    request.rules = { incidents: { ...DEFAULT_INCIDENT_RULES, factor } };
  }
  return request;
}
