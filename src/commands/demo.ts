import type { Command } from 'commander';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generatePeriodReport, type ReportFileFormat } from '../app/period-report.js';
import { buildStatusReport } from '../app/status-report.js';
import { loadConfig } from '../config/load-config.js';
import { printConfig } from '../config/print-config.js';
import { resolvePeriod } from '../domain/period.js';
import { DEFAULT_MAX_GROUPS, type SloDefinition } from '../domain/slo.js';
import { parseWindowSpec } from '../domain/window.js';
import { SloLedgerError } from '../errors.js';
import { buildFixture, startPrometheus } from '../fixture/prometheus-server.js';
import { RENDIFF_EVALUATION_MS, RENDIFF_SCENARIO } from '../fixture/scenarios.js';
import type { Correction } from '../domain/correction.js';
import { findReportFonts } from '../report/pdf.js';
import { writeFileAtomic } from '../files.js';
import { formatStatusTable } from '../views/status-table.js';
import { withAdapters } from './context.js';

/**
 * The demo's one grouped SLO beside the built-in ones: the availability objective per endpoint of
 * the Rendiff API, one query for every endpoint.
 */
export const DEMO_GROUPED_SLO: SloDefinition = {
  name: 'api-availability-by-endpoint',
  service: 'rendiff-api',
  description: 'API Availability per endpoint: 99.9% over 30 days for each endpoint of the API; bad events are 5xx responses.',
  objectiveRatio: 0.999,
  windowMs: 30 * 86_400_000,
  tiers: { criticalRatio: 0.99, warningRatio: 0.995 },
  groupBy: ['endpoint'],
  maxGroups: DEFAULT_MAX_GROUPS,
  sli: {
    kind: 'events',
    badQuery: 'sum by (endpoint) (increase(rendiff_api_requests_total{status_code=~"5.."}[{{.window}}]))',
    totalQuery: 'sum by (endpoint) (increase(rendiff_api_requests_total[{{.window}}]))',
  },
};

/**
 * The demo's one maintenance window: the two hours of slow responses on 20 October, announced to
 * customers as planned maintenance, so they count neither as good nor as bad for api-latency. The
 * report shows it in its Corrections section, with the figures before and after.
 */
export const DEMO_MAINTENANCE: Correction = {
  id: 'config:0',
  scope: { slo: 'api-latency' },
  timing: { kind: 'once', fromMs: Date.parse('2026-10-20T10:00:00Z'), toMs: Date.parse('2026-10-20T12:00:00Z') },
  category: 'planned-maintenance',
  reason: 'transcoder fleet migration, announced to customers a week ahead',
};

/** `demo [--keep]`: the README's first command. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('generate 42 days of Rendiff traffic, serve it from a local Prometheus, sync and report (needs prometheus and promtool)')
    .option('--keep', 'leave the demo Prometheus running until Ctrl-C')
    .action((options: { keep?: boolean }) =>
      runDemo({ keep: options.keep === true, log: (line) => process.stderr.write(`${line}\n`), out: (text) => process.stdout.write(text) }),
    );
}

export interface DemoOptions {
  keep: boolean;
  /** Progress lines (stderr). */
  log: (line: string) => void;
  /** The report (stdout). */
  out: (text: string) => void;
  /** Working folder for the generated TSDB and the demo ledger. */
  workDir?: string;
  reportsDir?: string;
}

/**
 * The README's first command: generates 42 days of Rendiff traffic with known truth, backfills
 * it into a local Prometheus, runs the real sync against it, prints the status and writes the
 * monthly report of October 2026 (reports/2026-10/report.{pdf,html,json}).
 */
