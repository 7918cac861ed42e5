import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { exportOpenSlo } from '../interop/export-openslo.js';
import type { CommandContext } from './context.js';
import { write } from './import.js';

/** `export openslo [--out FILE]`: the configured SLOs as OpenSLO v1 documents. */
export function registerExportCommand(program: Command, context: CommandContext): void {
  program
    .command('export <format>')
    .description('write the configured SLOs as OpenSLO v1 documents (format: openslo); slo-ledger import openslo reads them back')
    .option('--out <file>', 'write the documents to this file instead of stdout')
    .action((format: string, options: { out?: string }) => {
      if (format !== 'openslo') throw new UsageError(`export: unknown format ${JSON.stringify(format)}: give openslo`);
      const config = context.loadConfig();
      const text = exportOpenSlo(config.slos, { prometheusUrl: config.prometheus.url, source: config.source });
      if (options.out === undefined) process.stdout.write(text);
      else {
        write(options.out, text);
        process.stderr.write(`slo-ledger: wrote ${config.slos.length} SLOs as OpenSLO v1 to ${options.out}\n`);
      }
    });
}
