import type { DeleteOutcome, ListedCorrection } from '../app/correction-request.js';
import { excludedRuns, type Correction } from '../domain/correction.js';
import { BUCKET_MS, formatDuration } from '../domain/duration.js';
import type { CorrectionHistoryEntry, StoredCorrection } from '../ledger/correction-store.js';
import { formatInstant } from '../report/format.js';


/**
 * The period a correction takes out of the budget: for a one-off, its bounds widened outward to
 * whole 5-minute buckets (what the figures leave out); for a recurring one, its rule and duration.
 */
export function effectivePeriod(correction: Correction, timeZone: string): { from: string; to: string } | { every: string; duration: string; time_zone: string } {
  const { timing } = correction;
  if (timing.kind === 'recurring') return { every: timing.rule.replace(/^RRULE:/, ''), duration: formatDuration(timing.durationMs), time_zone: timeZone };
  const [run] = excludedRuns([correction], timing.fromMs - BUCKET_MS, timing.toMs + BUCKET_MS, timeZone);
  // A one-off correction is one interval, so one run of buckets; each bucket ends at its end instant.
  return run === undefined
    ? { from: formatInstant(timing.fromMs), to: formatInstant(timing.toMs) }
    : { from: formatInstant(run.firstEndMs - BUCKET_MS), to: formatInstant(run.lastEndMs) };
}

/** One correction as `--format json` prints it. */
export function toCorrectionJson(listed: ListedCorrection, timeZone: string): Record<string, unknown> {
  const stored = listed.source === 'ledger' ? listed.correction : undefined;
  return {
    id: listed.correction.id,
    source: listed.source,
    ...correctionFields(listed.correction, timeZone),
    author: stored?.author ?? null,
    created: stored === undefined ? null : formatInstant(stored.createdMs),
    deleted:
      stored?.deleted === undefined
        ? null
        : { by: stored.deleted.author, at: formatInstant(stored.deleted.atMs), reason: stored.deleted.reason ?? null },
  };
}

/** What a correction says, as JSON: scope, category, reason, timing as given, and the period it excludes. */
function correctionFields(c: Correction, timeZone: string): Record<string, unknown> {
  return {
    scope: { ...c.scope },
    category: c.category,
    reason: c.reason,
    timing:
      c.timing.kind === 'once'
        ? { kind: 'once', from: formatInstant(c.timing.fromMs), to: formatInstant(c.timing.toMs) }
        : { kind: 'recurring', every: c.timing.rule.replace(/^RRULE:/, ''), duration: formatDuration(c.timing.durationMs) },
    excluded: effectivePeriod(c, timeZone),
  };
}

/** The corrections as an aligned text table. */
export function formatCorrectionsTable(listed: readonly ListedCorrection[], timeZone: string): string {
  if (listed.length === 0) return 'no corrections\n';
  const header = ['ID', 'SOURCE', 'SCOPE', 'CATEGORY', 'EXCLUDED', 'AUTHOR', 'REASON'];
  const rows = listed.map((l) => [
    l.correction.id,
    l.source,
    describeScope(l.correction),
    l.correction.category,
    describePeriod(l.correction, timeZone),
    l.source === 'ledger' ? l.correction.author : '',
    l.correction.reason.replace(/\s+/g, ' '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

/** One correction in full, its audit trail included (`corrections show`). */
export function formatCorrection(listed: ListedCorrection, timeZone: string): string {
  const { correction: c } = listed;
  const lines = [
    `correction ${c.id} (${listed.source === 'config' ? 'from the config file' : 'stored in the ledger'})`,
    `  scope:     ${describeScope(c)}`,
    `  category:  ${c.category}`,
    `  reason:    ${c.reason}`,
    `  excluded:  ${describePeriod(c, timeZone)}`,
  ];
  if (listed.source === 'ledger') {
    const s = listed.correction;
    lines.push(`  added:     by ${s.author} at ${formatInstant(s.createdMs)}`);
    lines.push(
      s.deleted === undefined
        ? '  status:    active'
        : `  status:    deleted by ${s.deleted.author} at ${formatInstant(s.deleted.atMs)}${s.deleted.reason === undefined ? '' : ` (${s.deleted.reason})`}`,
    );
  } else {
    lines.push('  status:    active (edit the config file to change it)');
  }
  return `${lines.join('\n')}\n`;
}

/** The audit trail as `--format json` prints it. */
export function toHistoryJson(entry: CorrectionHistoryEntry, timeZone: string): Record<string, unknown> {
  return {
    id: entry.id,
    action: entry.action,
    author: entry.author,
    at: formatInstant(entry.atMs),
    ...(entry.reason === undefined ? {} : { reason: entry.reason }),
    correction: correctionFields(entry.correction, timeZone),
  };
}

/** The audit trail as text, oldest first. */
export function formatHistory(entries: readonly CorrectionHistoryEntry[], timeZone: string): string {
  if (entries.length === 0) return 'no corrections were added at run time\n';
  return entries
    .map((e) => {
      const why = e.action === 'add' ? e.correction.reason : (e.reason ?? '');
      return `${formatInstant(e.atMs)}  ${e.action.padEnd(6)} ${e.id.padEnd(5)} by ${e.author}: ${describeScope(e.correction)}, ${describePeriod(e.correction, timeZone)}${why === '' ? '' : ` — ${why}`}\n`;
    })
    .join('');
}

function describeScope(c: Correction): string {
  const parts = [
    ...(c.scope.slo === undefined ? [] : [`slo ${c.scope.slo}`]),
    ...(c.scope.service === undefined ? [] : [`service ${c.scope.service}`]),
    ...(c.scope.group === undefined ? [] : [`group ${Object.entries(c.scope.group).map(([k, v]) => `${k}=${v}`).join(',')}`]),
  ];
  return parts.length === 0 ? 'every SLO' : parts.join(' ');
}

function describePeriod(c: Correction, timeZone: string): string {
  const p = effectivePeriod(c, timeZone);
  return 'every' in p ? `every ${p.every} for ${p.duration} (${p.time_zone})` : `${p.from} – ${p.to}`;
}

/** Why a deletion was refused, in words (the CLI and the HTTP API say the same). */
export function deleteRefusalText(id: string, outcome: Extract<DeleteOutcome, { refused: unknown }>): string {
  if (outcome.refused === 'not-found') return `there is no correction ${JSON.stringify(id)} (see \`slo-ledger corrections list\`)`;
  if (outcome.refused === 'from-config') return `${id} comes from the config file; edit the config's corrections section to remove it`;
  const deleted = outcome.listed?.source === 'ledger' ? outcome.listed.correction.deleted : undefined;
  return `${id} was already deleted${deleted === undefined ? '' : ` by ${deleted.author} at ${new Date(deleted.atMs).toISOString()}`}`;
}
