import type { TemplateVariable } from './grafana-model.js';
import { DATASOURCE } from './panels.js';
import { selector, variableMatcher, type Matcher } from './promql.js';

/** The metric the query variables read their values from: every SLO with traffic has it. */
const VALUES_METRIC = 'slo_ledger_sli_ratio';

/** The variables the dashboard's own variables and panels are named by, besides the group labels. */
const FIXED_VARIABLES = ['datasource', 'service', 'slo'] as const;

/** A group label of /metrics and the dashboard variable that selects its values. */
export interface GroupVariable {
  label: string;
  variable: string;
}

/**
 * The variable of each group label: the label's own name, unless that is already a variable of
 * the dashboard (a group label `datasource`), then `group_` is prefixed until it is free.
 */
export function groupVariables(labels: readonly string[]): GroupVariable[] {
  const taken = new Set<string>([...FIXED_VARIABLES, ...labels]);
  return labels.map((label) => {
    if (!(FIXED_VARIABLES as readonly string[]).includes(label)) return { label, variable: label };
    let variable = `group_${label}`;
    while (taken.has(variable)) variable = `group_${variable}`;
    taken.add(variable);
    return { label, variable };
  });
}

/** `datasource`, `service`, `slo`, then one variable per group label, each narrowed by the ones before. */
export function templateVariables(groups: readonly GroupVariable[]): TemplateVariable[] {
  const service = variableMatcher('service', 'service');
  const slo = variableMatcher('slo', 'slo');
  return [
    {
      type: 'datasource', name: 'datasource', label: 'Data source', description: 'The Prometheus that scrapes slo-ledger\'s /metrics.',
      query: 'prometheus', current: {}, hide: 0, includeAll: false, multi: false, options: [], refresh: 1, regex: '',
    },
    labelValues('service', 'Service', 'service', []),
    labelValues('slo', 'SLO', 'slo', [service]),
    ...groups.map((g) => labelValues(g.variable, `Group: ${g.label}`, g.label, [service, slo])),
  ];
}

/**
 * A query variable over `label_values(slo_ledger_sli_ratio{…}, label)`, multi-valued, "All" selected
 * at first, so the dashboard opens on every SLO. "All" is `.*`, so a series without the label (an
 * SLO grouped by another label) still matches.
 */
function labelValues(name: string, label: string, metricLabel: string, narrowedBy: readonly Matcher[]): TemplateVariable {
  const query = `label_values(${selector(VALUES_METRIC, narrowedBy)}, ${metricLabel})`;
  return {
    type: 'query', name, label, datasource: DATASOURCE, definition: query,
    query: { qryType: 1, query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    current: { selected: true, text: ['All'], value: ['$__all'] }, hide: 0, includeAll: true, multi: true, allValue: '.*', options: [], refresh: 2, regex: '', sort: 1,
  };
}
