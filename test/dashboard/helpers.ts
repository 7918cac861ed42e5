import type { GrafanaDashboard, Panel, PrometheusTarget } from '../../src/dashboard/grafana-model.js';

/** A panel target with the panel it belongs to and the variable that panel (or its row) repeats by. */
export interface PanelQuery {
  panel: Panel;
  target: PrometheusTarget;
  repeat?: string;
}

/**
 * Every target of the dashboard. Panels after a repeated row repeat with it (Grafana's rule for
 * open rows), so they carry its variable.
 */
export function panelQueries(dashboard: GrafanaDashboard): PanelQuery[] {
  const queries: PanelQuery[] = [];
  let rowRepeat: string | undefined;
  for (const panel of dashboard.panels) {
    if (panel.type === 'row') {
      rowRepeat = panel.repeat;
      continue;
    }
    const repeat = panel.repeat ?? rowRepeat;
    for (const target of panel.targets ?? []) queries.push({ panel, target, ...(repeat === undefined ? {} : { repeat }) });
  }
  return queries;
}

/** The value of each variable as Grafana writes it into a Prometheus query. */
export type VariableValues = Record<string, string>;

/**
 * Replaces `$name` and `${name}` as Grafana does, longest names first (so `$slo` never eats
 * `$slo_x`); a `$` name that is not given is an error, so no variable goes through unreplaced.
 */
export function substitute(expr: string, values: VariableValues): string {
  const names = Object.keys(values).sort((a, b) => b.length - a.length);
  let out = expr;
  for (const name of names) out = out.replaceAll(`\${${name}}`, () => values[name]!).replace(new RegExp(`\\$${name}(?![A-Za-z0-9_])`, 'g'), () => values[name]!);
  const left = /\$\{?[A-Za-z_][A-Za-z0-9_]*/.exec(out);
  if (left) throw new Error(`variable ${left[0]} left in ${out}`);
  return out;
}

/** Several values of a multi-value variable, as Grafana's Prometheus data source formats them: `(a|b)`, regex-escaped. */
export function multiValue(values: readonly string[]): string {
  const escaped = values.map((v) => v.replace(/[\\^$*+?.()|[\]{}]/g, '\\$&'));
  return escaped.length === 1 ? escaped[0]! : `(${escaped.join('|')})`;
}

/** `label_values(selector, label)` of a query variable, split. */
export function parseLabelValues(query: string): { match: string | undefined; label: string } {
  const m = /^label_values\((?:(.+), )?([A-Za-z_][A-Za-z0-9_]*)\)$/.exec(query);
  if (!m) throw new Error(`not a label_values query: ${query}`);
  return { match: m[1], label: m[2]! };
}
