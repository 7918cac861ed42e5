import type { GroupLabels, SloDefinition } from '../domain/slo.js';
import { consumedOf, type SloStatus, type StatusWindow } from '../domain/slo-status.js';

const ANSI = { red: '\x1b[31m', yellow: '\x1b[33m', green: '\x1b[32m', dim: '\x1b[2m', reset: '\x1b[0m' };

/** Groups of one SLO the table shows in full (the worst by budget consumed); the rest are counted. */
export const TABLE_GROUPS = 5;

function percent(ratio: number | null, digits: number): string {
  return ratio === null ? '—' : `${(ratio * 100).toFixed(digits)}%`;
}

function burn(rate: number | null): string {
  return rate === null ? '—' : `${rate.toFixed(2)}×`;
}

/** `endpoint=/api/v1/convert,tenant=acme`. */
export function formatGroupLabels(labels: GroupLabels): string {
  return Object.entries(labels).map(([label, value]) => `${label}=${value}`).join(',');
}

function windowRow(name: string, slo: SloDefinition, w: StatusWindow): string[] {
  const p95 = w.p95Seconds !== undefined ? `  p95 ${w.p95Seconds === null ? '—' : `${w.p95Seconds.toFixed(3)}s`}` : '';
  return [
    name,
    w.window,
    percent(w.sliRatio, 3) + (w.raw === undefined ? '' : ` (raw ${percent(w.raw.sliRatio, 3)})`) + p95,
    percent(slo.objectiveRatio, 2),
    percent(w.errorBudget.remainingRatio, 1),
    burn(w.burnRate),
    w.tier,
    percent(w.coverageRatio, 1),
    `${Math.round(w.total - w.good)} bad / ${Math.round(w.total)}`,
  ];
}

/**
 * A readable terminal table of every SLO and window; colour only when `colour` (a TTY). A grouped
 * SLO's rows are followed by its worst groups (by budget consumed in the last window) and a count
 * of the others.
 */
export function formatStatusTable(statuses: readonly SloStatus[], colour: boolean): string {
  const header = ['SLO', 'WINDOW', 'SLI', 'OBJECTIVE', 'BUDGET LEFT', 'BURN', 'TIER', 'COVERAGE', 'EVENTS'];
  const rows: string[][] = [];
  for (const { slo, windows, groups } of statuses) {
    for (const w of windows) rows.push(windowRow(slo.name, slo, w));
    if (groups === undefined) continue;
    const worst = [...groups].sort((a, b) => consumedOf(b.windows[b.windows.length - 1]) - consumedOf(a.windows[a.windows.length - 1]));
    for (const group of worst.slice(0, TABLE_GROUPS)) {
      for (const w of group.windows) rows.push(windowRow(`  ${formatGroupLabels(group.labels)}`, slo, w));
    }
    if (groups.length > TABLE_GROUPS) rows.push([`  … ${groups.length - TABLE_GROUPS} more groups of ${slo.name} (--format json or csv lists them)`, '', '', '', '', '', '', '', '']);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[1] === '' && i === 0 ? 0 : r[i]!.length))));
  const line = (cells: string[]) => (cells[1] === '' ? cells[0]! : cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
  const paint = (text: string, tier: string) => {
    if (!colour || tier === '') return text;
    const code = tier === 'critical' ? ANSI.red : tier === 'warning' ? ANSI.yellow : ANSI.green;
    return `${code}${text}${ANSI.reset}`;
  };
  return [colour ? `${ANSI.dim}${line(header)}${ANSI.reset}` : line(header), ...rows.map((r) => paint(line(r), r[6]!))].join('\n') + '\n';
}

/**
 * The same figures as CSV (RFC 4180), one row per SLO and window, fractions not percents. When an
 * SLO has groups, one column per group label follows `service`; the SLO's own rows leave them empty.
 */
export function formatStatusCsv(statuses: readonly SloStatus[]): string {
  const labels = [...new Set(statuses.flatMap((s) => (s.groups === undefined ? [] : (s.slo.groupBy ?? []))))];
  // Corrected figures get the raw ones in four more columns, only when a correction touched a window.
  const corrected = statuses.some((s) => [...s.windows, ...(s.groups ?? []).flatMap((g) => g.windows)].some((w) => w.raw !== undefined));
  const header = ['slo', 'service', ...labels.map((l) => `label_${l}`), 'window', 'start', 'end', 'good', 'total', 'sli', 'objective', 'budget_allowed',
    'budget_consumed', 'budget_remaining', 'burn_rate', 'tier', 'coverage', 'objective_met', 'p95_seconds',
    ...(corrected ? ['excluded', 'raw_good', 'raw_total', 'raw_sli'] : [])].join(',');
  const cell = (v: unknown) => {
    if (v === null || v === undefined) return '';
    const text = String(v);
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const row = (slo: SloDefinition, group: GroupLabels | undefined, w: StatusWindow) =>
    [
      slo.name, slo.service, ...labels.map((l) => group?.[l]), w.window, new Date(w.startMs).toISOString(), new Date(w.endMs).toISOString(),
      w.good, w.total, w.sliRatio, slo.objectiveRatio, w.errorBudget.allowed, w.errorBudget.consumedRatio,
      w.errorBudget.remainingRatio, w.burnRate, w.tier, w.coverageRatio, w.objectiveMet, w.p95Seconds,
      ...(corrected ? [w.excludedRatio ?? 0, w.raw?.good ?? w.good, w.raw?.total ?? w.total, w.raw === undefined ? w.sliRatio : w.raw.sliRatio] : []),
    ].map(cell).join(',');
  const rows = statuses.flatMap(({ slo, windows, groups }) => [
    ...windows.map((w) => row(slo, undefined, w)),
    ...(groups ?? []).flatMap((g) => g.windows.map((w) => row(slo, g.labels, w))),
  ]);
  return [header, ...rows].join('\n') + '\n';
}
