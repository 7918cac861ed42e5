import type { Command } from 'commander';
import { checkQueriesOnline } from '../app/check-queries.js';
import type { AppConfig } from '../config/load-config.js';
import { printConfig } from '../config/print-config.js';
import { ConfigError, formatDiagnostic, redactSecrets, UsageError } from '../errors.js';
import { prometheusClient } from '../runtime/open-adapters.js';
import type { CommandContext, GlobalOptions } from './context.js';
import { parseAtOption } from './options.js';

/** The options of `config check`. */
interface CheckOptions {
  online?: boolean;
  strict?: boolean;
  at?: string;
}

/** `config check [file]` (online with --prometheus or --online) and `config print`. */
export function registerConfigCommand(program: Command, context: CommandContext): void {
  const config = program.command('config').description('check or show the configuration');
  config
    .command('check [file]')
    .description('validate a config file and print every problem with its line; exit 2 when invalid')
    .option('--online', 'also ask Prometheus (the config\'s url, $PROMETHEUS_URL, or --prometheus, which implies this) about every query')
    .option('--strict', 'online: a selector that matches no series is an error (exit 2), not a warning')
    .option('--at <time>', 'online: look for series in each SLO\'s window before this instant (default now)')
    .action(async (file: string | undefined, options: CheckOptions) => {
      const online = options.online === true || program.opts<GlobalOptions>().prometheus !== undefined;
      if (!online && (options.strict === true || options.at !== undefined)) throw new UsageError('--strict and --at check the queries online: give --online or --prometheus URL');
      const loaded = context.loadConfig(file ? { config: file } : {});
      const summary = await (online ? checkOnline(loaded, options) : undefined);
      process.stdout.write(`${loaded.source}: ok (${loaded.slos.length} SLOs: ${loaded.slos.map((s) => s.name).join(', ')})\n`);
      if (summary !== undefined) process.stdout.write(`${summary}\n`);
    });
  config
    .command('print')
    .description('print the effective configuration as YAML, secrets masked')
    .action(() => {
      process.stdout.write(printConfig(context.loadConfig()));
    });
}

/**
 * Every query of every SLO asked about at Prometheus: refused ones are config problems (exit 2);
 * selectors without series are warnings on stderr, or problems with --strict. Returns the summary line.
 */
async function checkOnline(config: AppConfig, options: CheckOptions): Promise<string> {
  const atMs = parseAtOption(options.at, config.timeZone, Date.now());
  const found = await checkQueriesOnline(config, prometheusClient(config), atMs);
  const strict = options.strict === true;
  if (!strict) for (const warning of found.noSeries) process.stderr.write(`${redactSecrets(formatDiagnostic({ ...warning, message: `warning: ${warning.message}` }), config.secrets)}\n`);
  const problems = [...found.problems, ...(strict ? found.noSeries : [])];
  if (problems.length > 0) throw new ConfigError(problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column));
  const url = redactSecrets(config.prometheus.url, config.secrets);
  const series = found.noSeries.length === 0 ? ' and match series' : `; ${found.noSeries.length} ${found.noSeries.length === 1 ? 'selector matches' : 'selectors match'} no series (warnings on stderr)`;
  return `${url}: all ${found.queries} queries are valid PromQL${series}`;
}
