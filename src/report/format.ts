import { formatLocalTime } from '../domain/period.js';
import type { GroupLabels } from '../domain/slo.js';

export { formatLocalTime };

/** A ratio as a percentage with fixed decimals ("99.934%"); an em dash for `null`. */
export function formatPercent(ratio: number | null | undefined, decimals: number): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—';
  return `${(ratio * 100).toFixed(decimals)}%`;
}

/** The SLI as reports print it: three decimals, enough to see a 99.9 % objective's margin. */
export function formatSli(ratio: number | null | undefined): string {
  return formatPercent(ratio, 3);
}

/** A share of an error budget: one decimal ("68.4%"). */
export function formatBudget(ratio: number | null | undefined): string {
  return formatPercent(ratio, 1);
}

/** A change of a ratio in percentage points, signed ("+0.012 pp"); an em dash for `null`. */
export function formatPointChange(delta: number | null | undefined, decimals: number): string {
  if (delta === null || delta === undefined || !Number.isFinite(delta)) return '—';
  const points = delta * 100;
  const text = Math.abs(points).toFixed(decimals);
  const sign = Number(text) === 0 ? '±' : points > 0 ? '+' : '−';
  return `${sign}${text} pp`;
}

/** An event count, rounded, with thousands separators ("13,402"). */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Seconds with millisecond precision ("1.873 s"); an em dash for `null`. */
export function formatSeconds(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${value.toFixed(3)} s`;
}

/** A burn rate ("7.84×"). */
export function formatBurn(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${value.toFixed(2)}×`;
}

/** An instant as ISO 8601 in UTC, to the millisecond ("2026-11-01T00:00:00.000Z"): what JSON and logs carry. */
export function formatInstant(ms: number): string {
  return new Date(ms).toISOString();
}

/** {@link formatInstant}, with null (or undefined) for an instant that is not there. */
export function formatInstantOrNull(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : formatInstant(ms);
}

/** A local time range; the end's date is left out when it is the start's date ("2026-10-14 03:10–03:55"). */
export function formatLocalRange(startMs: number, endMs: number, timeZone: string): string {
  const start = formatLocalTime(startMs, timeZone);
  const end = formatLocalTime(endMs, timeZone);
  return start.slice(0, 10) === end.slice(0, 10) ? `${start}–${end.slice(11)}` : `${start} – ${end}`;
}

/** A duration in days, hours and minutes ("45 min", "2 h", "1 d 3 h 5 min"). */
export function formatDurationMs(ms: number): string {
  const totalMinutes = Math.round(ms / 60_000);
  const days = Math.floor(totalMinutes / 1440);
  const hours = Math.floor((totalMinutes % 1440) / 60);
  const minutes = totalMinutes % 60;
  const parts = [days > 0 ? `${days} d` : '', hours > 0 ? `${hours} h` : '', minutes > 0 ? `${minutes} min` : ''].filter((p) => p !== '');
  return parts.length === 0 ? '0 min' : parts.join(' ');
}

/** The time-zone note for headers ("times in UTC"). */
export function formatZoneNote(timeZone: string): string {
  return `times in ${timeZone}`;
}

/**
 * A group of a grouped SLO by its labels ("tenant=t20", "region=eu, tenant=t20"): the status
 * table's label=value list, with a space after each comma so a narrow table cell wraps between labels.
 */
export function formatGroupLabels(labels: GroupLabels): string {
  return Object.entries(labels).map(([label, value]) => `${label}=${value}`).join(', ');
}
