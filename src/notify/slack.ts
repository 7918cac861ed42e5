import type { AlertNotification } from '../domain/alert-notification.js';
import { formatDuration } from '../domain/duration.js';
import { formatBudget, formatBurn, formatDurationMs, formatInstantOrNull, formatLocalTime } from '../report/format.js';

/** A Slack incoming-webhook message: Block Kit blocks with a plain `text` fallback for notifications. */
export interface SlackMessage {
  text: string;
  blocks: unknown[];
  channel?: string;
}

const EMOJI: Record<string, string> = { page: ':rotating_light:', ticket: ':warning:', 'no-data': ':grey_question:', resolved: ':white_check_mark:' };

/**
 * The headline of a notification, e.g. "[PAGE] api-availability (rendiff-api) is burning its error
 * budget at 50.0× over 1h" or "[RESOLVED] …". Also the `text` fallback's first line.
 */
export function alertHeadline(n: AlertNotification): string {
  if (n.groups !== undefined) return groupsHeadline(n, n.groups.length);
  const severity = (n.severity ?? 'alert').toUpperCase();
  const who = `${n.slo} (${n.service})`;
  if (n.kind === 'no-data') {
    if (n.transition === 'resolved') return `[RESOLVED] ${who}: data is back`;
    return `[NO DATA] ${who}: no data for ${formatDurationMs(n.noDataForMs ?? 0)}`;
  }
  const burn = n.rule ? ` at ${formatBurn(n.rule.longBurnRate)} over ${formatDuration(n.rule.longWindowMs)}` : '';
  switch (n.transition) {
    case 'resolved':
      return `[RESOLVED] ${who}: the ${n.severity ?? ''} burn-rate alert is over`;
    case 'escalated':
    case 'deescalated':
      return `[${severity}] ${who}: ${n.transition} from ${n.previousSeverity ?? 'none'} to ${n.severity ?? 'none'}, burning its error budget${burn}`;
    case 'reminder':
      return `[${severity}] ${who}: still burning its error budget${burn}`;
    default:
      return `[${severity}] ${who} is burning its error budget${burn}`;
  }
}

/** The headline of a notification about several groups of one SLO, e.g. "[PAGE] tenant-availability (api): 40 groups are burning their error budget". */
function groupsHeadline(n: AlertNotification, count: number): string {
  const who = `${n.slo} (${n.service})`;
  const groups = count === 1 ? '1 group' : `${count} groups`;
  if (n.kind === 'no-data') return n.transition === 'resolved' ? `[RESOLVED] ${who}: data is back for ${groups}` : `[NO DATA] ${who}: no data for ${groups}`;
  const severity = (n.severity ?? 'alert').toUpperCase();
  switch (n.transition) {
    case 'resolved':
      return `[RESOLVED] ${who}: the ${n.severity ?? ''} burn-rate alert is over for ${groups}`;
    case 'escalated':
    case 'deescalated':
      return `[${severity}] ${who}: ${groups} ${n.transition} from ${n.previousSeverity ?? 'none'} to ${n.severity ?? 'none'}`;
    case 'reminder':
      return `[${severity}] ${who}: ${groups} still burning their error budget`;
    default:
      return `[${severity}] ${who}: ${groups} ${count === 1 ? 'is' : 'are'} burning ${count === 1 ? 'its' : 'their'} error budget`;
  }
}

/** Groups a notification names one by one; the rest are counted. */
export const NOTIFIED_GROUPS = 10;

/** The groups of a notification, worst first, one line each (`tenant=t20: 50.00× over 1h, budget left −12.0%`), then a count of the rest. */
function groupLines(n: AlertNotification): string {
  const groups = n.groups ?? [];
  const lines = groups.slice(0, NOTIFIED_GROUPS).map((g) => {
    const name = Object.entries(g.labels).map(([label, value]) => `${label}=${value}`).join(',');
    if (n.kind === 'no-data') return `${name}: no data for ${formatDurationMs(g.noDataForMs ?? 0)}`;
    const over = n.rule ? ` over ${formatDuration(n.rule.longWindowMs)}` : '';
    return `${name}: ${formatBurn(g.longBurnRate)}${over}, budget left ${formatBudget(g.budgetRemainingRatio)}`;
  });
  if (groups.length > NOTIFIED_GROUPS) lines.push(`and ${groups.length - NOTIFIED_GROUPS} more`);
  return lines.join('\n');
}

