import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { registerAlertsCommand } from './commands/alerts.js';
import { registerConfigCommand } from './commands/config.js';
import { createCommandContext, type CommandContext } from './commands/context.js';
import { registerCorrectionsCommand } from './commands/corrections.js';
import { registerDbCommand } from './commands/db.js';
import { registerDashboardCommand } from './commands/dashboard.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerExportCommand } from './commands/export.js';
import { registerImportCommand } from './commands/import.js';
import { registerOutboxCommand } from './commands/outbox.js';
import { registerReportCommand } from './commands/report.js';
import { registerRulesCommand } from './commands/rules.js';
import { registerStatementsCommand } from './commands/statements.js';
import { registerServeCommand } from './commands/serve.js';
import { registerSyncCommand } from './commands/sync.js';
import { registerTickCommand } from './commands/tick.js';
import { ConfigError, SloLedgerError, redactSecrets } from './errors.js';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The program: global options, then one command per file of commands/. */
function buildProgram(): { program: Command; context: CommandContext } {
  const program = new Command('slo-ledger')
    .description('SLO reporting and error budgets from Prometheus, kept as a ledger of 5-minute buckets in SQLite')
    .version(VERSION)
    .option('--config <file>', 'YAML config file (default: $SLO_LEDGER_CONFIG, else the built-in Rendiff SLOs)')
    .option('--prometheus <url>', 'Prometheus base URL (overrides the config and $PROMETHEUS_URL)')
    .option('--db <file|url>', 'the ledger: a SQLite file, or a postgres:// URL (overrides the config and $DATABASE_URL)')
    .showHelpAfterError()
    .exitOverride();
  const context = createCommandContext(program);
  registerConfigCommand(program, context);
  registerSyncCommand(program, context);
  registerReportCommand(program, context);
  registerAlertsCommand(program, context);
  registerRulesCommand(program, context);
  registerServeCommand(program, context);
  registerTickCommand(program, context);
  registerOutboxCommand(program, context);
  registerCorrectionsCommand(program, context);
  registerStatementsCommand(program, context);
  registerDashboardCommand(program, context);
  registerImportCommand(program);
  registerExportCommand(program, context);
  registerDbCommand(program);
  registerDemoCommand(program);
  return { program, context };
}

/**
 * The one top-level handler: exit 0 ok, 1 runtime failure, 2 bad usage or config. The code comes
 * from the error's type (a SloLedgerError carries its own), never from its text.
 */
async function main(argv: string[]): Promise<void> {
  const { program, context } = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are exits with code 0; everything else commander rejects is bad usage.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    const prefix = error instanceof ConfigError ? 'invalid configuration:\n' : '';
    process.stderr.write(`slo-ledger: ${prefix}${redactSecrets(message, context.secrets())}\n`);
    process.exitCode = error instanceof SloLedgerError ? (error.exitCode ?? 1) : 1;
  }
}

await main(process.argv);
