import { Document, isMap, isSeq } from 'yaml';
import { BURN_ALERT_NAME, RANGE_MARGIN_MS, type RuleGroup } from './build-rules.js';

/** The formats `slo-ledger rules` writes. */
export const RULES_FORMATS = ['prometheus', 'prometheus-operator'] as const;
export type RulesFormat = (typeof RULES_FORMATS)[number];

/** The Kubernetes object name of the operator format. */
export const PROMETHEUS_RULE_NAME = 'slo-ledger';

/**
 * The comment at the top of the output: why the groups are evaluated every 5 minutes and the
 * windows summed as they are — the choice a reader must not "fix" by changing the interval.
 */
const HEADER = [
  ' Prometheus rules written by `slo-ledger rules`: burn-rate paging that does not depend on',
  ' slo-ledger. Regenerate them whenever the SLOs or the alerting policy change.',
  '',
  ' One group per SLO, evaluated every 5m. Its first two rules record the good and total events',
  ' of the 5 minutes before each evaluation (slo:sli_good:increase5m, slo:sli_total:increase5m),',
  " with the queries slo-ledger fills its ledger with. At interval: 5m consecutive samples are",
  ' disjoint 5-minute buckets, like the ledger\'s, so summing them adds each event once: at the',
  ' default 1m interval every event would be counted in five overlapping samples. Keep the',
  ' interval at 5m.',
  '',
  ' slo:burn_rate:<window> = (1 - Σgood / Σtotal) / (1 - objective) over the window\'s buckets:',
  ' sum_over_time of the recorded increases, a ratio of sums, never an average of ratios. Each',
  ` range is its window less ${RANGE_MARGIN_MS / 1000}s (3599s for 1h): the samples lie on the group's evaluation grid,`,
  ' and Prometheus 2 would count one at the range\'s start too, Prometheus 3 would not; this way',
  ' both sum exactly window/5m buckets.',
  '',
  ` ${BURN_ALERT_NAME} fires per severity while, for any rule of the policy, the burn rate over`,
  ' both its long and its short window exceeds the rule\'s factor (multiwindow, multi-burn-rate).',
].join('\n');

/**
 * The rule groups as YAML: a Prometheus rule file (`rule_files`), or the same groups in a
 * `PrometheusRule` object for the Prometheus Operator. Each group has a comment saying what it
 * measures; the header explains the evaluation interval.
 */
export function renderRules(groups: readonly RuleGroup[], format: RulesFormat): string {
  const plain = groups.map(({ name, interval, rules }) => ({ name, interval, rules }));
  const doc = new Document(
    format === 'prometheus'
      ? { groups: plain }
      : {
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'PrometheusRule',
          metadata: { name: PROMETHEUS_RULE_NAME, labels: { 'app.kubernetes.io/name': 'slo-ledger' } },
          spec: { groups: plain },
        },
    // Every SLO's labels written out in full, not as YAML anchors and aliases.
    { aliasDuplicateObjects: false },
  );
  doc.commentBefore = HEADER;
  const node = doc.getIn(format === 'prometheus' ? ['groups'] : ['spec', 'groups'], true);
  if (isSeq(node)) {
    node.items.forEach((item, i) => {
      if (isMap(item)) item.commentBefore = groups[i]!.comment;
    });
  }
  return doc.toString({ lineWidth: 0 });
}
