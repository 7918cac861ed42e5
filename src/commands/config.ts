import type { Command } from 'commander';
import { printConfig } from '../config/print-config.js';
import type { CommandContext } from './context.js';

/** `config check [file]` and `config print`. */
export function registerConfigCommand(program: Command, context: CommandContext): void {
  const config = program.command('config').description('check or show the configuration');
  config
    .command('check [file]')
    .description('validate a config file and print every problem with its line; exit 2 when invalid')
    .action((file: string | undefined) => {
      const loaded = context.loadConfig(file ? { config: file } : {});
      process.stdout.write(`${loaded.source}: ok (${loaded.slos.length} SLOs: ${loaded.slos.map((s) => s.name).join(', ')})\n`);
    });
  config
    .command('print')
    .description('print the effective configuration as YAML, secrets masked')
    .action(() => {
      process.stdout.write(printConfig(context.loadConfig()));
    });
}
