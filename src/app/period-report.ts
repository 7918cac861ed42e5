import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BUCKET_MS } from '../domain/duration.js';
import { writeFileAtomic } from '../files.js';
import { localDays, type ReportPeriod, type ResolvedPeriod } from '../domain/period.js';
import type { SloDefinition } from '../domain/slo.js';
import type { BucketReader } from '../ledger/bucket-store.js';
import { toBucketColumns } from '../report/bucket-columns.js';
import { buildPeriodReport } from '../report/build-period-report.js';
import { DEFAULT_INCIDENT_RULES } from '../report/incidents.js';
import type { GroupReportInput, HistoryMonth, PeriodReport, ReportRules, Restatement, SloReportInput } from '../report/period-report.js';
import { toReportJson } from '../report/report-json.js';
import { correctionApplies, excludedRuns, type Correction } from '../domain/correction.js';
import { correctionEffects } from './correction-effects.js';
import { listCorrections } from './correction-request.js';
import type { Adapters } from './ports.js';
import { syncAllSlos } from './sync-all-slos.js';
import type { SyncProgress, SyncResult } from './sync-ledger.js';

/** The files a period report can be written as. */
export type ReportFileFormat = 'html' | 'pdf' | 'json';

export const REPORT_FILE_FORMATS: readonly ReportFileFormat[] = ['pdf', 'html', 'json'];

export interface PeriodReportOptions {
  /** The period, resolved once by the caller at its evaluation instant, with its comparison periods. */
  period: ResolvedPeriod;
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
  /** A restated month's report: what changed against its statement. */
  restatement?: Restatement;
}

export interface PeriodReportResult {
  report: PeriodReport;
  /** Absolute paths of the files written, in the order of `formats`. */
  paths: string[];
  /** Absent when offline. */
  sync?: SyncResult;
}

const HOUR_MS = 3_600_000;

/**
 * The period report use case: syncs the buckets the period and its comparison periods need
 * (unless offline), reads them, builds the report model and writes it as PDF, HTML and JSON.
 */
export async function generatePeriodReport(adapters: Adapters, options: PeriodReportOptions): Promise<PeriodReportResult> {
  const { config } = adapters;
  const { current: period, history } = options.period;
  const generatedAtMs = options.generatedAtMs ?? adapters.clock.nowMs();
  const sync = options.offline ? undefined : await syncForPeriod(adapters, options.period, options.onProgress);
  const corrections = await listCorrections(config, adapters.ledger);
  const inForce = corrections.map((l) => l.correction);
  const report = await buildPeriodReport({
    period,
    timeZone: config.timeZone,
    generatedAtMs,
    slos: readSloInputs(adapters.figures, config.slos, period, history, config.timeZone, inForce),
    corrections: await correctionEffects({ raw: adapters.ledger.buckets, corrections, slos: config.slos, period, timeZone: config.timeZone }),
    // The config's incident factor, unless the command asked for another (--incident-factor).
    rules: options.rules ?? { incidents: { ...DEFAULT_INCIDENT_RULES, factor: config.report.incidentFactor } },
    ...(options.restatement === undefined ? {} : { restatement: options.restatement }),
  });
  const outDir = resolve(options.outDir ?? join(options.reportsDir ?? 'reports', period.name));
  mkdirSync(outDir, { recursive: true });
  const paths: string[] = [];
  for (const format of options.formats) {
    const path = join(outDir, `report.${format}`);
    // The renderers (handlebars, pdfkit) are loaded when a report is written, not by every command.
    // Whole or not at all: a full disk never leaves a truncated report for the API to serve.
    if (format === 'html') writeFileAtomic(path, (await import('../report/html.js')).renderReportHtml(report));
    else if (format === 'pdf') writeFileAtomic(path, await (await import('../report/pdf.js')).renderReportPdf(report));
    else writeFileAtomic(path, `${JSON.stringify(toReportJson(report), null, 2)}\n`);
    paths.push(path);
  }
  return { report, paths, ...(sync ? { sync } : {}) };
}

/** Syncs the buckets a period's report needs: the period (and the hour before it) and its comparison periods. */
export function syncForPeriod(adapters: Adapters, period: ResolvedPeriod, onProgress?: (progress: SyncProgress) => void): Promise<SyncResult> {
  return syncAllSlos(adapters, period.current.endMs, {
    fromMs: Math.min(period.current.startMs - HOUR_MS, ...period.history.map((h) => h.startMs)),
    ...(onProgress ? { onProgress } : {}),
  });
}

