import { resolveAlertPolicy, type AlertPolicySpec } from '../domain/alert-policy.js';
import type { BurnRateRule, BurnRateSeverity } from '../domain/burn-rate.js';
import { BUCKET_MS, formatDuration, toPromQlRange } from '../domain/duration.js';
import type { SloDefinition } from '../domain/slo.js';
import { seriesLabel, sliIncreaseExpressions } from './sli-records.js';

/** A Prometheus recording rule. */
export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

/** A Prometheus alerting rule (no `for`: a multiwindow rule's short window already guards against a blip). */
export interface AlertingRule {
  alert: string;
  expr: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** One rule group of a Prometheus rule file, with a comment for the reader (not part of the file format). */
export interface RuleGroup {
  name: string;
  interval: string;
  rules: Array<RecordingRule | AlertingRule>;
  comment: string;
}

/** The recorded good and total events of each 5-minute bucket (one sample per evaluation). */
export const GOOD_RECORD = `slo:sli_good:increase${formatDuration(BUCKET_MS)}`;
export const TOTAL_RECORD = `slo:sli_total:increase${formatDuration(BUCKET_MS)}`;

/** The alert name of every burn-rate alert the rules raise; `severity` tells page from ticket. */
export const BURN_ALERT_NAME = 'SloErrorBudgetBurn';

/**
 * How far each window's range falls short of the window. Every sample of a group lies on its
 * evaluation grid, so a range of exactly W would hold W/5m + 1 samples in Prometheus 2 (whose
 * ranges include their start) and W/5m in Prometheus 3 (whose ranges do not); one second less
 * holds W/5m in both.
 */
export const RANGE_MARGIN_MS = 1_000;

/**
 * Options of {@link buildRuleGroups}: how the alerts are labelled. The command passes the config's
 * `alertmanager` section, so that the rules' alerts route like slo-ledger's own.
 */
export interface RulesOptions {
  /** The `severity` label of each of slo-ledger's severities; default their own names, `page` and `ticket`. */
  severityLabels?: Readonly<Record<BurnRateSeverity, string>>;
  /** Static labels on every alert (team, environment); they never replace slo, service or severity. */
  alertLabels?: Readonly<Record<string, string>>;
}

/** The name of the recorded burn rate over `windowMs`, e.g. `slo:burn_rate:1h`. */
export function burnRateRecord(windowMs: number): string {
  return `slo:burn_rate:${formatDuration(windowMs)}`;
}

/**
 * Prometheus rules that page on the same multiwindow, multi-burn-rate policy as slo-ledger
 * (`resolveAlertPolicy`, SRE Workbook "Alerting on SLOs"), from the same 5-minute bucket queries
 * as its ledger, so paging goes on while slo-ledger is down. One group per SLO, evaluated every 5
 * minutes so that each recorded increase is one disjoint bucket: it records the bucket's good and
 * total events, each window's burn rate as a ratio of sums over those buckets, and one alert per
 * severity. A grouped SLO gets burn rates and alerts for the SLO as a whole and for each group.
 */
export function buildRuleGroups(slos: readonly SloDefinition[], policy: AlertPolicySpec, options: RulesOptions = {}): RuleGroup[] {
  const labels: AlertLabels = { severity: options.severityLabels ?? { page: 'page', ticket: 'ticket' }, static: options.alertLabels ?? {} };
  return slos.map((slo) => sloRuleGroup(slo, policy, labels));
}

interface AlertLabels {
  severity: Readonly<Record<BurnRateSeverity, string>>;
  static: Readonly<Record<string, string>>;
}

function sloRuleGroup(slo: SloDefinition, policySpec: AlertPolicySpec, alertLabels: AlertLabels): RuleGroup {
  const policy = resolveAlertPolicy(policySpec, slo.windowMs);
  const sli = sliIncreaseExpressions(slo);
  const own = { slo: slo.name, service: slo.service };
  const windows = [...new Set(policy.flatMap((rule) => [rule.shortWindowMs, rule.longWindowMs]))].sort((a, b) => a - b);
  const severities = (['page', 'ticket'] as const).filter((severity) => policy.some((rule) => rule.severity === severity));
  return {
    name: `slo-ledger-${slo.name}`,
    interval: formatDuration(BUCKET_MS),
    comment: describeGroup(slo, policy),
    rules: [
      { record: GOOD_RECORD, expr: sli.good, labels: own },
      { record: TOTAL_RECORD, expr: sli.total, labels: own },
      ...windows.map((windowMs) => ({ record: burnRateRecord(windowMs), expr: burnRateExpression(slo, windowMs), labels: own })),
      ...severities.map((severity) => burnAlert(slo, policy.filter((rule) => rule.severity === severity), alertLabels)),
    ],
  };
}

/**
 * Burn rate over a window: (1 − SLI) / (1 − objective) with SLI = Σgood / Σtotal over the window's
 * 5-minute buckets — a ratio of sums, never an average of ratios, as `domain/sli.ts` defines it.
 * No traffic gives 0/0 = NaN, which exceeds no factor, as the ledger's null SLI pages nobody.
 *
 * A grouped SLO's burn rate is the SLO's own (labels slo and service) `or` each group's (plus the
 * group labels), in one rule, as slo-ledger assesses both. A group whose labels are all empty has
 * the SLO's own label set; `or` then keeps the SLO's figure instead of writing two samples to one series.
 */
export function burnRateExpression(slo: SloDefinition, windowMs: number): string {
  if (!(windowMs >= BUCKET_MS) || windowMs % BUCKET_MS !== 0) throw new Error(`burn-rate window ${windowMs}ms is not a whole number of 5-minute buckets`);
  const range = toPromQlRange(windowMs - RANGE_MARGIN_MS);
  const burnBy = (labels: readonly string[]) => {
    const sum = (record: string) => `sum by (${['slo', 'service', ...labels].join(', ')}) (sum_over_time(${record}{slo=${promString(slo.name)}}[${range}]))`;
    return `(1 - ${sum(GOOD_RECORD)} / ${sum(TOTAL_RECORD)}) / (1 - ${slo.objectiveRatio})`;
  };
  const own = burnBy([]);
  return slo.groupBy === undefined ? own : `${own}\nor\n${burnBy(slo.groupBy.map(seriesLabel))}`;
}

/**
 * One alert for the rules of one severity: fires while, for any of them, the burn rate over the
 * long AND the short window exceed its factor (`domain/burn-rate.ts` `evaluateBurnRate`). `or`
 * matches series by their labels without the metric name, so each SLO (and group) fires once.
 */
function burnAlert(slo: SloDefinition, rules: readonly BurnRateRule[], alertLabels: AlertLabels): AlertingRule {
  const burn = (windowMs: number) => `${burnRateRecord(windowMs)}{slo=${promString(slo.name)}}`;
  const conditions = rules.map((rule) => `(${burn(rule.longWindowMs)} > ${rule.factor} and ${burn(rule.shortWindowMs)} > ${rule.factor})`);
  const severity = rules[0]!.severity;
  return {
    alert: BURN_ALERT_NAME,
    expr: conditions.join('\nor\n'),
    labels: { ...alertLabels.static, severity: alertLabels.severity[severity], slo: slo.name, service: slo.service },
    annotations: {
      summary: `${slo.name} (${slo.service})${groupTemplate(slo)} is burning its error budget`,
      description:
        `${severity === 'page' ? 'Page' : 'Ticket'}: the error budget of ${slo.name} (${formatPercent(slo.objectiveRatio)} over ${formatDuration(slo.windowMs)}) burns ` +
        `${rules.map((rule) => `faster than ${rule.factor}× over both ${formatDuration(rule.longWindowMs)} and ${formatDuration(rule.shortWindowMs)}`).join(', or ')}. ` +
        'Raised by Prometheus from the rules of `slo-ledger rules`; `slo-ledger alerts` shows the ledger\'s own figures.',
    },
  };
}

/** ` tenant=acme` for a group's alert, nothing for the SLO's own: Go templates over the alert's labels. */
function groupTemplate(slo: SloDefinition): string {
  return (slo.groupBy ?? []).map((label) => `{{ with $labels.${seriesLabel(label)} }} ${label}={{ . }}{{ end }}`).join('');
}

/** The comment above an SLO's group: what it measures and the policy it pages on. */
function describeGroup(slo: SloDefinition, policy: readonly BurnRateRule[]): string {
  const grouped = slo.groupBy === undefined ? '' : `, per ${slo.groupBy.join(', ')} and as a whole`;
  const rules = policy.map((rule) => `${rule.severity} ${rule.factor}× over ${formatDuration(rule.longWindowMs)} and ${formatDuration(rule.shortWindowMs)}`);
  return ` ${slo.name} (${slo.service}): ${formatPercent(slo.objectiveRatio)} over ${formatDuration(slo.windowMs)}${grouped}; ${rules.join('; ')}`;
}

function formatPercent(ratio: number): string {
  return `${Number((ratio * 100).toPrecision(12))}%`;
}

/** A PromQL string literal (SLO names are [a-z0-9-]+, but a quote must never end the selector). */
function promString(text: string): string {
  return JSON.stringify(text);
}
