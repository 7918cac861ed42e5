import { DateTime } from 'luxon';

/** One local calendar day of a report, clipped to the report's period. */
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
