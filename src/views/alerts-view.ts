import type { AlertRecord } from '../domain/alert-state.js';
import { groupKey, type GroupLabels } from '../domain/slo.js';
import { formatDuration } from '../domain/duration.js';
import type { SloAlertAssessment } from '../app/assess-alerts.js';
import { formatBudget, formatBurn, formatDurationMs, formatInstantOrNull, formatPercent } from '../report/format.js';

/** `alerts --format json`: per SLO (and per group of a grouped SLO), the stored alert states, the decision at the instant, and every rule's windows. */
export function toAlertsJson(atMs: number, assessments: readonly SloAlertAssessment[], records: readonly AlertRecord[]): unknown {
  const stored = (slo: string, kind: AlertRecord['kind'], group: GroupLabels | undefined) => {
    const key = group === undefined ? '' : groupKey(group);
    const r = records.find((x) => x.slo === slo && x.kind === kind && (x.group === undefined ? '' : groupKey(x.group)) === key);
    return r === undefined
      ? null
      : {
          phase: r.phase, severity: r.severity, firing_since: formatInstantOrNull(r.firingSinceMs), last_notified: formatInstantOrNull(r.lastNotifiedMs),
          resolved: formatInstantOrNull(r.resolvedMs), evaluated: formatInstantOrNull(r.evaluatedMs), observed: r.observed,
        };
  };
  const alertsOf = (a: Omit<SloAlertAssessment, 'groups'>, group?: GroupLabels) => ({
    burn_rate_alert: { state: a.decision.state, severity: a.decision.severity, stored: stored(a.slo.name, 'burn-rate', group) },
    no_data_alert: {
      state: a.noDataObservation.state === 'firing' ? 'firing' : a.noDataObservation.state === 'unknown' ? 'unknown' : 'inactive',
      missing_for_seconds: a.noDataForMs === null ? null : a.noDataForMs / 1000,
      stored: stored(a.slo.name, 'no-data', group),
    },
    budget_remaining: a.budgetRemainingRatio,
    rules: a.decision.rules.map((r) => ({
      severity: r.rule.severity,
      long_window: formatDuration(r.rule.longWindowMs),
      short_window: formatDuration(r.rule.shortWindowMs),
      factor: r.rule.factor,
      long: { burn_rate: r.long.burnRate, coverage: r.long.coverageRatio },
      short: { burn_rate: r.short.burnRate, coverage: r.short.coverageRatio },
      state: r.firing ? 'firing' : r.unknown ? 'unknown' : 'inactive',
    })),
    windows: a.windows.map((w) => ({ window: w.window, burn_rate: w.burnRate, coverage: w.coverageRatio, total: w.total })),
  });
  return {
    at: formatInstantOrNull(atMs),
    slos: assessments.map((a) => ({
      name: a.slo.name,
      service: a.slo.service,
      objective: a.slo.objectiveRatio,
      ...alertsOf(a),
      ...(a.groups === undefined ? {} : { groups: a.groups.map((g) => ({ labels: { ...g.labels }, ...alertsOf(g, g.labels) })) }),
    })),
  };
}

/** `alerts --format table`: per SLO a state line, then one row per rule with both windows' burn against the factor. */
export function formatAlertsTable(atMs: number, assessments: readonly SloAlertAssessment[], records: readonly AlertRecord[]): string {
  const lines = [`alerts at ${new Date(atMs).toISOString()}`];
  for (const a of assessments) {
    const burn = records.find((r) => r.slo === a.slo.name && r.group === undefined && r.kind === 'burn-rate');
    const noData = records.find((r) => r.slo === a.slo.name && r.group === undefined && r.kind === 'no-data');
    const now = a.decision.state === 'firing' ? `FIRING (${a.decision.severity})` : a.decision.state;
    const since = burn?.phase === 'firing' && burn.firingSinceMs !== null ? `, firing since ${formatInstantOrNull(burn.firingSinceMs)}` : '';
    const missing = a.noDataForMs === null ? 'unknown' : a.noDataForMs === 0 ? 'no' : formatDurationMs(a.noDataForMs);
    lines.push('');
    lines.push(`${a.slo.name} (${a.slo.service}): burn-rate ${now}; stored ${burn?.phase ?? 'inactive'}${since}; ` +
      `budget remaining ${formatBudget(a.budgetRemainingRatio)}; missing data: ${missing}${noData?.phase === 'firing' ? ' (NO-DATA FIRING)' : ''}`);
    const rows = [['severity', 'long', 'burn', 'coverage', 'short', 'burn', 'coverage', 'factor', 'state']];
    for (const r of a.decision.rules) {
      rows.push([
        r.rule.severity, formatDuration(r.rule.longWindowMs), formatBurn(r.long.burnRate), formatPercent(r.long.coverageRatio, 0),
        formatDuration(r.rule.shortWindowMs), formatBurn(r.short.burnRate), formatPercent(r.short.coverageRatio, 0),
        formatBurn(r.rule.factor), r.firing ? 'FIRING' : r.unknown ? 'unknown' : 'ok',
      ]);
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
    for (const row of rows) lines.push(`  ${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()}`);
    if (a.groups !== undefined) lines.push(describeGroups(a.groups));
  }
  return `${lines.join('\n')}\n`;
}

/** One line on a grouped SLO's groups: how many fire, and which (the first ten, worst burn first). */
function describeGroups(groups: NonNullable<SloAlertAssessment['groups']>): string {
  const firing = groups.filter((g) => g.decision.state === 'firing').sort((a, b) => (b.windows[0]?.burnRate ?? 0) - (a.windows[0]?.burnRate ?? 0));
  const noData = groups.filter((g) => g.noDataObservation.state === 'firing').length;
  const named = firing.slice(0, 10).map((g) => `${Object.entries(g.labels).map(([l, v]) => `${l}=${v}`).join(',')} (${g.decision.severity})`);
  const more = firing.length > 10 ? `, and ${firing.length - 10} more` : '';
  return `  groups: ${firing.length} of ${groups.length} burning${firing.length > 0 ? `: ${named.join(', ')}${more}` : ''}; ${noData} without data`;
}
