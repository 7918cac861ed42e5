import type { SyntaxNode, Tree } from '@lezer/common';
import { parser } from '@prometheus-io/lezer-promql';
import { WINDOW_PLACEHOLDER } from '../config/schema.js';

// PromQL rewrites between the query forms of OpenSLO, Sloth and slo-ledger, read with Prometheus's
// own grammar (@prometheus-io/lezer-promql). Every edit replaces the text of parse-tree nodes by
// their positions and leaves the rest of the query exactly as written (no re-printing).
//
// slo-ledger sums what a query returns per 5-minute bucket, so every query must return a COUNT of
// events over its `{{.window}}`: increase(x[{{.window}}]), not rate(x[…]) (per second).

/** The outcome of a rewrite: the new query, or why it cannot be made. */
export type Rewrite = { ok: true; query: string } | { ok: false; reason: string };

/**
 * `{{.window}}` is no PromQL; the parser reads a duration of the same length in its place, so every
 * node position in the parsed text is the position in the original.
 */
const STAND_IN = '9999999999s';
if (STAND_IN.length !== WINDOW_PLACEHOLDER.length) throw new Error('STAND_IN must be as long as the placeholder');

/** Range functions whose result over a window is a count that adds up across buckets. */
const COUNTING_RANGE_FUNCTIONS = new Set(['increase', 'sum_over_time', 'count_over_time']);

/** Nodes that hold a range over which a function is evaluated. */
const RANGE_NODES = new Set(['MatrixSelector', 'SubqueryExpr']);

interface Parsed {
  tree: Tree;
  text: string;
}

function parse(query: string): Parsed | { reason: string } {
  const text = query.replaceAll(WINDOW_PLACEHOLDER, STAND_IN);
  const tree = parser.parse(text);
  let error: number | undefined;
  tree.iterate({
    enter(node) {
      if (node.type.isError && error === undefined) error = node.from;
    },
  });
  if (error !== undefined) return { reason: `it is not valid PromQL (near column ${error + 1})` };
  if (tree.topNode.firstChild === null) return { reason: 'it is empty' };
  return { tree, text };
}

interface Edit {
  from: number;
  to: number;
  insert: string;
}

function applyEdits(query: string, edits: readonly Edit[]): string {
  let result = query;
  for (const edit of [...edits].sort((a, b) => b.from - a.from)) result = result.slice(0, edit.from) + edit.insert + result.slice(edit.to);
  return result;
}

function nodesNamed(tree: Tree, names: ReadonlySet<string>): SyntaxNode[] {
  const found: SyntaxNode[] = [];
  tree.iterate({
    enter(node) {
      if (names.has(node.name)) found.push(node.node);
    },
  });
  return found;
}

function hasAncestor(node: SyntaxNode, names: ReadonlySet<string>): boolean {
  for (let parent = node.parent; parent !== null; parent = parent.parent) if (names.has(parent.name)) return true;
  return false;
}

/** The range text of a MatrixSelector or SubqueryExpr, as written in `query`. */
function rangeText(node: SyntaxNode, query: string): string | undefined {
  const duration = node.getChild('DurationExpr');
  return duration === null ? undefined : query.slice(duration.from, duration.to);
}

/** The function a range is the argument of (through offset and @ modifiers), or null. */
function enclosingFunction(range: SyntaxNode): SyntaxNode | null {
  let node = range.parent;
  while (node !== null && (node.name === 'OffsetExpr' || node.name === 'StepInvariantExpr')) node = node.parent;
  if (node?.name !== 'FunctionCallBody') return null;
  return node.parent?.name === 'FunctionCall' ? node.parent : null;
}

function functionName(call: SyntaxNode, query: string): { name: string; node: SyntaxNode } | undefined {
  const identifier = call.getChild('FunctionIdentifier');
  return identifier === null ? undefined : { name: query.slice(identifier.from, identifier.to), node: identifier };
}

