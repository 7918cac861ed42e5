import { DateTime } from 'luxon';
import { BUCKET_MS, floorToBucket } from './duration.js';
import { monthName, monthWindowSpec, parseWindowSpec, previousMonth, resolveWindow, type MonthRef, type ResolvedWindow } from './window.js';

/** What a report covers before it is pinned to an evaluation time: a calendar month, or a range of instants (end exclusive). */
export type PeriodSpec = { kind: 'month'; month: MonthRef } | { kind: 'range'; fromMs: number; toMs: number };

/** The span a report covers: a calendar month, or a --from/--to range; bucket-aligned. */
export interface ReportPeriod {
  kind: 'month' | 'range';
  /** "2026-10", or "2026-10-01--2026-10-15" for a range. */
  name: string;
  /** For people: "October 2026". */
  label: string;
  startMs: number;
  endMs: number;
  /** The period's natural end (a month's last midnight); later than `endMs` when the period is not over. */
  fullEndMs: number;
}

/** A period pinned to instants, with the comparison periods before it. */
export interface ResolvedPeriod {
  current: ReportPeriod;
  /** Most recent first. */
  history: Array<{ name: string; startMs: number; endMs: number }>;
}

/** Months (or equally long ranges) before a period that its report compares with. */
const HISTORY_PERIODS = 2;

/**
 * Pins a report period at `atMs`: a month runs from local midnight of the 1st to the next 1st
 * (cut at `atMs` while it is not over); a range is widened to whole buckets. The comparison
 * periods are the months before, or for a range the equally long ranges before it.
 */
export function resolvePeriod(spec: PeriodSpec, atMs: number, timeZone: string): ResolvedPeriod {
  if (spec.kind === 'month') {
    const full = monthBounds(spec.month, timeZone);
    const window = resolveWindow(monthWindowSpec(spec.month), atMs, timeZone);
    const history: ResolvedPeriod['history'] = [];
    let ref = spec.month;
    for (let i = 0; i < HISTORY_PERIODS; i++) {
      ref = previousMonth(ref);
      history.push(monthBounds(ref, timeZone));
    }
    return {
      current: { kind: 'month', name: window.name, label: monthName(spec.month), startMs: window.startMs, endMs: window.endMs, fullEndMs: full.endMs },
      history,
    };
  }
  const startMs = floorToBucket(spec.fromMs);
  const fullEndMs = Math.ceil(spec.toMs / BUCKET_MS) * BUCKET_MS;
  const endMs = Math.max(startMs, Math.min(fullEndMs, floorToBucket(atMs)));
  const lengthMs = fullEndMs - startMs;
  const name = `${formatLocalTime(startMs, timeZone).slice(0, 10)}--${formatLocalTime(fullEndMs, timeZone).slice(0, 10)}`;
  const history = Array.from({ length: HISTORY_PERIODS }, (_, i) => ({
    name: `previous ${formatLocalRangeLabel(startMs - (i + 1) * lengthMs, startMs - i * lengthMs, timeZone)}`,
    startMs: startMs - (i + 1) * lengthMs,
    endMs: startMs - i * lengthMs,
  }));
  return {
    current: { kind: 'range', name, label: formatLocalRangeLabel(startMs, fullEndMs, timeZone), startMs, endMs, fullEndMs },
    history,
  };
}

/** A whole calendar month in `timeZone`: local midnight of the 1st to local midnight of the next 1st. */
export function monthBounds(ref: MonthRef, timeZone: string): ResolvedWindow {
  return resolveWindow(monthWindowSpec(ref), Infinity, timeZone);
}

/** The instant a month's figures are evaluated at by default: its end, or `nowMs` (floored to a bucket) while it is not over. */
export function monthEvaluationMs(ref: MonthRef, timeZone: string, nowMs: number): number {
  return Math.min(floorToBucket(nowMs), monthBounds(ref, timeZone).endMs);
}

/**
 * Reads "YYYY-MM" as a calendar month.
 * @throws Error saying what is wrong: not a month, or a month outside 01..12.
 */
export function parseMonth(text: string): MonthRef {
  const spec = parseWindowSpec(text);
  if (spec.kind !== 'month') throw new Error(`${JSON.stringify(text)} is not YYYY-MM`);
  return { year: spec.year, month: spec.month };
}

/**
 * Reads an ISO 8601 time or date; without an offset it is local time in `timeZone`. Undefined
 * when the text is not one.
 */
export function parseLocalInstant(text: string, timeZone: string): number | undefined {
  const parsed = DateTime.fromISO(text, { zone: timeZone });
  return parsed.isValid ? parsed.toMillis() : undefined;
}

/** An instant in a time zone, to the minute ("2026-10-14 03:10"). */
export function formatLocalTime(ms: number, timeZone: string): string {
  return DateTime.fromMillis(ms, { zone: timeZone }).toFormat('yyyy-MM-dd HH:mm');
}

function formatLocalRangeLabel(startMs: number, endMs: number, timeZone: string): string {
  return `${formatLocalTime(startMs, timeZone)} – ${formatLocalTime(endMs, timeZone)}`;
}

/** One local calendar day of a period, clipped to it. */
export interface LocalDay {
  /** The local date, "2026-10-14". */
  date: string;
  /** Holds the buckets whose end lies in (startMs, endMs]. */
  startMs: number;
  endMs: number;
}

/**
 * The local calendar days of `timeZone` that overlap (startMs, endMs], each clipped to it. A day
 * is midnight to midnight in the zone, so a DST day is 23 or 25 hours long; a midnight that a
 * DST change skips starts at the first instant that exists (luxon's rule, as for months).
 */
export function localDays(startMs: number, endMs: number, timeZone: string): LocalDay[] {
  const days: LocalDay[] = [];
  let day = DateTime.fromMillis(startMs, { zone: timeZone }).startOf('day');
  // A month has at most 31 days; the bound only guards against a zone that never advances.
  for (let guard = 0; day.toMillis() < endMs && guard < 100_000; guard++) {
    const next = day.plus({ days: 1 }).startOf('day');
    days.push({ date: day.toISODate() ?? '', startMs: Math.max(startMs, day.toMillis()), endMs: Math.min(endMs, next.toMillis()) });
    day = next;
  }
  return days;
}
