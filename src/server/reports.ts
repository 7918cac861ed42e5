import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The formats a monthly report is written in (reports/YYYY-MM/report.{html,pdf,json}). */
export const REPORT_FORMATS = ['html', 'pdf', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const REPORT_CONTENT_TYPES: Record<ReportFormat, string> = {
  html: 'text/html; charset=utf-8',
  pdf: 'application/pdf',
  json: 'application/json; charset=utf-8',
};

/** One month's report files that exist. */
export interface ReportEntry {
  month: string;
  formats: ReportFormat[];
}

/** The months under `reportsDir` with at least one report file, newest first. */
export function listReports(reportsDir: string): ReportEntry[] {
  let names: string[];
  try {
    names = readdirSync(reportsDir);
  } catch {
    return [];
  }
  return names
    .filter((name) => /^\d{4}-(0[1-9]|1[0-2])$/.test(name))
    .map((month) => ({ month, formats: REPORT_FORMATS.filter((f) => isFile(reportPath(reportsDir, month, f))) }))
    .filter((entry) => entry.formats.length > 0)
    .sort((a, b) => b.month.localeCompare(a.month));
}

/** The path of one report file; `month` must already be validated as YYYY-MM (no path tricks). */
export function reportPath(reportsDir: string, month: string, format: ReportFormat): string {
  return join(resolve(reportsDir), month, `report.${format}`);
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}