/** The facts of a notification as label/value pairs, shared by the Block Kit fields and the text fallback. */
export function alertFacts(n: AlertNotification, timeZone: string): Array<[string, string]> {
  const facts: Array<[string, string]> = [
    ['SLO', `${n.slo} — objective ${formatObjective(n.objectiveRatio)} over ${formatDuration(n.sloWindowMs)}`],
    ['Service', n.service],
    ['State', n.transition === 'resolved' ? 'resolved' : `firing (${n.kind === 'no-data' ? 'no data' : n.severity ?? ''})`],
  ];
  if (n.rule) {
    const { rule } = n;
    facts.push([
      'Burn rate',
      `${formatBurn(rule.longBurnRate)} over ${formatDuration(rule.longWindowMs)}, ${formatBurn(rule.shortBurnRate)} over ${formatDuration(rule.shortWindowMs)} ` +
        `(${rule.severity} above ${formatBurn(rule.factor)} over both)`,
    ]);
  }
  if (n.kind === 'burn-rate') {
    facts.push(['Budget remaining', `${formatBudget(n.budgetRemainingRatio)} of the ${formatDuration(n.sloWindowMs)} budget`]);
    if (n.transition !== 'resolved') {
      facts.push([
        'Budget exhausted',
        n.budgetExhaustedInMs === null ? '—' : n.budgetExhaustedInMs === 0 ? 'already spent' : `in ${formatDurationMs(n.budgetExhaustedInMs)} at this burn rate`,
      ]);
    }
  }
  if (n.kind === 'no-data' && n.noDataForMs !== null && n.transition !== 'resolved') facts.push(['No data for', formatDurationMs(n.noDataForMs)]);
  if (n.firingSinceMs !== null) {
    facts.push([
      n.transition === 'resolved' ? 'Fired' : 'Firing since',
      n.transition === 'resolved'
        ? `${formatLocalTime(n.firingSinceMs, timeZone)} – ${formatLocalTime(n.atMs, timeZone)} (${formatDurationMs(n.atMs - n.firingSinceMs)})`
        : `${formatLocalTime(n.firingSinceMs, timeZone)} (${formatDurationMs(n.atMs - n.firingSinceMs)})`,
    ]);
  }
  facts.push(['Evaluated at', `${formatLocalTime(n.atMs, timeZone)} ${timeZone}`]);
  if (n.groups !== undefined) facts.push(['Groups', groupLines(n)]);
  return facts;
}

/**
 * The Slack incoming-webhook message of a notification: a header, the facts as fields, a link
 * button to the status page, and the same content as plain `text` (shown in notifications and
 * by clients without Block Kit).
 */
export function formatSlackMessage(n: AlertNotification, timeZone: string, channel?: string): SlackMessage {
  const headline = alertHeadline(n);
  const emoji = n.transition === 'resolved' ? EMOJI.resolved : n.kind === 'no-data' ? EMOJI['no-data'] : EMOJI[n.severity ?? 'ticket'];
  const facts = alertFacts(n, timeZone);
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`${emoji} ${headline}`, 150), emoji: true } },
    { type: 'section', fields: facts.slice(0, 10).map(([label, value]) => ({ type: 'mrkdwn', text: `*${escapeMrkdwn(label)}*\n${escapeMrkdwn(value)}` })) },
  ];
  if (n.description !== '') blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeMrkdwn(truncate(n.description, 2000)) }] });
  if (n.link !== null) {
    blocks.push({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open status page' }, url: n.link }] });
  }
  const text = [headline, ...facts.map(([label, value]) => `${label}: ${value}`), ...(n.link === null ? [] : [n.link])].join('\n');
  return { text, blocks, ...(channel === undefined ? {} : { channel }) };
}

/** The generic JSON webhook body: the notification's data, with ISO instants and a text summary. */
export function formatJsonWebhook(n: AlertNotification): Record<string, unknown> {
  return {
    version: 1,
    type: 'slo-ledger.alert',
    summary: alertHeadline(n),
    slo: n.slo,
    service: n.service,
    alert: n.kind,
    transition: n.transition,
    status: n.transition === 'resolved' ? 'resolved' : 'firing',
    severity: n.severity,
    previous_severity: n.previousSeverity,
    at: formatInstantOrNull(n.atMs),
    firing_since: formatInstantOrNull(n.firingSinceMs),
    objective: n.objectiveRatio,
    slo_window: formatDuration(n.sloWindowMs),
    rule: n.rule === null ? null : {
      severity: n.rule.severity,
      long_window: formatDuration(n.rule.longWindowMs),
      short_window: formatDuration(n.rule.shortWindowMs),
      factor: n.rule.factor,
      long_burn_rate: n.rule.longBurnRate,
      short_burn_rate: n.rule.shortBurnRate,
    },
    budget_remaining: n.budgetRemainingRatio,
    budget_exhausted_in_seconds: n.budgetExhaustedInMs === null ? null : Math.round(n.budgetExhaustedInMs / 1000),
    no_data_for_seconds: n.noDataForMs === null ? null : Math.round(n.noDataForMs / 1000),
    link: n.link,
    ...(n.groups === undefined
      ? {}
      : {
          groups: n.groups.map((g) => ({
            labels: { ...g.labels }, long_burn_rate: g.longBurnRate, short_burn_rate: g.shortBurnRate, budget_remaining: g.budgetRemainingRatio,
            no_data_for_seconds: g.noDataForMs === null ? null : Math.round(g.noDataForMs / 1000),
          })),
        }),
  };
}

function formatObjective(ratio: number): string {
  return `${Number((ratio * 100).toPrecision(12))}%`;
}

/** Slack mrkdwn treats &, < and > as control characters. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
