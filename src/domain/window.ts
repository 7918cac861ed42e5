import { DateTime, IANAZone } from 'luxon';
import { BUCKET_MS, ceilToBucket, floorToBucket, parseDuration } from './duration.js';

/** A calendar month: `month` is 1..12. */
export interface MonthRef {
  year: number;
  month: number;
}

/**
 * What a window is before it is pinned to an evaluation time: the last N (rolling), a calendar
 * month in the configured time zone, or a fixed range of instants.
 */
export type WindowSpec =
  | { kind: 'rolling'; name: string; durationMs: number }
  | { kind: 'month'; name: string; year: number; month: number }
  | { kind: 'range'; name: string; startMs: number; endMs: number };

/**
 * A window pinned to instants. It holds the buckets whose end lies in (startMs, endMs]; both
 * bounds are multiples of {@link BUCKET_MS}. `startMs === endMs` is an empty window.
 */
export interface ResolvedWindow {
  name: string;
  startMs: number;
  endMs: number;
}

const MONTH_PATTERN = /^(\d{4})-(\d{2})$/;

const MONTH_NAMES = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
] as const;

/**
 * Parses a window as written on the command line or in config: a duration that is a positive
 * multiple of 5 minutes ("5m", "24h", "30d"; the name is kept as typed) or a month "YYYY-MM".
 * @throws Error with the accepted forms when the text is neither.
 */
export function parseWindowSpec(text: string): WindowSpec {
  const monthMatch = MONTH_PATTERN.exec(text);
  if (monthMatch !== null) {
    const year = Number(monthMatch[1]);
    const month = Number(monthMatch[2]);
    if (month < 1 || month > 12) {
      throw new Error(`Invalid month window ${JSON.stringify(text)}: the month must be 01..12`);
    }
    return { kind: 'month', name: text, year, month };
  }
  let durationMs: number;
  try {
    durationMs = parseDuration(text);
  } catch {
    throw new Error(
      `Invalid window ${JSON.stringify(text)}: expected a duration that is a multiple of 5m ` +
        `("5m", "1h", "24h", "30d") or a month "YYYY-MM" ("2026-10")`,
    );
  }
  if (durationMs <= 0 || durationMs % BUCKET_MS !== 0) {
    throw new Error(
      `Invalid window ${JSON.stringify(text)}: a window must be a positive multiple of 5m, ` +
        `the width of a ledger bucket`,
    );
  }
  return { kind: 'rolling', name: text, durationMs };
}

/** The month spec ("2026-10") for a calendar month. */
export function monthWindowSpec(ref: MonthRef): WindowSpec {
  assertMonthRef(ref);
  const name = `${String(ref.year).padStart(4, '0')}-${String(ref.month).padStart(2, '0')}`;
  return { kind: 'month', name, year: ref.year, month: ref.month };
}

/**
 * Pins a window to the evaluation time `atMs`, in whole buckets.
 * - rolling: ends at the last bucket end at or before `atMs`, and spans `durationMs` before it.
 * - month: from local midnight of the 1st to local midnight of the next 1st in `timeZone` (so a
 *   DST month is 743 or 745 hours long); a month not over yet ends at the last bucket end at or
 *   before `atMs`, and a month not begun yet is empty (`endMs === startMs`).
 * - range: as given, widened outwards to bucket boundaries; it is not clipped to `atMs`.
 * @throws Error on an invalid time zone or a spec that is not whole buckets (programmer errors).
 */
export function resolveWindow(spec: WindowSpec, atMs: number, timeZone: string): ResolvedWindow {
  switch (spec.kind) {
    case 'rolling': {
      if (spec.durationMs <= 0 || spec.durationMs % BUCKET_MS !== 0) {
        throw new Error(`Rolling window ${spec.name} must be a positive multiple of 5m`);
      }
      const endMs = floorToBucket(atMs);
      return { name: spec.name, startMs: endMs - spec.durationMs, endMs };
    }
    case 'month': {
      const startMs = monthStartMs(spec, timeZone);
      const nextStartMs = monthStartMs(nextMonth(spec), timeZone);
      const endMs = Math.max(startMs, Math.min(nextStartMs, floorToBucket(atMs)));
      return { name: spec.name, startMs, endMs };
    }
    case 'range': {
      if (spec.endMs < spec.startMs) {
        throw new Error(`Range window ${spec.name} ends before it starts`);
      }
      return { name: spec.name, startMs: floorToBucket(spec.startMs), endMs: ceilToBucket(spec.endMs) };
    }
  }
}

/**
 * The first instant of a month in a time zone, as epoch ms. Luxon resolves a midnight skipped by
 * a DST change to the first instant that exists. Every offset in use today (including +05:30 and
 * +05:45) is a multiple of 5 minutes, so the result is a bucket boundary; the floor only matters
 * for historical local-mean-time offsets such as Amsterdam's +00:19:32 before 1937.
 */
function monthStartMs(ref: MonthRef, timeZone: string): number {
  assertTimeZone(timeZone);
  const start = DateTime.fromObject({ year: ref.year, month: ref.month, day: 1 }, { zone: timeZone });
  if (!start.isValid) {
    throw new Error(`Cannot place ${monthName(ref)} in time zone ${timeZone}: ${start.invalidExplanation ?? ''}`);
  }
  return floorToBucket(start.toMillis());
}

/** The calendar month that contains the instant `atMs` in `timeZone`. */
export function monthOf(atMs: number, timeZone: string): MonthRef {
  assertTimeZone(timeZone);
  const local = DateTime.fromMillis(atMs, { zone: timeZone });
  return { year: local.year, month: local.month };
}

/** The month before `ref` ("2026-01" → "2025-12"). */
export function previousMonth(ref: MonthRef): MonthRef {
  assertMonthRef(ref);
  return ref.month === 1 ? { year: ref.year - 1, month: 12 } : { year: ref.year, month: ref.month - 1 };
}

/** The month after `ref` ("2025-12" → "2026-01"). */
export function nextMonth(ref: MonthRef): MonthRef {
  assertMonthRef(ref);
  return ref.month === 12 ? { year: ref.year + 1, month: 1 } : { year: ref.year, month: ref.month + 1 };
}

/** The month in English for reports, e.g. "October 2026"; fixed, not locale-dependent. */
export function monthName(ref: MonthRef): string {
  assertMonthRef(ref);
  return `${MONTH_NAMES[ref.month - 1] ?? ''} ${ref.year}`;
}

/** True when `name` is an IANA time zone this runtime knows ("Europe/Berlin", "UTC"). */
export function isValidTimeZone(name: string): boolean {
  return name !== '' && IANAZone.isValidZone(name);
}

function assertTimeZone(timeZone: string): void {
  if (!isValidTimeZone(timeZone)) {
    throw new Error(`Unknown time zone ${JSON.stringify(timeZone)}: expected an IANA name such as "Europe/Berlin"`);
  }
}

function assertMonthRef(ref: MonthRef): void {
  if (!Number.isInteger(ref.year) || !Number.isInteger(ref.month) || ref.month < 1 || ref.month > 12) {
    throw new Error(`Invalid month ${ref.year}-${ref.month}: month must be 1..12 and both whole numbers`);
  }
}
