import type { Command } from 'commander';
import { runTick, type TickResult } from '../app/tick.js';
import { createLogger } from '../logging.js';
import { replicaIdentity } from '../runtime/leadership.js';
import { buildSenders } from '../runtime/open-adapters.js';
import { leadOnce } from '../runtime/replication.js';
import { describeTick } from '../views/tick-view.js';
import { withAdapters, type CommandContext } from './context.js';
import { parseAtOption } from './options.js';
import { testHaltHooks } from './test-halt.js';

/** `tick [--at TIME] [--dry-run]`: one tick of the service, the same code `serve` runs on its schedule. */
export function registerTickCommand(program: Command, context: CommandContext): void {
  program
    .command('tick')
    .description('run one tick of the service: sync the ledger, evaluate alerts, produce a monthly report that is due, deliver the outbox')
    .option('--at <time>', 'the tick\'s instant (ISO 8601; default now): the ledger is synced to it and reports due by it are produced')
    .option('--dry-run', 'sync only: show what is due, produce and deliver nothing')
    .action(async (options: { at?: string; dryRun?: boolean }) => {
      const config = context.loadConfig();
      await withAdapters(config, async (adapters) => {
        const log = createLogger({ secrets: config.secrets, destination: process.stderr });
        const dryRun = options.dryRun === true;
        // On PostgreSQL, the alerts, reports and deliveries belong to whoever holds the leader lease; a dry run changes nothing.
        const lead = dryRun ? undefined : await leadOnce(adapters, replicaIdentity(), log.child({ component: 'lease' }));
        let result: TickResult;
        try {
          result = await runTick({
            adapters, senders: buildSenders(config), atMs: parseAtOption(options.at, config.timeZone, adapters.clock.nowMs()), dryRun,
            log, ...testHaltHooks(process.env), ...(lead ? { leader: lead.leader } : {}),
          });
        } finally {
          await lead?.stop();
        }
        if (!result.led) process.stdout.write(`${lead?.leaderName() ?? 'another replica'} leads: this tick only synced; alerts, monthly reports and deliveries are left to it\n`);
        process.stdout.write(describeTick(result));
        const undelivered = (result.delivery?.retrying.length ?? 0) + (result.delivery?.failed.length ?? 0);
        if (result.errors.length > 0 || undelivered > 0) process.exitCode = 1;
      });
    });
}
