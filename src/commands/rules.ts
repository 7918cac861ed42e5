import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { buildRuleGroups } from '../rules/build-rules.js';
import { RULES_FORMATS, renderRules, type RulesFormat } from '../rules/render-rules.js';
import type { CommandContext } from './context.js';
import { writeFileAtomic } from '../files.js';

/**
 * `rules [--format prometheus|prometheus-operator] [--out FILE]`: Prometheus recording and alerting
 * rules for every SLO of the config, so paging on burn rates goes on while slo-ledger is down. Reads
 * only the config: neither Prometheus nor the ledger is opened.
 */
export function registerRulesCommand(program: Command, context: CommandContext): void {
  program
    .command('rules')
    .description('write Prometheus recording and alerting rules for every SLO (burn-rate paging that does not depend on slo-ledger)')
    .addOption(new Option('--format <format>', 'a Prometheus rule file, or a PrometheusRule object for the Prometheus Operator').choices(RULES_FORMATS).default('prometheus'))
    .option('--out <file>', 'write the rules to FILE (default: stdout)')
    .action((options: { format: RulesFormat; out?: string }) => {
      const config = context.loadConfig();
      // With an alertmanager section, the alerts carry the severities and static labels slo-ledger's own alerts carry there.
      const labels = config.alertmanager === undefined ? {} : { severityLabels: config.alertmanager.severity, alertLabels: config.alertmanager.labels };
      const text = renderRules(buildRuleGroups(config.slos, config.alerting.policy, labels), options.format);
      if (options.out === undefined) process.stdout.write(text);
      else writeRulesFile(options.out, text);
    });
}

/**
 * Writes through a temporary file renamed into place, so a Prometheus (or config reloader) that
 * watches FILE never reads half a rule file. A file that cannot be written is bad usage (exit 2).
 */
function writeRulesFile(path: string, text: string): void {
  try {
    writeFileAtomic(path, text);
  } catch (error) {
    throw new UsageError(`--out: ${(error as Error).message}`, { cause: error });
  }
}
