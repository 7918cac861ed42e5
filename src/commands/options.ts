import { parseListenAddress, type ListenAddress } from '../config/listen-address.js';
import { parseLocalInstant, parseMonth } from '../domain/period.js';
import { parseWindowSpec, type MonthRef, type WindowSpec } from '../domain/window.js';
import type { GroupFilter } from '../domain/slo-status.js';
import { UsageError } from '../errors.js';

/** `--at`: ISO 8601 (a time without offset is read in the configured time zone) or "now". */
export function parseAtOption(text: string | undefined, timeZone: string, nowMs: number): number {
  if (text === undefined || text === 'now') return nowMs;
  const ms = parseLocalInstant(text, timeZone);
  if (ms === undefined) throw new UsageError(`--at: ${JSON.stringify(text)} is not an ISO 8601 time (e.g. 2026-11-01T00:00:00Z)`);
  return ms;
}

/** `--from`, `--to` and `--at` of report files: an ISO 8601 time or date; without an offset, local time in `timeZone`. */
export function parseInstantOption(option: string, text: string, timeZone: string): number {
  const ms = parseLocalInstant(text, timeZone);
  if (ms === undefined) throw new UsageError(`${option}: ${JSON.stringify(text)} is not an ISO 8601 time or date (e.g. 2026-10-01 or 2026-10-01T00:00:00Z)`);
  return ms;
}

/** `--month YYYY-MM`. */
export function parseMonthOption(text: string): MonthRef {
  try {
    return parseMonth(text);
  } catch (error) {
    throw new UsageError(`--month: ${(error as Error).message}`);
  }
}

/** `--windows`: a comma list of rolling windows ("24h,7d,30d") or months ("2026-10"). */
export function parseWindowsOption(text: string): WindowSpec[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      try {
        return parseWindowSpec(part);
      } catch (error) {
        throw new UsageError(`--windows: ${(error as Error).message}`);
      }
    });
}

/** `--listen host:port`. */
export function parseListenOption(text: string): ListenAddress {
  try {
    return parseListenAddress(text);
  } catch (error) {
    throw new UsageError(`--listen: ${(error as Error).message}`);
  }
}

/** `--group label=value`, repeatable: the groups of grouped SLOs to show (every pair must match). */
export function parseGroupOption(pairs: readonly string[]): GroupFilter {
  const filter: Record<string, string> = {};
  for (const pair of pairs) {
    const cut = pair.indexOf('=');
    const label = pair.slice(0, cut);
    if (cut <= 0 || !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(label)) throw new UsageError(`--group: ${JSON.stringify(pair)} is not LABEL=VALUE (e.g. endpoint=/api/v1/convert)`);
    filter[label] = pair.slice(cut + 1);
  }
  return filter;
}

/** An outbox entry id given on the command line. */
export function parseDeliveryId(text: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${JSON.stringify(text)} is not a delivery id (a number from \`slo-ledger outbox list\`)`);
  return Number(text);
}
