import { DateTime } from 'luxon';
import { BUCKET_MS, formatDuration, parseDuration } from '../domain/duration.js';
import type { GroupFilter } from '../domain/slo-status.js';
import { parseWindowSpec, type WindowSpec } from '../domain/window.js';
import { SloLedgerError } from '../errors.js';

/** A request parameter that is missing or malformed: answered with 400 and the parameter's name. */
export class BadParameterError extends SloLedgerError {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(`${parameter}: ${message}`, { exitCode: 2 });
  }
}

/** A query string as fastify parses it: repeated keys become arrays. */
export type QueryValues = Readonly<Record<string, string | string[] | undefined>>;

/** The single value of `name`, or undefined; a repeated parameter is an error. */
export function singleParam(query: QueryValues, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw new BadParameterError(name, 'given more than once');
  return value === undefined || value === '' ? undefined : value;
}

/** Instants the API takes: from 1970 to the end of 9999 (a time outside has no data, and JavaScript dates end near ±275,000 years). */
const EARLIEST_INSTANT_MS = 0;
const LATEST_INSTANT_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

/** An instant: ISO 8601 (a time without offset is read in `timeZone`), epoch seconds, or "now". */
export function parseInstantParam(name: string, text: string | undefined, timeZone: string, nowMs: number): number {
  if (text === undefined || text === 'now') return nowMs;
  let ms: number;
  if (/^\d{9,11}(\.\d+)?$/.test(text)) ms = Math.round(Number(text) * 1000);
  else {
    const parsed = DateTime.fromISO(text, { zone: timeZone });
    if (!parsed.isValid) {
      throw new BadParameterError(name, `${JSON.stringify(text)} is not an ISO 8601 time (e.g. 2026-11-01T00:00:00Z) or epoch seconds`);
    }
    ms = parsed.toMillis();
  }
  if (!(ms >= EARLIEST_INSTANT_MS && ms <= LATEST_INSTANT_MS)) {
    throw new BadParameterError(name, `${JSON.stringify(text)} is out of range: give a time between 1970-01-01 and 9999-12-31`);
  }
  return ms;
}

/**
 * A comma-separated list of windows ("24h,7d,30d", "2026-10"); `fallback` when absent. A rolling
 * window longer than `maxRollingMs` (the ledger's retention: nothing older is kept) is refused.
 */
export function parseWindowsParam(name: string, text: string | undefined, fallback: readonly string[], maxRollingMs = Infinity): WindowSpec[] {
  const parts = (text ?? fallback.join(',')).split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0) throw new BadParameterError(name, 'needs at least one window, e.g. 24h,7d,30d');
  if (parts.length > 20) throw new BadParameterError(name, 'at most 20 windows per request');
  return parts.map((part) => {
    let spec: WindowSpec;
    try {
      spec = parseWindowSpec(part);
    } catch (error) {
      throw new BadParameterError(name, (error as Error).message);
    }
    if (spec.kind === 'rolling' && spec.durationMs > maxRollingMs) {
      throw new BadParameterError(name, `${part} is longer than the ledger keeps buckets (retention ${formatDuration(maxRollingMs)}); at most ${formatDuration(maxRollingMs)}`);
    }
    return spec;
  });
}

/** A positive duration that is a whole number of 5-minute buckets ("5m", "1h", "1d"). */
export function parseStepParam(name: string, text: string | undefined, fallbackMs: number): number {
  if (text === undefined) return fallbackMs;
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch {
    throw new BadParameterError(name, `${JSON.stringify(text)} is not a duration such as 5m, 1h or 1d`);
  }
  if (ms <= 0 || ms % BUCKET_MS !== 0) throw new BadParameterError(name, `${JSON.stringify(text)} must be a positive multiple of 5m, the ledger's bucket width`);
  return ms;
}

/** A calendar month "YYYY-MM". */
export function parseMonthParam(name: string, text: string): string {
  const match = /^(\d{4})-(\d{2})$/.exec(text);
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 12) throw new BadParameterError(name, `${JSON.stringify(text)} is not a month YYYY-MM (e.g. 2026-10)`);
  return text;
}

/**
 * `group=LABEL=VALUE`, repeatable like the CLI's `--group`: a group filter (every pair must match);
 * empty when absent. A label given twice with different values is an error, since no group has both.
 */
export function parseGroupParam(name: string, value: string | string[] | undefined): GroupFilter {
  // A Map, not an object: a label named __proto__ or constructor must stay a plain key.
  const filter = new Map<string, string>();
  for (const pair of (Array.isArray(value) ? value : [value ?? '']).filter((p) => p !== '')) {
    const cut = pair.indexOf('=');
    const label = pair.slice(0, cut);
    if (cut <= 0 || !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(label)) throw new BadParameterError(name, `${JSON.stringify(pair)} is not LABEL=VALUE (e.g. tenant=acme)`);
    const given = pair.slice(cut + 1);
    const earlier = filter.get(label);
    if (earlier !== undefined && earlier !== given) {
      throw new BadParameterError(name, `${label} given as ${JSON.stringify(earlier)} and ${JSON.stringify(given)}; a group has one value per label`);
    }
    filter.set(label, given);
  }
  return Object.fromEntries(filter);
}

/** A page number of a paginated page: 1 when absent, else a whole number from 1 to `pages`. */
export function parsePageParam(name: string, text: string | undefined, pages: number): number {
  if (text === undefined) return 1;
  const page = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
  if (!(page >= 1 && page <= pages)) throw new BadParameterError(name, `${JSON.stringify(text)} is not a page of this list: give a whole number from 1 to ${pages}`);
  return page;
}
