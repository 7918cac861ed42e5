import { Option, type Command } from 'commander';
import { dropDelivery, retryDeliveries } from '../app/outbox-admin.js';
import { UsageError } from '../errors.js';
import { createLogger } from '../logging.js';
import { buildSenders } from '../runtime/open-adapters.js';
import { formatOutboxTable, toOutboxJson } from '../views/outbox-view.js';
import { describeRound } from '../views/tick-view.js';
import { withAdapters, type CommandContext } from './context.js';
import { parseDeliveryId } from './options.js';

/** `outbox list|retry|drop`: the deliveries recorded before they are attempted. */
export function registerOutboxCommand(program: Command, context: CommandContext): void {
  const outbox = program.command('outbox').description('the deliveries (report mails, alert notifications) recorded before they are attempted');
  outbox
    .command('list')
    .description('every delivery, newest first: status, attempts, next attempt, last error')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action((options: { format: string }) =>
      withAdapters(context.loadConfig(), async (adapters) => {
        const entries = await adapters.ledger.outbox.list();
        if (options.format === 'json') process.stdout.write(`${JSON.stringify(entries.map(toOutboxJson), null, 2)}\n`);
        else process.stdout.write(formatOutboxTable(entries));
      }),
    );
  outbox
    .command('retry [id]')
    .description('attempt a delivery now, ignoring its backoff (a failed one becomes pending again); --all: every pending one')
    .option('--all', 'every pending delivery')
    .action(async (id: string | undefined, options: { all?: boolean }) => {
      if ((id === undefined) === (options.all !== true)) throw new UsageError('outbox retry: give a delivery ID or --all (not both)');
      const target = id === undefined ? 'all' : parseDeliveryId(id);
      const config = context.loadConfig();
      await withAdapters(config, async (adapters) => {
        const outcome = await retryDeliveries(adapters, buildSenders(config), target, createLogger({ secrets: config.secrets, destination: process.stderr }));
        if (outcome.kind === 'unknown') throw new UsageError(`outbox retry: there is no delivery ${outcome.id} (see \`slo-ledger outbox list\`)`);
        if (outcome.kind === 'not-retryable') {
          const { entry } = outcome;
          throw new UsageError(`outbox retry: delivery ${entry.id} (${entry.key}) is ${entry.status}; only pending or failed ones can be retried`);
        }
        process.stdout.write(describeRound(outcome.round));
        if (outcome.round.retrying.length + outcome.round.failed.length > 0) process.exitCode = 1;
      });
    });
  outbox
    .command('drop <id>')
    .description('never attempt this pending or failed delivery again')
    .action((id: string) =>
      withAdapters(context.loadConfig(), async (adapters) => {
        const outcome = await dropDelivery(adapters.ledger.outbox, parseDeliveryId(id));
        if (outcome.kind === 'unknown') throw new UsageError(`outbox drop: there is no delivery ${outcome.id} (see \`slo-ledger outbox list\`)`);
        if (outcome.kind === 'not-droppable') {
          const { entry } = outcome;
          throw new UsageError(`outbox drop: delivery ${entry.id} (${entry.key}) is ${entry.status}; only pending or failed ones can be dropped`);
        }
        process.stdout.write(`${outcome.entry.id} ${outcome.entry.key}: dropped\n`);
      }),
    );
}
