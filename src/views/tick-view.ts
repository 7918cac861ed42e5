import type { SyncResult } from '../app/sync-ledger.js';
import type { TickResult } from '../app/tick.js';
import type { DeliveryRound } from '../notify/outbox-delivery.js';
import { formatInstant } from '../report/format.js';

/** What `slo-ledger sync` prints: one line per SLO, then the instant synced to. */
export function describeSync(result: SyncResult): string {
  const lines = result.slos.map((s) => {
    const state = s.error ? 'FAILED' : s.noSeries ? 'ok, but its queries match no series' : 'ok';
    return `${s.slo}: ${state}, ${s.fetchedBuckets} buckets fetched, ${s.reconciledGaps} gaps reconciled, ${s.missingBuckets} missing`;
  });
  lines.push(`synced to ${formatInstant(result.atMs)} in ${result.durationMs} ms`);
  return `${lines.join('\n')}\n`;
}

/** One line per delivery of a round, for the commands' output. */
export function describeRound(round: DeliveryRound): string {
  const lines = [
    ...round.sent.map((e) => `${e.id} ${e.key}: sent (attempt ${e.attempts})`),
    ...round.retrying.map((e) => `${e.id} ${e.key}: failed (${e.lastError}); next attempt ${formatInstant(e.nextAttemptMs)}`),
    ...round.failed.map((e) => `${e.id} ${e.key}: FAILED for good (${e.lastError})`),
  ];
  return lines.length === 0 ? 'nothing to deliver\n' : `${lines.join('\n')}\n`;
}

/** What `slo-ledger tick` prints: the monthly report check, the failed steps and the deliveries. */
export function describeTick(result: TickResult): string {
  const lines: string[] = [];
  const monthly = result.monthly;
  if (monthly?.kind === 'nothing-due') lines.push('monthly report: none due');
  else if (monthly?.kind === 'already-produced') lines.push(`monthly report ${monthly.due.name}: already produced ${formatInstant(monthly.produced.producedMs)}`);
  else if (monthly?.kind === 'would-produce') lines.push(`monthly report ${monthly.due.name}: due since ${formatInstant(monthly.due.dueMs)} (dry run: not produced)`);
  else if (monthly?.kind === 'produced') lines.push(`monthly report ${monthly.due.name}: produced (${monthly.produced.paths.join(', ')})`);
  for (const e of result.errors) lines.push(`${e.step}: FAILED: ${e.error}`);
  const text = `${lines.join('\n')}\n`;
  return result.delivery === undefined ? text : text + describeRound(result.delivery);
}
