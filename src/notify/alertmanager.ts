import type { AlertNotification } from '../domain/alert-notification.js';
import type { BurnRateSeverity } from '../domain/burn-rate.js';
import { formatDuration } from '../domain/duration.js';
import type { GroupLabels, SloAlerting } from '../domain/slo.js';
import { formatBudget, formatBurn, formatDurationMs } from '../report/format.js';

/** How alerts are labelled and timed for Alertmanager (from the `alertmanager` section). */
export interface AlertmanagerTarget {
  labels: Readonly<Record<string, string>>;
  severity: { page: string; ticket: string; noData: string };
  runbookUrl?: string;
  expireAfterMs: number;
  /** Each SLO's own additions (its `alerting`: labels, annotations, disabled severities), by SLO name. */
  slos?: Readonly<Record<string, SloAlerting>>;
}

/** One alert as Alertmanager's `POST /api/v2/alerts` takes it (the `postableAlert` of its OpenAPI spec). */
export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
}

/** The alert names: one for burn-rate alerts, one for no-data alerts; the severity label tells page from ticket. */
export const ALERTMANAGER_ALERT_NAMES = { 'burn-rate': 'SloBurnRate', 'no-data': 'SloNoData' } as const;

/** Labels slo-ledger sets, which a group label of the same name must not replace: it is prefixed `group_`. */
const OWN_LABELS = new Set(['alertname', 'slo', 'service', 'severity']);

/**
 * The Alertmanager alerts of one notification, at wall-clock `nowMs`. A firing alert ends
 * `expireAfterMs` from now (renewed by every later evaluation while it fires, so a dead
 * slo-ledger lets it expire); a resolved one ends now. A change of severity resolves the alert of
 * the old severity and fires the new one, since Alertmanager tells alerts apart by their labels.
 * A notification about several groups becomes one alert per group.
 */
export function toAlertmanagerAlerts(n: AlertNotification, target: AlertmanagerTarget, nowMs: number): AlertmanagerAlert[] {
  const firing = n.transition !== 'resolved';
  const sloAlerting = target.slos?.[n.slo];
  // The SLO's disabled severities (Sloth's `disable`): a page goes out as a ticket, a ticket not at all.
  const posted = (severity: BurnRateSeverity | null) => postedSeverity(n.kind === 'no-data' ? null : severity, sloAlerting);
  const current = posted(n.severity);
  const previous = (n.transition === 'escalated' || n.transition === 'deescalated') && n.previousSeverity !== null ? posted(n.previousSeverity) : undefined;
  const groups: Array<GroupLabels | undefined> = n.groups === undefined ? [undefined] : n.groups.map((g) => g.labels);
  const alerts: AlertmanagerAlert[] = [];
  for (const [index, group] of groups.entries()) {
    const figures = n.groups?.[index];
    const base = { n, group, target, sloAlerting, budgetRemaining: figures === undefined ? n.budgetRemainingRatio : figures.budgetRemainingRatio, burn: figures === undefined ? n.rule?.longBurnRate ?? null : figures.longBurnRate };
    if (current !== undefined) alerts.push(alertOf({ ...base, severity: current, endsAtMs: firing ? nowMs + target.expireAfterMs : nowMs }));
    // A change between a page posted as a ticket and a ticket is no change at Alertmanager.
    if (previous !== undefined && previous !== current) alerts.push(alertOf({ ...base, severity: previous, endsAtMs: nowMs }));
  }
  return alerts;
}

/**
 * The severity an alert is posted with, or undefined when the SLO does not want it posted: with
 * `page.disable` a page alert goes out as a ticket (unless tickets are disabled too), with
 * `ticket.disable` a ticket alert does not go out; with both, no alert of the SLO does (no-data
 * included). No-data alerts (severity null) are posted otherwise.
 */