/**
 * How many SLOs' inputs are read ahead of the builder. A ledger in PostgreSQL (or SQLite's read
 * threads) answers several reads at once; SQLite read on the calling thread reads one after another.
 */
const READ_AHEAD = 4;

/**
 * Reads the SLOs as the builder asks for them, in order, a few ahead, so at most
 * {@link READ_AHEAD} SLOs' buckets are in memory at once.
 */
async function* readSloInputs(
  buckets: BucketReader,
  slos: readonly SloDefinition[],
  period: ReportPeriod,
  history: ResolvedPeriod['history'],
  timeZone: string,
  corrections: readonly Correction[],
): AsyncGenerator<SloReportInput> {
  const read = async (slo: SloDefinition): Promise<SloReportInput> => {
    const input = await readSloInput(buckets, slo, period, history, timeZone);
    const excluded = excludedRuns(corrections.filter((c) => correctionApplies(c, slo)), period.startMs, period.endMs, timeZone);
    if (excluded.length > 0) input.excluded = excluded;
    return input;
  };
  const ahead: Array<Promise<SloReportInput>> = [];
  let next = 0;
  while (next < slos.length || ahead.length > 0) {
    while (ahead.length < READ_AHEAD && next < slos.length) {
      const reading = read(slos[next++]!);
      // A failure is thrown when its SLO's turn comes, not as an unhandled rejection before.
      reading.catch(() => undefined);
      ahead.push(reading);
    }
    yield await ahead.shift()!;
  }
}

/** Reads what the report builder needs of one SLO from the ledger. */
async function readSloInput(buckets: BucketReader, slo: SloDefinition, period: ReportPeriod, history: ResolvedPeriod['history'], timeZone: string): Promise<SloReportInput> {
  const seriesId = await buckets.findSeries(slo);
  if (seriesId === undefined) {
    return { slo, buckets: toBucketColumns([]), history: history.map((h) => ({ name: h.name, good: 0, total: 0, coverageRatio: 0 })) };
  }
  // The period and its comparison months in one read. Through the corrected view, the period's
  // sums carry the raw ones when corrections excluded buckets.
  const [sums, ...months] = await buckets.sumWindows(seriesId, [period, ...history], false);
  const { raw } = sums!;
  const input: SloReportInput = {
    slo,
    ...(raw === undefined ? {} : { raw }),
    buckets: await buckets.readBucketColumns(seriesId, period.startMs - HOUR_MS + BUCKET_MS, period.endMs),
    history: history.map((h, i): HistoryMonth => {
      const month = months[i]!;
      return { name: h.name, good: month.good, total: month.total, coverageRatio: month.expectedBuckets === 0 ? 0 : month.coveredBuckets / month.expectedBuckets };
    }),
  };
  if (slo.sli.kind === 'latency') {
    const days = localDays(period.startMs, period.endMs, timeZone);
    input.dailyHistograms = (await buckets.sumWindows(seriesId, days, true)).map((sums) => sums.histogram);
  }
  if (slo.groupBy !== undefined) input.groups = readGroupInputs(buckets, slo, period);
  return input;
}

/**
 * Reads a grouped SLO's groups one at a time, as the builder asks for them: the period's sums
 * (the same SUM as every window) and the buckets its incidents are found in, which the builder
 * drops before it asks for the next group. A group with neither data nor events in the period (one
 * that appeared after it, or left before it) is not part of the period's report.
 */
async function* readGroupInputs(buckets: BucketReader, slo: SloDefinition, period: ReportPeriod): AsyncGenerator<GroupReportInput> {
  for (const { seriesId, labels } of await buckets.listGroups(slo)) {
    const sums = await buckets.sumWindow(seriesId, period.startMs, period.endMs, false);
    if (sums.coveredBuckets === 0 && sums.total === 0) continue;
    yield {
      labels,
      sums: { good: sums.good, total: sums.total, coverageRatio: sums.expectedBuckets === 0 ? 0 : sums.coveredBuckets / sums.expectedBuckets },
      ...(sums.raw === undefined ? {} : { raw: sums.raw }),
      buckets: await buckets.readBucketColumns(seriesId, period.startMs - HOUR_MS + BUCKET_MS, period.endMs),
    };
  }
}
