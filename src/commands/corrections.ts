import { Option, type Command } from 'commander';
import rrule from 'rrule';
import type { AppConfig } from '../config/app-config.js';
import { CORRECTION_CATEGORIES, type Correction, type CorrectionCategory, type CorrectionTiming } from '../domain/correction.js';
import { parseDuration } from '../domain/duration.js';
import { UsageError } from '../errors.js';
import type { OpenAdapters } from '../runtime/open-adapters.js';
import { formatCorrection, formatCorrectionsTable, formatHistory, toCorrectionJson, toHistoryJson, type ListedCorrection } from '../views/corrections-view.js';
import { withAdapters, type CommandContext } from './context.js';
import { parseGroupOption, parseInstantOption } from './options.js';

interface AddOptions {
  slo?: string;
  service?: string;
  group: string[];
  from?: string;
  to?: string;
  every?: string;
  duration?: string;
  category?: string;
  reason?: string;
  author?: string;
}

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
      const correction = parseCorrection(options, config);
      return withAdapters(config, (adapters) => {
        const stored = adapters.ledger.corrections.add(correction, { author: options.author ?? defaultAuthor(), atMs: adapters.clock.nowMs() });
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
      return withAdapters(config, (adapters) => {
        const listed = listCorrections(config, adapters);
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
      return withAdapters(config, (adapters) => {
        const listed = findCorrection(config, adapters, id);
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
      return withAdapters(config, (adapters) => {
        const listed = findCorrection(config, adapters, id);
        if (listed === undefined) throw new UsageError(`corrections delete: there is no correction ${JSON.stringify(id)} (see \`slo-ledger corrections list\`)`);
        if (listed.source === 'config') throw new UsageError(`corrections delete: ${id} comes from the config file; edit the config's corrections section to remove it`);
        if (listed.correction.deleted !== undefined) {
          const { deleted } = listed.correction;
          throw new UsageError(`corrections delete: ${id} was already deleted by ${deleted.author} at ${new Date(deleted.atMs).toISOString()}`);
        }
        const author = options.author ?? defaultAuthor();
        adapters.ledger.corrections.remove(id, { author, atMs: adapters.clock.nowMs(), ...(options.reason === undefined ? {} : { reason: options.reason }) });
        print(`${id}: deleted by ${author}\n`);
      });
    });
  corrections
    .command('history')
    .description('the audit trail of the corrections added at run time: every addition and deletion, oldest first')
    .addOption(formatOption())
    .action((options: { format: string }) => {
      const config = context.loadConfig();
      return withAdapters(config, (adapters) => {
        const history = adapters.ledger.corrections.history();
        if (options.format === 'json') printJson(history.map((e) => toHistoryJson(e, config.timeZone)));
        else print(formatHistory(history, config.timeZone));
      });
    });
}

function listCorrections(config: AppConfig, adapters: OpenAdapters): ListedCorrection[] {
  return [
    ...config.corrections.map((correction): ListedCorrection => ({ source: 'config', correction })),
    ...adapters.ledger.corrections.list().map((correction): ListedCorrection => ({ source: 'ledger', correction })),
  ];
}

function findCorrection(config: AppConfig, adapters: OpenAdapters, id: string): ListedCorrection | undefined {
  const fromConfig = config.corrections.find((c) => c.id === id);
  if (fromConfig !== undefined) return { source: 'config', correction: fromConfig };
  const stored = adapters.ledger.corrections.get(id);
  return stored === undefined ? undefined : { source: 'ledger', correction: stored };
}

/** The options of `corrections add`, validated as the config validates its corrections section. */
function parseCorrection(options: AddOptions, config: AppConfig): Omit<Correction, 'id'> {
  if (options.slo === undefined && options.service === undefined) throw new UsageError('--slo or --service: say which SLOs the correction covers');
  if (options.slo !== undefined && !config.slos.some((s) => s.name === options.slo)) {
    throw new UsageError(`--slo: no SLO is named ${JSON.stringify(options.slo)} (SLOs: ${config.slos.map((s) => s.name).join(', ')})`);
  }
  if (options.service !== undefined && !config.slos.some((s) => s.service === options.service)) {
    throw new UsageError(`--service: no SLO belongs to a service named ${JSON.stringify(options.service)} (services: ${[...new Set(config.slos.map((s) => s.service))].join(', ')})`);
  }
  if (options.category === undefined || !(CORRECTION_CATEGORIES as readonly string[]).includes(options.category)) {
    throw new UsageError(`--category: ${options.category === undefined ? 'missing' : JSON.stringify(options.category)}; give one of ${CORRECTION_CATEGORIES.join(', ')}`);
  }
  if (options.reason === undefined || options.reason.trim() === '') throw new UsageError('--reason: say why, for the report and the audit');
  const group = parseGroupOption(options.group);
  return {
    scope: {
      ...(options.slo === undefined ? {} : { slo: options.slo }),
      ...(options.service === undefined ? {} : { service: options.service }),
      ...(Object.keys(group).length === 0 ? {} : { group: { ...group } }),
    },
    timing: parseTiming(options, config.timeZone),
    category: options.category as CorrectionCategory,
    reason: options.reason,
  };
}

function parseTiming(options: AddOptions, timeZone: string): CorrectionTiming {
  const once = options.from !== undefined || options.to !== undefined;
  const recurring = options.every !== undefined || options.duration !== undefined;
  if (once === recurring) throw new UsageError('--from/--to or --every/--duration: give --from and --to (once), or --every and --duration (recurring)');
  if (once) {
    if (options.from === undefined) throw new UsageError('--from: --from and --to go together');
    if (options.to === undefined) throw new UsageError('--to: --from and --to go together');
    const fromMs = parseInstantOption('--from', options.from, timeZone);
    const toMs = parseInstantOption('--to', options.to, timeZone);
    if (!(toMs > fromMs)) throw new UsageError(`--to: ${options.to} must be after --from ${options.from}`);
    return { kind: 'once', fromMs, toMs };
  }
  if (options.every === undefined) throw new UsageError('--every: --every and --duration go together');
  if (options.duration === undefined) throw new UsageError('--duration: --every and --duration go together');
  const rule = options.every.startsWith('RRULE:') ? options.every : `RRULE:${options.every}`;
  try {
    rrule.rrulestr(rule);
  } catch (error) {
    throw new UsageError(`--every: ${JSON.stringify(options.every)} is not an iCalendar RRULE (e.g. FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0): ${(error as Error).message}`);
  }
  let durationMs: number;
  try {
    durationMs = parseDuration(options.duration);
  } catch (error) {
    throw new UsageError(`--duration: ${(error as Error).message}`);
  }
  if (durationMs <= 0) throw new UsageError('--duration: must be positive');
  return { kind: 'recurring', rule, durationMs };
}