function postedSeverity(severity: BurnRateSeverity | null, alerting: SloAlerting | undefined): BurnRateSeverity | null | undefined {
  const pageOff = alerting?.page?.disable === true;
  const ticketOff = alerting?.ticket?.disable === true;
  if (severity === null) return pageOff && ticketOff ? undefined : null;
  if (severity === 'page' && pageOff) return ticketOff ? undefined : 'ticket';
  if (severity === 'ticket' && ticketOff) return undefined;
  return severity;
}

interface AlertParts {
  n: AlertNotification;
  group: GroupLabels | undefined;
  target: AlertmanagerTarget;
  sloAlerting: SloAlerting | undefined;
  severity: BurnRateSeverity | null;
  budgetRemaining: number | null;
  burn: number | null;
  endsAtMs: number;
}

function alertOf({ n, group, target, sloAlerting, severity, budgetRemaining, burn, endsAtMs }: AlertParts): AlertmanagerAlert {
  // Static labels, then the SLO's, then its severity's; group labels and slo-ledger's own last, so
  // neither can be replaced (config check refuses the own names in an SLO's labels anyway).
  const severityAlerting = severity === 'page' ? sloAlerting?.page : severity === 'ticket' ? sloAlerting?.ticket : undefined;
  const labels: Record<string, string> = { ...target.labels, ...sloAlerting?.labels, ...severityAlerting?.labels };
  for (const [name, value] of Object.entries(group ?? {})) labels[OWN_LABELS.has(name) ? `group_${name}` : name] = value;
  Object.assign(labels, {
    alertname: ALERTMANAGER_ALERT_NAMES[n.kind],
    slo: n.slo,
    service: n.service,
    severity: n.kind === 'no-data' ? target.severity.noData : severity === 'page' ? target.severity.page : target.severity.ticket,
  });
  const who = group === undefined ? `${n.slo} (${n.service})` : `${n.slo} (${n.service}) ${Object.entries(group).map(([l, v]) => `${l}=${v}`).join(',')}`;
  const annotations: Record<string, string> = {
    summary: n.kind === 'no-data' ? `${who}: no data` : `${who} is burning its error budget${burn === null ? '' : ` at ${formatBurn(burn)}`}`,
    description: describe(n, burn),
  };
  if (budgetRemaining !== null) annotations.budget_remaining = formatBudget(budgetRemaining);
  if (n.budgetExhaustedInMs !== null && group === undefined) annotations.time_to_exhaustion = n.budgetExhaustedInMs === 0 ? 'spent' : formatDurationMs(n.budgetExhaustedInMs);
  if (n.link !== null) annotations.status_page = n.link;
  if (target.runbookUrl !== undefined) annotations.runbook_url = target.runbookUrl.replaceAll('{slo}', n.slo).replaceAll('{service}', n.service);
  // The SLO's own annotations (a Sloth summary, a runbook) replace slo-ledger's of the same name.
  Object.assign(annotations, sloAlerting?.annotations, severityAlerting?.annotations);
  return {
    labels,
    annotations,
    startsAt: new Date(n.firingSinceMs ?? n.atMs).toISOString(),
    endsAt: new Date(endsAtMs).toISOString(),
    ...(n.link === null ? {} : { generatorURL: n.link }),
  };
}

function describe(n: AlertNotification, burn: number | null): string {
  if (n.kind === 'no-data') return `No data for ${formatDurationMs(n.noDataForMs ?? 0)}: the SLO's queries return nothing, so its budget cannot be tracked.`;
  const rule = n.rule;
  if (rule === null) return `Burn-rate alert of ${n.slo}.`;
  return `Burning its error budget at ${formatBurn(burn)} over ${formatDuration(rule.longWindowMs)} (and ${formatBurn(rule.shortBurnRate)} over ${formatDuration(rule.shortWindowMs)}), ` +
    `above the ${rule.factor}× of its ${rule.severity} rule; objective ${(n.objectiveRatio * 100).toFixed(2)}% over ${formatDuration(n.sloWindowMs)}.`;
}
