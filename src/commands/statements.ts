import { Option, type Command } from 'commander';
import { syncForPeriod } from '../app/period-report.js';
import { diffStatement } from '../app/statements.js';
import { resolvePeriod } from '../domain/period.js';
import { UsageError } from '../errors.js';
import { describeStatement, formatStatementDiff, formatStatementList, toStatementDiffJson, toStatementJson } from '../views/statements-view.js';
import { reportSyncErrors, withAdapters, withProgress, type CommandContext } from './context.js';
import { parseMonthOption } from './options.js';

const formatOption = () => new Option('--format <format>', 'output format').choices(['table', 'json']).default('table');
const print = (text: string) => process.stdout.write(text);

/** `statements list|show|diff`: the months' statements (the figures as mailed) and what changed since. */
export function registerStatementsCommand(program: Command, context: CommandContext): void {
  const statements = program.command('statements').description('the monthly statements: each month\'s figures as produced and mailed, every version kept');
  statements
    .command('list')
    .description('the stated months, newest first, with their latest version')
    .addOption(formatOption())
    .action((options: { format: string }) => {
      const config = context.loadConfig();
      return withAdapters(config, async (adapters) => {
        const months = await adapters.ledger.statements.months();
        if (options.format === 'json') print(`${JSON.stringify(months.map((s) => toStatementJson(s, false)), null, 2)}\n`);
        else print(formatStatementList(months, config.timeZone));
      });
    });
  statements
    .command('show <month>')
    .description('every version of a month\'s statement, with its figures and the hashes of its report files')
    .addOption(formatOption())
    .action((monthText: string, options: { format: string }) => {
      const config = context.loadConfig();
      const month = parseMonthOption(monthText);
      return withAdapters(config, async (adapters) => {
        const name = resolvePeriod({ kind: 'month', month }, adapters.clock.nowMs(), config.timeZone).current.name;
        const versions = await adapters.ledger.statements.versions(name);
        if (versions.length === 0) throw new UsageError(`statements show: ${name} has no statement (see \`slo-ledger statements list\`)`);
        if (options.format === 'json') {
          print(`${JSON.stringify(versions.map((s) => toStatementJson(s, true)), null, 2)}\n`);
          return;
        }
        for (const s of versions) {
          print(`${name}: ${describeStatement(s, config.timeZone)}\n`);
          for (const slo of s.slos) print(`  ${slo.slo}: SLI ${slo.sliRatio ?? '—'}, tier ${slo.tier}, ${slo.good} / ${slo.total} events${slo.groups ? `, ${slo.groups.length} groups` : ''}\n`);
          for (const f of s.files) print(`  ${f.name}: sha256 ${f.sha256} (${f.bytes} bytes)\n`);
        }
      });
    });
  statements
    .command('diff <month>')
    .description('what changed in a month\'s figures since its latest statement, by how much, and why (a correction, a reconciled scrape gap, late data)')
    .option('--offline', 'compare with the ledger as it is, without syncing from Prometheus first')
    .addOption(formatOption())
    .action(async (monthText: string, options: { offline?: boolean; format: string }) => {
      const config = context.loadConfig();
      const month = parseMonthOption(monthText);
      await withAdapters(config, async (adapters) => {
        const period = resolvePeriod({ kind: 'month', month }, adapters.clock.nowMs(), config.timeZone);
        const statement = await adapters.ledger.statements.latest(period.current.name);
        if (statement === undefined) throw new UsageError(`statements diff: ${period.current.name} has no statement (see \`slo-ledger statements list\`)`);
        if (options.offline !== true && reportSyncErrors(await syncForPeriod(adapters, period, withProgress().onProgress))) process.exitCode = 1;
        const diff = await diffStatement(adapters, statement, period.current);
        print(options.format === 'json' ? `${JSON.stringify(toStatementDiffJson(diff, config.timeZone), null, 2)}\n` : formatStatementDiff(diff, config.timeZone));
      });
    });
}
