import { parser } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';

/** What a query's outermost aggregation keeps: the labels of `by (…)`, or a reason it keeps no known set. */
export type QueryGrouping = { kind: 'by'; labels: string[] } | { kind: 'invalid'; reason: string };

/**
 * The labels an events query's result is grouped by, read with Prometheus's own PromQL grammar:
 * the `by (…)` of its outermost aggregation (inside parentheses, or on both sides of a binary
 * operation, which keeps them). Queries whose result labels cannot be known this way — `without`,
 * an aggregation without `by`, a bare selector or function — are reported with the reason.
 */
export function queryGrouping(query: string): QueryGrouping {
  const tree = parser.parse(query);
  let error: number | undefined;
  tree.iterate({
    enter(node) {
      if (node.type.isError && error === undefined) error = node.from;
    },
  });
  if (error !== undefined) return { kind: 'invalid', reason: `it is not valid PromQL (near column ${error + 1})` };
  const top = tree.topNode.firstChild;
  return top === null ? { kind: 'invalid', reason: 'it is empty' } : groupingOf(top, query);
}

function groupingOf(node: SyntaxNode, query: string): QueryGrouping {
  if (node.name === 'ParenExpr') {
    const inner = node.firstChild;
    return inner === null ? { kind: 'invalid', reason: 'it is empty' } : groupingOf(inner, query);
  }
  if (node.name === 'BinaryExpr') {
    const left = node.firstChild;
    const right = node.lastChild;
    if (left === null || right === null) return { kind: 'invalid', reason: 'it is not a complete expression' };
    const a = groupingOf(left, query);
    const b = groupingOf(right, query);
    if (a.kind === 'invalid') return a;
    if (b.kind === 'invalid') return b;
    return sameLabels(a.labels, b.labels) ? a : { kind: 'invalid', reason: `its two sides are grouped by (${a.labels.join(', ')}) and (${b.labels.join(', ')})` };
  }
  if (node.name !== 'AggregateExpr') return { kind: 'invalid', reason: 'its outermost operation is not an aggregation such as sum by (…)' };
  const modifier = node.getChild('AggregateModifier');
  if (modifier === null || modifier.getChild('By') === null) {
    return { kind: 'invalid', reason: modifier === null ? 'its outermost aggregation has no by (…)' : 'its outermost aggregation uses without (…), not by (…)' };
  }
  const labels = modifier.getChild('GroupingLabels')?.getChildren('LabelName').map((n) => query.slice(n.from, n.to)) ?? [];
  return { kind: 'by', labels };
}

/** True when both lists hold the same labels, in any order. */
export function sameLabels(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return set.size === new Set(b).size && b.every((label) => set.has(label));
}
