import type { ChangeCause, FigureChange, StatedFigures } from '../domain/statement.js';
import { formatBudget, formatCount, formatDurationMs, formatGroupLabels, formatLocalRange, formatLocalTime, formatPercent, formatPointChange, formatSli } from './format.js';

/** Who a change concerns: the SLO, or the SLO and the group's labels. */
export function changeSubject(change: Pick<FigureChange, 'slo' | 'group'>): string {
  return change.group === undefined ? change.slo : `${change.slo} · ${formatGroupLabels(change.group)}`;
}

/** The figures before and after, in one line: "SLI 98.950% → 99.930% (+0.980 pt), tier critical → ok, …". */
export function describeFigures(stated: StatedFigures | null, now: StatedFigures | null): string {
  if (stated === null) return `not in the statement; now SLI ${formatSli(now?.sliRatio)}, tier ${now?.tier ?? '—'}`;
  if (now === null) return `stated SLI ${formatSli(stated.sliRatio)}, tier ${stated.tier}; no longer reported`;
  const delta = stated.sliRatio === null || now.sliRatio === null ? null : now.sliRatio - stated.sliRatio;
  const parts = [
    `SLI ${formatSli(stated.sliRatio)} → ${formatSli(now.sliRatio)} (${formatPointChange(delta, 3)})`,
    stated.tier === now.tier ? `tier ${now.tier}` : `tier ${stated.tier} → ${now.tier}`,
    `budget consumed ${formatBudget(stated.consumedRatio)} → ${formatBudget(now.consumedRatio)}`,
    `events ${formatCount(stated.good)} / ${formatCount(stated.total)} → ${formatCount(now.good)} / ${formatCount(now.total)}`,
  ];
  if (stated.coverageRatio !== now.coverageRatio) parts.push(`coverage ${formatPercent(stated.coverageRatio, 2)} → ${formatPercent(now.coverageRatio, 2)}`);
  return parts.join(', ');
}

/** A cause in words, times in `timeZone`. */
export function describeCause(cause: ChangeCause, timeZone: string): string {
  switch (cause.kind) {
    case 'correction-added':
    case 'correction-deleted':
    case 'correction-changed': {
      const verb = { 'correction-added': 'added', 'correction-deleted': 'deleted', 'correction-changed': 'changed in the config' }[cause.kind];
      const by = cause.by === undefined ? (cause.source === 'config' ? ' (config file)' : '') : ` by ${cause.by.author} at ${formatLocalTime(cause.by.changedAtMs, timeZone)}`;
      const effect = cause.kind === 'correction-deleted' ? 'no longer excludes' : 'excludes';
      return `correction ${cause.id} (${cause.category}: ${cause.reason}) ${verb}${by}; it ${effect} ${formatDurationMs(cause.excludedMs)} of the month: ` +
        `${formatCount(cause.good)} good and ${formatCount(cause.bad)} bad events`;
    }
    case 'reconciliation':
      return `scrape gap ${formatLocalRange(cause.startMs, cause.endMs, timeZone)} reconciled at ${formatLocalTime(cause.reconciledAtMs, timeZone)}: ${formatCount(cause.total)} events booked (${formatCount(cause.total - cause.good)} bad)`;
    case 'late-data':
      return `${formatCount(cause.buckets)} buckets fetched again after the statement (late samples); they now hold ${formatCount(cause.total)} events (${formatCount(cause.total - cause.good)} bad)`;
    case 'definition':
      return cause.text;
  }
}
