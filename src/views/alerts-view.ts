import type { AlertRecord } from '../domain/alert-state.js';
import { formatDuration } from '../domain/duration.js';
import type { SloAlertAssessment } from '../app/assess-alerts.js';
import { formatBudget, formatBurn, formatDurationMs, formatInstantOrNull, formatPercent } from '../report/format.js';

/** `alerts --format json`: per SLO, the stored alert states, the decision at the instant, and every rule's windows. */
export function toAlertsJson(atMs: number, assessments: readonly SloAlertAssessment[], records: readonly AlertRecord[]): unknown {
  const stored = (slo: string, kind: AlertRecord['kind']) => {
    const r = records.find((x) => x.slo === slo && x.kind === kind);
    return r === undefined
      ? null
      : {
          phase: r.phase, severity: r.severity, firing_since: formatInstantOrNull(r.firingSinceMs), last_notified: formatInstantOrNull(r.lastNotifiedMs),
          resolved: formatInstantOrNull(r.resolvedMs), evaluated: formatInstantOrNull(r.evaluatedMs), observed: r.observed,
        };
  };
  return {
    at: formatInstantOrNull(atMs),
    slos: assessments.map((a) => ({
      name: a.slo.name,
      service: a.slo.service,
      objective: a.slo.objectiveRatio,
      burn_rate_alert: { state: a.decision.state, severity: a.decision.severity, stored: stored(a.slo.name, 'burn-rate') },
      no_data_alert: {
        state: a.noDataObservation.state === 'firing' ? 'firing' : a.noDataObservation.state === 'unknown' ? 'unknown' : 'inactive',
        missing_for_seconds: a.noDataForMs === null ? null : a.noDataForMs / 1000,
        stored: stored(a.slo.name, 'no-data'),
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
    })),
  };
}

/** `alerts --format table`: per SLO a state line, then one row per rule with both windows' burn against the factor. */
export function formatAlertsTable(atMs: number, assessments: readonly SloAlertAssessment[], records: readonly AlertRecord[]): string {
  const lines = [`alerts at ${new Date(atMs).toISOString()}`];
  for (const a of assessments) {
    const burn = records.find((r) => r.slo === a.slo.name && r.kind === 'burn-rate');
    const noData = records.find((r) => r.slo === a.slo.name && r.kind === 'no-data');
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
  }
  return `${lines.join('\n')}\n`;
}
