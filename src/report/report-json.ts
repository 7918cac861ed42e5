import type { PeriodReport } from './period-report.js';

/** Keys holding an instant (epoch ms) in the model; the JSON writes them as ISO 8601 without the `Ms`. */
const INSTANT_KEY = /(?:^start|^end|^fullEnd|At)Ms$/;

/** Keys holding a group's labels: Prometheus label names and values, written as they are (never snake_cased). */
const LABELS_KEYS = new Set(['labels', 'group']);

/**
 * The report model as the JSON written beside the HTML and PDF, in the style of the status
 * JSON contract: snake_case keys, ratios (not percents), instants as ISO 8601, `null` where a
 * figure is undefined; durations stay in milliseconds (`duration_ms`). A grouped SLO's `groups`
 * and the `group` of its incidents, breaches and recommendations carry its labels unchanged.
 */
export function toReportJson(report: PeriodReport): unknown {
  return convert(report);
}

function convert(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(convert);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (INSTANT_KEY.test(key) && (typeof v === 'number' || v === null)) {
      out[snake(key.slice(0, -2))] = typeof v === 'number' ? new Date(v).toISOString() : null;
    } else if (LABELS_KEYS.has(key) && v !== null && typeof v === 'object') {
      out[key] = { ...v };
    } else {
      out[snake(key)] = convert(v);
    }
  }
  return out;
}

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
