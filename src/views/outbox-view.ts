import type { OutboxEntry } from '../ledger/outbox-store.js';
import { formatInstant, formatInstantOrNull } from '../report/format.js';

/** An entry as `outbox list --format json` prints it: everything but the payload (it can hold a whole PDF). */
export function toOutboxJson(entry: OutboxEntry): Record<string, unknown> {
  return {
    id: entry.id,
    key: entry.key,
    channel: entry.channel,
    status: entry.status,
    attempts: entry.attempts,
    next_attempt: entry.status === 'pending' ? formatInstant(entry.nextAttemptMs) : null,
    deadline: formatInstant(entry.deadlineMs),
    last_error: entry.lastError,
    created: formatInstant(entry.createdMs),
    sent: formatInstantOrNull(entry.sentMs),
  };
}

/** The outbox as an aligned text table, newest first (as given). */
export function formatOutboxTable(entries: readonly OutboxEntry[]): string {
  if (entries.length === 0) return 'the outbox is empty\n';
  const header = ['ID', 'KEY', 'CHANNEL', 'STATUS', 'ATTEMPTS', 'NEXT ATTEMPT / SENT', 'LAST ERROR'];
  const rows = entries.map((e) => [
    String(e.id),
    e.key,
    e.channel,
    e.status,
    String(e.attempts),
    e.status === 'pending' ? formatInstant(e.nextAttemptMs) : e.status === 'sent' ? (formatInstantOrNull(e.sentMs) ?? '') : '',
    (e.lastError ?? '').replace(/\s+/g, ' ').slice(0, 120),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
