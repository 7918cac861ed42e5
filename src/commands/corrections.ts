import { Option, type Command } from 'commander';
import { deleteCorrection, findCorrection, listCorrections, toCorrection, type CorrectionRequest, type ListedCorrection } from '../app/correction-request.js';
import { CORRECTION_CATEGORIES } from '../domain/correction.js';
import { UsageError } from '../errors.js';
import { deleteRefusalText, formatCorrection, formatCorrectionsTable, formatHistory, toCorrectionJson, toHistoryJson } from '../views/corrections-view.js';
import { withAdapters, type CommandContext } from './context.js';
import { parseGroupOption } from './options.js';

/** `corrections add`'s options: the request's fields, `--group` as LABEL=VALUE pairs, and the author. */
type AddOptions = Omit<CorrectionRequest, 'group'> & { group: string[]; author?: string };

const formatOption = () => new Option('--format <format>', 'output format').choices(['table', 'json']).default('table');
const defaultAuthor = () => process.env.USER || 'unknown';
const print = (text: string) => process.stdout.write(text);
const printJson = (value: unknown) => print(`${JSON.stringify(value, null, 2)}\n`);

/** `corrections add|list|show|delete|history`: periods taken out of the error budget at run time, with an audit trail. */
export function registerCorrectionsCommand(program: Command, context: CommandContext): void {
  const corrections = program.command('corrections').description('periods taken out of the error budget: the config\'s, and those added at run time (with an audit trail)');
  corrections
    .command('add')
    .description('take a period out of the error budget: once (--from, --to) or recurring (--every, --duration)')
    .option('--slo <name>', 'the SLO it covers')
    .option('--service <name>', 'every SLO of this service')
    .option('--group <label=value>', 'grouped SLOs: only the group with this label value (repeatable)', (pair: string, all: string[]) => [...all, pair], [] as string[])
    .option('--from <time>', 'start, ISO 8601 (without an offset: the configured timezone)')
    .option('--to <time>', 'end, ISO 8601 (without an offset: the configured timezone)')
    .option('--every <rrule>', 'an iCalendar RRULE in local time, e.g. FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0')
    .option('--duration <duration>', 'with --every: the wall-clock duration of each occurrence, e.g. 2h')
    .option('--category <category>', `why: ${CORRECTION_CATEGORIES.join(', ')}`)
    .option('--reason <text>', 'what happened, for the report and the audit')
    .option('--author <name>', 'who adds it (default: $USER, else "unknown")')
    .addOption(formatOption())
    .action((options: AddOptions & { format: string }) => {
      const config = context.loadConfig();
      const { group, ...rest } = options;
      const correction = toCorrection({ ...rest, group: parseGroupOption(group) }, config, (field) => `--${field}`);
      return withAdapters(config, async (adapters) => {
        const stored = await adapters.ledger.corrections.add(correction, { author: options.author ?? defaultAuthor(), atMs: adapters.clock.nowMs() });
        const listed: ListedCorrection = { source: 'ledger', correction: stored };
        print(options.format === 'json' ? `${JSON.stringify(toCorrectionJson(listed, config.timeZone), null, 2)}\n` : formatCorrection(listed, config.timeZone));
      });
    });
  corrections
    .command('list')
    .description('the corrections in force: the config\'s (source config) and those added at run time (source ledger)')
    .addOption(formatOption())
    .action((options: { format: string }) => {
      const config = context.loadConfig();
      return withAdapters(config, async (adapters) => {
        const listed = await listCorrections(config, adapters.ledger);
        if (options.format === 'json') printJson(listed.map((l) => toCorrectionJson(l, config.timeZone)));
        else print(formatCorrectionsTable(listed, config.timeZone));
      });
    });
  corrections
    .command('show <id>')
    .description('one correction, with who added it and, once deleted, who deleted it and when')
    .addOption(formatOption())
    .action((id: string, options: { format: string }) => {
      const config = context.loadConfig();
      return withAdapters(config, async (adapters) => {
        const listed = await findCorrection(config, adapters.ledger, id);
        if (listed === undefined) throw new UsageError(`corrections show: there is no correction ${JSON.stringify(id)} (see \`slo-ledger corrections list\`)`);
        print(options.format === 'json' ? `${JSON.stringify(toCorrectionJson(listed, config.timeZone), null, 2)}\n` : formatCorrection(listed, config.timeZone));
      });
    });
  corrections
    .command('delete <id>')
    .description('stop applying a correction added at run time; the deletion is recorded, never erased')
    .option('--author <name>', 'who deletes it (default: $USER, else "unknown")')
    .option('--reason <text>', 'why')
    .action((id: string, options: { author?: string; reason?: string }) => {
      const config = context.loadConfig();
      return withAdapters(config, async (adapters) => {
        const author = options.author ?? defaultAuthor();
        const outcome = await deleteCorrection(config, adapters.ledger, id, { author, atMs: adapters.clock.nowMs(), ...(options.reason === undefined ? {} : { reason: options.reason }) });
        if ('refused' in outcome) throw new UsageError(`corrections delete: ${deleteRefusalText(id, outcome)}`);
        print(`${id}: deleted by ${author}\n`);
      });
    });
  corrections
    .command('history')
    .description('the audit trail of the corrections added at run time: every addition and deletion, oldest first')
    .addOption(formatOption())
    .action((options: { format: string }) => {
      const config = context.loadConfig();
      return withAdapters(config, async (adapters) => {
        const history = await adapters.ledger.corrections.history();
        if (options.format === 'json') printJson(history.map((e) => toHistoryJson(e, config.timeZone)));
        else print(formatHistory(history, config.timeZone));
      });
    });
}