/**
 * Sloth writes rates: `rate(x[{{.window}}])`. The ledger needs the events themselves, so each
 * `rate(` whose range is `{{.window}}` becomes `increase(` — the same SLI ratio (both sides scale
 * by the window's seconds), but counts that add up across buckets and into budgets. Ranges of
 * increase, sum_over_time and count_over_time are kept; any other function over `{{.window}}`
 * (irate, avg_over_time, …) returns no count of events and is refused.
 */
export function ratesToIncreases(query: string): Rewrite {
  const parsed = parse(query);
  if ('reason' in parsed) return { ok: false, reason: parsed.reason };
  const edits: Edit[] = [];
  for (const range of nodesNamed(parsed.tree, RANGE_NODES)) {
    if (rangeText(range, query) !== WINDOW_PLACEHOLDER) continue;
    const call = enclosingFunction(range);
    const fn = call === null ? undefined : functionName(call, query);
    if (fn === undefined) {
      return { ok: false, reason: `its range [${WINDOW_PLACEHOLDER}] is not the argument of a function such as increase(…) or rate(…)` };
    }
    if (fn.name === 'rate') edits.push({ from: fn.node.from, to: fn.node.to, insert: 'increase' });
    else if (!COUNTING_RANGE_FUNCTIONS.has(fn.name)) {
      return {
        ok: false,
        reason: `${fn.name}(…[${WINDOW_PLACEHOLDER}]) returns no count of events; slo-ledger sums each 5-minute bucket's result, so use increase, rate (read as increase), sum_over_time or count_over_time`,
      };
    }
  }
  return { ok: true, query: applyEdits(query, edits) };
}

/**
 * An OpenSLO `counter: true` query names counters, e.g. `sum(http_requests_total{code=~"5.."})`:
 * every vector selector that is not already the range of a function becomes
 * `increase(<selector>[{{.window}}])`, so the query counts the events of its window.
 * Offset and @ modifiers are refused: the ledger places each bucket in time itself.
 */
export function wrapCounterSelectors(query: string): Rewrite {
  const parsed = parse(query);
  if ('reason' in parsed) return { ok: false, reason: parsed.reason };
  if (nodesNamed(parsed.tree, new Set(['OffsetExpr', 'StepInvariantExpr'])).length > 0) {
    return { ok: false, reason: 'it has an offset or @ modifier; slo-ledger places each 5-minute bucket in time itself, so a counter query must not shift it' };
  }
  const edits = nodesNamed(parsed.tree, new Set(['VectorSelector']))
    .filter((selector) => !hasAncestor(selector, RANGE_NODES))
    .map((selector) => ({ from: selector.from, to: selector.to, insert: `increase(${query.slice(selector.from, selector.to)}[${WINDOW_PLACEHOLDER}])` }));
  return { ok: true, query: applyEdits(query, edits) };
}

/**
 * The inverse of {@link wrapCounterSelectors}, for `export openslo`: every
 * `increase(<selector>[{{.window}}])` becomes the bare `<selector>`. Undefined when the result
 * would not wrap back into exactly `query` (a selector outside increase, another range function,
 * a modifier): such a query is no plain counter query, and the export keeps it in an annotation.
 */
export function unwrapCounterSelectors(query: string): string | undefined {
  const parsed = parse(query);
  if ('reason' in parsed) return undefined;
  const edits: Edit[] = [];
  for (const range of nodesNamed(parsed.tree, new Set(['MatrixSelector']))) {
    if (rangeText(range, query) !== WINDOW_PLACEHOLDER) continue;
    const call = range.parent?.name === 'FunctionCallBody' ? range.parent.parent : null;
    const selector = range.getChild('VectorSelector');
    if (call?.name !== 'FunctionCall' || selector === null || functionName(call, query)?.name !== 'increase') return undefined;
    edits.push({ from: call.from, to: call.to, insert: query.slice(selector.from, selector.to) });
  }
  const bare = applyEdits(query, edits);
  const back = wrapCounterSelectors(bare);
  return back.ok && back.query === query ? bare : undefined;
}
