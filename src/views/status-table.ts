import type { SloStatus } from '../domain/slo-status.js';

const ANSI = { red: '\x1b[31m', yellow: '\x1b[33m', green: '\x1b[32m', dim: '\x1b[2m', reset: '\x1b[0m' };

function percent(ratio: number | null, digits: number): string {
  return ratio === null ? '—' : `${(ratio * 100).toFixed(digits)}%`;
}

function burn(rate: number | null): string {
  return rate === null ? '—' : `${rate.toFixed(2)}×`;
}

/** A readable terminal table of every SLO and window; colour only when `colour` (a TTY). */
export function formatStatusTable(statuses: readonly SloStatus[], colour: boolean): string {
  const header = ['SLO', 'WINDOW', 'SLI', 'OBJECTIVE', 'BUDGET LEFT', 'BURN', 'TIER', 'COVERAGE', 'EVENTS'];
  const rows: string[][] = [];
  for (const { slo, windows } of statuses) {
    for (const w of windows) {
      const p95 = w.p95Seconds !== undefined ? `  p95 ${w.p95Seconds === null ? '—' : `${w.p95Seconds.toFixed(3)}s`}` : '';
      rows.push([
        slo.name,
        w.window,
        percent(w.sliRatio, 3) + p95,
        percent(slo.objectiveRatio, 2),
        percent(w.errorBudget.remainingRatio, 1),
        burn(w.burnRate),
        w.tier,
        percent(w.coverageRatio, 1),
        `${Math.round(w.total - w.good)} bad / ${Math.round(w.total)}`,
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const paint = (text: string, tier: string) => {
    if (!colour) return text;
    const code = tier === 'critical' ? ANSI.red : tier === 'warning' ? ANSI.yellow : ANSI.green;
    return `${code}${text}${ANSI.reset}`;
  };
  return [colour ? `${ANSI.dim}${line(header)}${ANSI.reset}` : line(header), ...rows.map((r) => paint(line(r), r[6]!))].join('\n') + '\n';
}

/** The same figures as CSV (RFC 4180), one row per SLO and window, fractions not percents. */
export function formatStatusCsv(statuses: readonly SloStatus[]): string {
  const header = 'slo,service,window,start,end,good,total,sli,objective,budget_allowed,budget_consumed,budget_remaining,burn_rate,tier,coverage,objective_met,p95_seconds';
  const cell = (v: unknown) => {
    if (v === null || v === undefined) return '';
    const text = String(v);
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const rows = statuses.flatMap(({ slo, windows }) =>
    windows.map((w) =>
      [
        slo.name, slo.service, w.window, new Date(w.startMs).toISOString(), new Date(w.endMs).toISOString(),
        w.good, w.total, w.sliRatio, slo.objectiveRatio, w.errorBudget.allowed, w.errorBudget.consumedRatio,
        w.errorBudget.remainingRatio, w.burnRate, w.tier, w.coverageRatio, w.objectiveMet, w.p95Seconds,
      ].map(cell).join(','),
    ),
  );
  return [header, ...rows].join('\n') + '\n';
}
