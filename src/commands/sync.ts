import type { Command } from 'commander';
import { syncAllSlos } from '../app/sync-all-slos.js';
import { describeSync } from '../views/tick-view.js';
import { reportSyncErrors, withAdapters, withProgress, type CommandContext } from './context.js';
import { parseAtOption } from './options.js';

/** `sync [--at TIME]`: brings the ledger up to date once. */
export function registerSyncCommand(program: Command, context: CommandContext): void {
  program
    .command('sync')
    .description('bring the ledger up to date once (first run backfills at least 35 days)')
    .option('--at <time>', 'sync up to this instant (ISO 8601; default now)')
    .action(async (options: { at?: string }) => {
      const config = context.loadConfig();
      await withAdapters(config, async (adapters) => {
        const atMs = parseAtOption(options.at, config.timeZone, adapters.clock.nowMs());
        const result = await syncAllSlos(adapters, atMs, withProgress());
        process.stdout.write(describeSync(result));
        if (reportSyncErrors(result)) process.exitCode = 1;
      });
    });
}
