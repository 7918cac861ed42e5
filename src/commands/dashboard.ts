import type { Command } from 'commander';
import type { AppConfig } from '../config/app-config.js';
import { buildDashboard, renderDashboard, type DashboardSlo } from '../dashboard/build-dashboard.js';
import { UsageError } from '../errors.js';
import { metricGroupLabelNames } from '../server/metric-labels.js';
import type { CommandContext } from './context.js';
import { writeFileAtomic } from '../files.js';

/** `dashboard [--out FILE]`: the Grafana dashboard of /metrics for the configured SLOs. */
export function registerDashboardCommand(program: Command, context: CommandContext): void {
  program
    .command('dashboard')
    .description('write a Grafana dashboard (JSON) over slo-ledger\'s /metrics for the configured SLOs')
    .option('--out <file>', 'write the dashboard to this file instead of stdout')
    .action(async (options: { out?: string }) => {
      const json = await dashboardJson(context.loadConfig());
      if (options.out === undefined) {
        process.stdout.write(json);
        return;
      }
      writeDashboard(options.out, json);
      process.stderr.write(`slo-ledger: wrote the Grafana dashboard to ${options.out}\n`);
    });
}

/**
 * The dashboard JSON for `config`: each SLO with the windows and group label names /metrics
 * exports it under, read from the server's own code so the two cannot drift apart.
 */
export async function dashboardJson(config: AppConfig): Promise<string> {
  // server/metrics.ts brings prom-client along; load it only when this command runs, as `serve` does.
  const { metricsWindowsFor } = await import('../server/metrics.js');
  const slos: DashboardSlo[] = config.slos.map((slo) => ({
    slo,
    windows: metricsWindowsFor(slo.windowMs).map((w) => w.name),
    // Without group samples on /metrics (server.metrics_groups: false) there is nothing to select by.
    groupLabels: config.server.metricsGroups ? [...metricGroupLabelNames(slo.groupBy ?? []).values()] : [],
  }));
  return renderDashboard(buildDashboard(slos));
}

/** Writes the file; a path that cannot be written is a usage error (exit 2) that names it and why. */
function writeDashboard(path: string, json: string): void {
  try {
    writeFileAtomic(path, json);
  } catch (error) {
    throw new UsageError(`--out: ${(error as Error).message}`, { cause: error });
  }
}
