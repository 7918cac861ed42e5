import { Option, type Command } from 'commander';
import { assessAlerts } from '../app/assess-alerts.js';
import { syncAllSlos } from '../app/sync-all-slos.js';
import { floorToBucket } from '../domain/duration.js';
import { formatAlertsTable, toAlertsJson } from '../views/alerts-view.js';
import { reportSyncErrors, withAdapters, withProgress, type CommandContext } from './context.js';
import { parseAtOption } from './options.js';

/** `alerts`: every SLO's burn-rate and no-data alert, stored state and every window of the policy. */
export function registerAlertsCommand(program: Command, context: CommandContext): void {
  program
    .command('alerts')
    .description('show every SLO\'s burn-rate and no-data alert: stored state, and the burn rate of every window of the policy')
    .option('--at <time>', 'evaluation instant (ISO 8601; default now)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--offline', 'read the ledger as it is, without asking Prometheus')
    .action(async (options: { at?: string; format: string; offline?: boolean }) => {
      const config = context.loadConfig();
      await withAdapters(config, async (adapters) => {
        const atMs = floorToBucket(parseAtOption(options.at, config.timeZone, adapters.clock.nowMs()));
        const failed = options.offline !== true && reportSyncErrors(await syncAllSlos(adapters, atMs, withProgress()));
        const assessments = await assessAlerts(adapters.figures, config.slos, config.alerting, atMs, config.timeZone);
        const records = await adapters.ledger.alertState.all();
        if (options.format === 'json') process.stdout.write(`${JSON.stringify(toAlertsJson(atMs, assessments, records), null, 2)}\n`);
        else process.stdout.write(formatAlertsTable(atMs, assessments, records));
        if (failed) process.exitCode = 1;
      });
    });
}
