import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../files.js';
import { importedConfig } from '../interop/import-config.js';
import { readSloFiles, type SloFormat } from '../interop/read-slo-files.js';
import type { SloFileText } from '../interop/source.js';
import { ConfigError, UsageError, type ConfigDiagnostic } from '../errors.js';

const FORMATS: readonly SloFormat[] = ['openslo', 'sloth'];

/** `import openslo|sloth FILE... [--out FILE]`: OpenSLO or Sloth files as a slo-ledger config. */
export function registerImportCommand(program: Command): void {
  program
    .command('import <format> <files...>')
    .description('convert OpenSLO (openslo) or Sloth (sloth) SLO files into a slo-ledger config file; exit 2 with FILE:LINE:COL for what cannot be converted')
    .option('--out <file>', 'write the config to this file instead of stdout')
    .action((format: string, files: string[], options: { out?: string }) => {
      if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`import: unknown format ${JSON.stringify(format)}: give openslo or sloth`);
      const texts: SloFileText[] = [];
      const unreadable: ConfigDiagnostic[] = [];
      for (const file of files) {
        try {
          texts.push({ file, text: readFileSync(file, 'utf8') });
        } catch (error) {
          unreadable.push({ file, line: 0, column: 0, path: '', message: `cannot read SLO file: ${(error as Error).message}` });
        }
      }
      if (unreadable.length > 0) throw new ConfigError(unreadable);
      const read = readSloFiles(texts, format as SloFormat);
      if (read.diagnostics.length > 0) throw new ConfigError(read.diagnostics);
      if (read.slos.length === 0) throw new ConfigError(files.map((file) => ({ file, line: 0, column: 0, path: '', message: `holds no ${format === 'openslo' ? 'OpenSLO' : 'Sloth'} SLO` })));
      const text = importedConfig(read, { format: format as SloFormat, files });
      if (options.out === undefined) process.stdout.write(text);
      else {
        write(options.out, text);
        process.stderr.write(`slo-ledger: wrote ${read.slos.length} SLOs to ${options.out}\n`);
      }
    });
}

/** Writes an output file; one that cannot be written is bad usage (exit 2), naming it and why. */
export function write(path: string, text: string): void {
  try {
    writeFileAtomic(path, text);
  } catch (error) {
    throw new UsageError(`--out: ${(error as Error).message}`, { cause: error });
  }
}
