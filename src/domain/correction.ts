import { DateTime } from 'luxon';
import rrule from 'rrule';
import type { BucketRun } from './bucket.js';
import { BUCKET_MS, ceilToBucket, floorToBucket } from './duration.js';
import type { GroupLabels, SloDefinition } from './slo.js';

/** Why a period is taken out of the error budget. */
export type CorrectionCategory = 'planned-maintenance' | 'deployment' | 'false-positive' | 'other';

export const CORRECTION_CATEGORIES: readonly CorrectionCategory[] = ['planned-maintenance', 'deployment', 'false-positive', 'other'];

/** What a correction covers: one SLO, the SLOs of a service, or every SLO (neither given); optionally one group. */
export interface CorrectionScope {
  slo?: string;
  service?: string;
  /** With a grouped SLO: only this group (its labels must all match). */
  group?: GroupLabels;
}

/**
 * When a correction applies: once, between two instants, or on a recurring local-time schedule
 * (an iCalendar RRULE read in the configured time zone) for a wall-clock duration each time.
 */
export type CorrectionTiming =
  | { kind: 'once'; fromMs: number; toMs: number }
  | { kind: 'recurring'; rule: string; durationMs: number; fromMs?: number; untilMs?: number };

/** One correction: a period whose events count neither as good nor as bad. */
export interface Correction {
  /** "config:3" for the config's fourth correction, or the store's id for one added at run time. */
  id: string;
  scope: CorrectionScope;
  timing: CorrectionTiming;
  category: CorrectionCategory;
  reason: string;
}

/** True when the correction covers `slo` (and, for a group's series, that group). */
export function correctionApplies(correction: Correction, slo: SloDefinition, group?: GroupLabels): boolean {
  const { scope } = correction;
  if (scope.slo !== undefined && scope.slo !== slo.name) return false;
  if (scope.service !== undefined && scope.service !== slo.service) return false;
  if (scope.group === undefined) return true;
  // A group correction takes out that group's buckets; the SLO's own series is the sum over every
  // group, so it cannot lose one group's events without losing the others': it is left whole.
  if (group === undefined) return false;
  return Object.entries(scope.group).every(([label, value]) => group[label] === value);
}

/** The instants a correction covers within [rangeStartMs, rangeEndMs), before rounding to buckets. */
export function correctionIntervals(correction: Correction, rangeStartMs: number, rangeEndMs: number, timeZone: string): Array<{ startMs: number; endMs: number }> {
  const { timing } = correction;
  if (timing.kind === 'once') {
    const startMs = Math.max(timing.fromMs, rangeStartMs);
    const endMs = Math.min(timing.toMs, rangeEndMs);
    return endMs > startMs ? [{ startMs, endMs }] : [];
  }
  return recurringIntervals(timing, rangeStartMs, rangeEndMs, timeZone);
}

/**
 * The buckets a correction excludes within (rangeStartMs, rangeEndMs], as runs of bucket ends:
 * a correction's bounds are widened outward to whole buckets (a maintenance from 02:03 to 03:58
 * excludes the buckets 02:00–04:00), so an announced window is never counted as downtime.
 */
export function excludedRuns(corrections: readonly Correction[], rangeStartMs: number, rangeEndMs: number, timeZone: string): BucketRun[] {
  const spans = corrections
    .flatMap((c) => correctionIntervals(c, rangeStartMs, rangeEndMs, timeZone))
    .map((i) => ({ firstEndMs: floorToBucket(i.startMs) + BUCKET_MS, lastEndMs: Math.min(ceilToBucket(i.endMs), rangeEndMs) }))
    .filter((r) => r.lastEndMs >= r.firstEndMs)
    .sort((a, b) => a.firstEndMs - b.firstEndMs);
  const runs: BucketRun[] = [];
  for (const span of spans) {
    const last = runs[runs.length - 1];
    if (last !== undefined && span.firstEndMs <= last.lastEndMs + BUCKET_MS) last.lastEndMs = Math.max(last.lastEndMs, span.lastEndMs);
    else runs.push({ ...span });
  }
  return runs;
}

/**
 * The occurrences of a recurring correction. The RRULE is read in local wall-clock time: each
 * occurrence starts at the first instant its local time is on the clock and lasts until the last
 * instant the local end time is — so across the October DST change, 02:00–04:00 in Europe/Berlin
 * is three hours (the hour from 02:00 to 03:00 happens twice), and across the March change one.
 */
function recurringIntervals(
  timing: Extract<CorrectionTiming, { kind: 'recurring' }>,
  rangeStartMs: number,
  rangeEndMs: number,
  timeZone: string,
): Array<{ startMs: number; endMs: number }> {
  // rrule computes in "floating" time: UTC fields that stand for local wall-clock fields.
  const floating = (ms: number) => {
    const local = DateTime.fromMillis(ms, { zone: timeZone });
    return new Date(Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute));
  };
  const fromMs = Math.max(rangeStartMs - timing.durationMs - 86_400_000, timing.fromMs ?? -Infinity);
  const toMs = Math.min(rangeEndMs, timing.untilMs ?? Infinity);
  if (!(toMs > fromMs)) return [];
  const dayStart = floating(fromMs);
  dayStart.setUTCHours(0, 0, 0, 0);
  const rule = rrule.rrulestr(timing.rule, { dtstart: dayStart });
  const out: Array<{ startMs: number; endMs: number }> = [];
  for (const occurrence of rule.between(dayStart, floating(toMs), true)) {
    const startMs = localInstant(occurrence, timeZone, 'earliest');
    const endMs = localInstant(new Date(occurrence.getTime() + timing.durationMs), timeZone, 'latest');
    const start = Math.max(startMs, rangeStartMs, timing.fromMs ?? -Infinity);
    const end = Math.min(endMs, rangeEndMs, timing.untilMs ?? Infinity);
    if (end > start) out.push({ startMs: start, endMs: end });
  }
  return out;
}

/**
 * The instant of a local wall-clock time (given as floating UTC fields) in `timeZone`. A time that
 * happens twice (the hour a DST change repeats) is its earliest or latest instant, as asked; a
 * time that does not happen (the hour skipped) is the first instant after the gap.
 */
function localInstant(floating: Date, timeZone: string, which: 'earliest' | 'latest'): number {
  const fields = {
    year: floating.getUTCFullYear(), month: floating.getUTCMonth() + 1, day: floating.getUTCDate(),
    hour: floating.getUTCHours(), minute: floating.getUTCMinutes(),
  };
  const ms = DateTime.fromObject(fields, { zone: timeZone }).toMillis();
  const sameWallClock = (candidate: number) => {
    const local = DateTime.fromMillis(candidate, { zone: timeZone });
    return local.hour === fields.hour && local.minute === fields.minute && local.day === fields.day;
  };
  // DST changes move clocks by at most an hour (half an hour on Lord Howe Island).
  for (const shift of which === 'earliest' ? [-3_600_000, -1_800_000] : [3_600_000, 1_800_000]) {
    if (sameWallClock(ms + shift)) return ms + shift;
  }
  return ms;
}
