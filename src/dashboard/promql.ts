/**
 * PromQL selectors for the dashboard's queries. Values go through JSON string quoting, which is
 * also a valid PromQL string literal, so a service name with a quote or backslash cannot break a
 * query; Grafana variables (`$service`) are written as values and replaced by Grafana.
 */

/** One label matcher of a selector. */
export interface Matcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

export const eq = (label: string, value: string): Matcher => ({ label, op: '=', value });
export const matches = (label: string, value: string): Matcher => ({ label, op: '=~', value });

/** `metric{a="x", b=~"y"}`; just `metric` without matchers. */
export function selector(metric: string, matchers: readonly Matcher[]): string {
  if (matchers.length === 0) return metric;
  return `${metric}{${matchers.map((m) => `${m.label}${m.op}${JSON.stringify(m.value)}`).join(', ')}}`;
}

/** A regex matching exactly these values (anchored by PromQL), each taken literally. */
export function anyOf(values: readonly string[]): string {
  return values.map((value) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
}

/** The matcher of a Grafana variable: `=~` so that "All" (its allValue) and multi-selections match. */
export function variableMatcher(label: string, variable: string): Matcher {
  return matches(label, `$${variable}`);
}
