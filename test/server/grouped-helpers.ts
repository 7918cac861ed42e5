import type { GroupLabels } from '../../src/domain/slo.js';

/** One sample of Prometheus text format, its labels parsed (and unescaped). */
export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text format into samples, reading label values with their escapes as Prometheus would. */
export function parseSamples(text: string): ParsedSample[] {
  const samples: ParsedSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, raw] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[name!] = raw!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The samples of `metric` whose labels include every one of `labels` (and, with `exact`, no others). */
export function samplesWith(samples: readonly ParsedSample[], metric: string, labels: Record<string, string>, exact = false): ParsedSample[] {
  return samples.filter(
    (s) =>
      s.name === metric &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v) &&
      (!exact || Object.keys(s.labels).length === Object.keys(labels).length),
  );
}

/** The one sample of `metric` with exactly `labels`; fails the test when there is not exactly one. */
export function sampleValue(samples: readonly ParsedSample[], metric: string, labels: Record<string, string>): number {
  const found = samplesWith(samples, metric, labels, true);
  if (found.length !== 1) throw new Error(`${found.length} samples of ${metric} with exactly ${JSON.stringify(labels)}`);
  return found[0]!.value;
}

/** The rows of a status-page table as `data-group` values, in page order, and the attributes of each. */
export function groupRows(html: string): Array<{ group: string; row: string }> {
  return [...html.matchAll(/<tr data-group="([^"]*)">([\s\S]*?)<\/tr>/g)].map((m) => ({ group: unescapeHtml(m[1]!), row: m[2]! }));
}

/** A `data-…` attribute of a table cell in a row. */
export function cellData(row: string, field: string, attribute = 'value'): string {
  const match = new RegExp(`data-field="${field}"[^>]*data-${attribute}="([^"]*)"`).exec(row);
  if (!match) throw new Error(`no data-${attribute} on field ${field} in ${row}`);
  return unescapeHtml(match[1]!);
}

function unescapeHtml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);
}

/** `label=value,…` as the pages write a group's labels. */
export function labelsText(labels: GroupLabels): string {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
}
