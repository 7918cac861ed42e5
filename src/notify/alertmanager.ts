import type { AlertNotification } from '../domain/alert-notification.js';
import type { BurnRateSeverity } from '../domain/burn-rate.js';
import { formatDuration } from '../domain/duration.js';
import type { GroupLabels } from '../domain/slo.js';
import { formatBudget, formatBurn, formatDurationMs } from '../report/format.js';

/** How alerts are labelled and timed for Alertmanager (from the `alertmanager` section). */
export interface AlertmanagerTarget {
  labels: Readonly<Record<string, string>>;
  severity: { page: string; ticket: string; noData: string };
  runbookUrl?: string;
  expireAfterMs: number;
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
  const groups: Array<GroupLabels | undefined> = n.groups === undefined ? [undefined] : n.groups.map((g) => g.labels);
  const alerts: AlertmanagerAlert[] = [];
  for (const [index, group] of groups.entries()) {
    const figures = n.groups?.[index];
    const base = { n, group, target, budgetRemaining: figures === undefined ? n.budgetRemainingRatio : figures.budgetRemainingRatio, burn: figures === undefined ? n.rule?.longBurnRate ?? null : figures.longBurnRate };
    alerts.push(alertOf({ ...base, severity: n.severity, endsAtMs: firing ? nowMs + target.expireAfterMs : nowMs }));
    if ((n.transition === 'escalated' || n.transition === 'deescalated') && n.previousSeverity !== null) {
      alerts.push(alertOf({ ...base, severity: n.previousSeverity, endsAtMs: nowMs }));
    }
  }
  return alerts;
}

interface AlertParts {
  n: AlertNotification;
  group: GroupLabels | undefined;
  target: AlertmanagerTarget;
  severity: BurnRateSeverity | null;
  budgetRemaining: number | null;
  burn: number | null;
  endsAtMs: number;
}

function alertOf({ n, group, target, severity, budgetRemaining, burn, endsAtMs }: AlertParts): AlertmanagerAlert {
  const labels: Record<string, string> = { ...target.labels };
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
