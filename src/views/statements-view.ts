import type { StatementDiff } from '../app/statements.js';
import type { ChangeCause, StatedFigures, Statement } from '../domain/statement.js';
import { formatInstant, formatLocalTime } from '../report/format.js';
import { changeSubject, describeCause, describeFigures } from '../report/statement-text.js';

/** A statement's head as JSON: which version, what kind, when, its hashes and its mail. */
export function toStatementJson(statement: Statement, withFigures: boolean): Record<string, unknown> {
  return {
    month: statement.month,
    version: statement.version,
    kind: statement.kind,
    produced_at: formatInstant(statement.producedMs),
    content_hash: statement.contentHash,
    message_id: statement.messageId,
    files: statement.files,
    ...(withFigures
      ? {
          slos: statement.slos.map((s) => ({
            slo: s.slo,
            ...figuresJson(s),
            ...(s.groups === undefined ? {} : { groups: s.groups.map((g) => ({ labels: { ...g.labels }, ...figuresJson(g) })) }),
          })),
          corrections: statement.corrections.map((c) => ({ id: c.id, source: c.source, category: c.category, reason: c.reason })),
        }
      : {}),
  };
}

function figuresJson(f: StatedFigures): Record<string, unknown> {
  return { good: f.good, total: f.total, sli: f.sliRatio, consumed: f.consumedRatio, coverage: f.coverageRatio, tier: f.tier };
}

/** `statements diff --format json`: the statement, whether the figures changed, and each change with its causes. */
export function toStatementDiffJson(diff: StatementDiff, timeZone: string): Record<string, unknown> {
  return {
    month: diff.statement.month,
    statement: toStatementJson(diff.statement, false),
    content_hash_now: diff.contentHash,
    changed: diff.changes.length > 0 || diff.contentHash !== diff.statement.contentHash,
    changes: diff.changes.map((c) => ({
      slo: c.slo,
      ...(c.group === undefined ? {} : { group: { ...c.group } }),
      stated: c.stated === null ? null : figuresJson(c.stated),
      now: c.now === null ? null : figuresJson(c.now),
      delta:
        c.stated === null || c.now === null
          ? null
          : {
              good: c.now.good - c.stated.good,
              total: c.now.total - c.stated.total,
              bad: c.now.total - c.now.good - (c.stated.total - c.stated.good),
              sli: c.now.sliRatio === null || c.stated.sliRatio === null ? null : c.now.sliRatio - c.stated.sliRatio,
            },
      causes: c.causes.map((cause) => ({ ...causeJson(cause), text: describeCause(cause, timeZone) })),
    })),
  };
}

function causeJson(cause: ChangeCause): Record<string, unknown> {
  switch (cause.kind) {
    case 'reconciliation':
      return { kind: cause.kind, start: formatInstant(cause.startMs), end: formatInstant(cause.endMs), good: cause.good, total: cause.total, reconciled_at: formatInstant(cause.reconciledAtMs) };
    case 'late-data':
      return { kind: cause.kind, buckets: cause.buckets, good: cause.good, total: cause.total };
    case 'definition':
      return { kind: cause.kind };
    default:
      return {
        kind: cause.kind, id: cause.id, source: cause.source, category: cause.category, reason: cause.reason,
        author: cause.by?.author ?? null, at: cause.by === undefined ? null : formatInstant(cause.by.changedAtMs),
        excluded_ms: cause.excludedMs, good: cause.good, bad: cause.bad,
      };
  }
}

/** `statements diff`: the statement, then each changed figure with why. */
export function formatStatementDiff(diff: StatementDiff, timeZone: string): string {
  const { statement } = diff;
  const lines = [`${statement.month}: ${describeStatement(statement, timeZone)}`];
  if (diff.changes.length === 0) {
    lines.push('unchanged: the figures now equal the statement');
    return `${lines.join('\n')}\n`;
  }
  lines.push(`changed since: ${diff.changes.length === 1 ? 'one figure' : `${diff.changes.length} figures`} (sha256 now ${diff.contentHash.slice(0, 12)}…); mail a restatement with \`slo-ledger report --month ${statement.month} --email --restate\``);
  for (const change of diff.changes) {
    lines.push('', changeSubject(change), `  ${describeFigures(change.stated, change.now)}`);
    if (change.causes.length === 0) lines.push('  because: no recorded cause');
    for (const cause of change.causes) lines.push(`  because: ${describeCause(cause, timeZone)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** "statement version 1 (original), produced 2026-11-01 06:00 Europe/Berlin, sha256 1a2b3c4d5e6f…". */
export function describeStatement(statement: Statement, timeZone: string): string {
  return `statement version ${statement.version} (${statement.kind}), produced ${formatLocalTime(statement.producedMs, timeZone)} ${timeZone}, sha256 ${statement.contentHash.slice(0, 12)}…` +
    (statement.messageId === null ? ', not mailed' : `, mailed as ${statement.messageId}`);
}

/** `statements list`: one line per stated month, its latest version. */
export function formatStatementList(statements: readonly Statement[], timeZone: string): string {
  if (statements.length === 0) return 'no statements yet: a month is stated when its monthly report is produced (the schedule, or report --month M --email)\n';
  return statements.map((s) => `${s.month}  ${describeStatement(s, timeZone)}\n`).join('');
}