export async function runDemo(options: DemoOptions): Promise<void> {
  for (const tool of ['prometheus', 'promtool']) {
    try {
      execFileSync(tool, ['--version'], { stdio: 'ignore' });
    } catch {
      throw new SloLedgerError(`the demo needs \`${tool}\` on PATH: on Debian/Ubuntu run \`apt-get install -y prometheus\` (or \`bash .ci/system-deps.sh prometheus\`)`);
    }
  }
  const workDir = resolve(options.workDir ?? '.demo');
  const reportsDir = resolve(options.reportsDir ?? 'reports');
  options.log('demo: generating 42 days of Rendiff traffic and backfilling it with promtool …');
  const fixture = await buildFixture(RENDIFF_SCENARIO, join(workDir, 'fixtures'));
  options.log(`demo: ${fixture.samples.toLocaleString('en')} samples; starting Prometheus …`);
  const prometheus = await startPrometheus(fixture.tsdbDir);
  try {
    const databasePath = join(workDir, 'slo-ledger.db');
    for (const suffix of ['', '-wal', '-shm']) rmSync(databasePath + suffix, { force: true });
    const config = loadConfig({ env: {} });
    config.slos.push(DEMO_GROUPED_SLO);
    config.corrections.push(DEMO_MAINTENANCE);
    config.prometheus.url = prometheus.url;
    config.databasePath = databasePath;
    // The demo's configuration as a file, to run any command against the demo afterwards (--keep).
    const configPath = join(workDir, 'slo-ledger.yaml');
    writeFileAtomic(configPath, printConfig(config));
    options.log(`demo: Prometheus at ${prometheus.url}; syncing the ledger (first run backfills) …`);
    await withAdapters(config, async (adapters) => {
      const windows = ['24h', '7d', '30d', '2026-10'].map(parseWindowSpec);
      const report = await buildStatusReport(adapters, { atMs: RENDIFF_EVALUATION_MS, windows, groups: {}, offline: false });
      const failed = report.sync?.slos.filter((s) => s.error) ?? [];
      if (failed.length > 0) throw new SloLedgerError(`demo sync failed: ${failed.map((s) => `${s.slo}: ${s.error}`).join('; ')}`);
      options.log(`demo: synced ${report.sync?.slos.reduce((n, s) => n + s.fetchedBuckets, 0)} buckets in ${report.sync?.durationMs} ms`);
      const formats = reportFormats(options.log);
      options.log(`demo: building the monthly report of October 2026 (${formats.join(', ')}) …`);
      const monthly = await generatePeriodReport(adapters, {
        period: resolvePeriod({ kind: 'month', month: { year: 2026, month: 10 } }, RENDIFF_EVALUATION_MS, config.timeZone),
        offline: false,
        formats,
        outDir: join(reportsDir, '2026-10'),
      });
      const monthlyFailed = monthly.sync?.slos.filter((s) => s.error) ?? [];
      if (monthlyFailed.length > 0) throw new SloLedgerError(`demo sync failed: ${monthlyFailed.map((s) => `${s.slo}: ${s.error}`).join('; ')}`);
      options.out(`SLO status at ${new Date(RENDIFF_EVALUATION_MS).toISOString()} (ledger: ${databasePath})\n\n`);
      options.out(formatStatusTable(report.statuses, process.stdout.isTTY === true));
      const { overall } = monthly.report;
      options.out(
        `\nMonthly report, October 2026: ${overall.tier.toUpperCase()} (${overall.ok} of ${overall.slos} SLOs ok), ` +
          `${monthly.report.incidents.length} incidents, ${monthly.report.recommendations.length} recommendations:\n`,
      );
      for (const path of monthly.paths) options.out(`  ${path}\n`);
    });
    if (options.keep) {
      options.log(`demo: Prometheus stays up at ${prometheus.url}; try: slo-ledger --config ${configPath} report --at 2026-11-01T00:00:00Z. Ctrl-C to stop.`);
      await new Promise<void>((done) => {
        process.once('SIGINT', () => done());
        process.once('SIGTERM', () => done());
      });
    }
  } finally {
    await prometheus.stop();
  }
}

/** PDF, HTML and JSON; without the PDF font, HTML and JSON only, saying what to install. */
function reportFormats(log: (line: string) => void): ReportFileFormat[] {
  try {
    findReportFonts();
    return ['pdf', 'html', 'json'];
  } catch (error) {
    log(`demo: no PDF this time — ${(error as Error).message}`);
    return ['html', 'json'];
  }
}
