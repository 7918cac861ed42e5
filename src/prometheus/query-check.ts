import { parser } from '@prometheus-io/lezer-promql';
import { BUCKET_MS } from '../domain/duration.js';
import { originPosition, type QueryOrigin, type SloQueryName } from '../domain/query-origin.js';
import type { SloDefinition } from '../domain/slo.js';
import { formatDiagnostic, PrometheusError, type ConfigDiagnostic } from '../errors.js';
import { buildSliQueries } from './promql.js';
import type { PrometheusQueryApi, QueryContext } from './query-api.js';

// An SLO's queries one at a time, as written: what Prometheus is asked about each on its own, and
// how a position in what it was asked maps back to the query as written and to FILE:LINE:COL.

/** What `{{.window}}` stands for when a query is asked about on its own. */
const CHECK_WINDOW = '5m';
const WINDOW_PLACEHOLDER = /\{\{\s*\.window\s*\}\}/g;

/** One query of an SLO, as Prometheus is asked about it on its own. */
export interface SloQueryCheck {
  slo: string;
  query: SloQueryName;
  /** The query as written (a latency SLI: its selector, or its histogram's name). */
  written: string;
  /** What Prometheus is asked: the query as written with `{{.window}}` as 5m; a latency SLI's buckets query. */
  promql: string;
  /** Where it is written; absent for the built-in SLOs. */
  origin?: QueryOrigin;
  /** The offset in `written` of the character at `offset` in `promql`; undefined outside it. */
  toWritten(offset: number): number | undefined;
}

/** What Prometheus says of one query asked on its own. */
export type QueryVerdict =
  | { ok: true }
  | {
      ok: false;
      /** Prometheus's errorType: `bad_data` for a query it cannot parse or type, `execution` for one it could not evaluate. */
      errorType: string;
      /** Its error text without the position (`parse error: unclosed left parenthesis`). */
      message: string;
      /** Where in `promql` it places the error. */
      offset?: number;
    };

/** The checks of an SLO's queries, in the order the sync combines them: good or bad, then total. */
export function sloQueryChecks(slo: SloDefinition, origins: readonly QueryOrigin[] = []): SloQueryCheck[] {
  const originOf = (query: SloQueryName) => origins.find((origin) => origin.query === query);
  const { sli } = slo;
  if (sli.kind === 'events') {
    const queries: Array<[SloQueryName, string | undefined]> = [['good_query', sli.goodQuery], ['bad_query', sli.badQuery], ['total_query', sli.totalQuery]];
    return queries.flatMap(([query, template]) => {
      if (template === undefined) return [];
      const origin = originOf(query);
      const written = origin?.text ?? template;
      return [{ slo: slo.name, query, written, ...rendered(written), ...(origin === undefined ? {} : { origin }) }];
    });
  }
  // A latency SLI's queries are slo-ledger's own; only its selector (or histogram name) is written.
  const promql = bucketsQuery(slo);
  const selector = originOf('selector');
  const histogram = originOf('histogram');
  const braces = sli.selector === '' ? -1 : promql.indexOf(`_bucket{${sli.selector}}`);
  const from = braces < 0 ? -1 : braces + '_bucket{'.length;
  const at = sli.selector !== '' ? selector ?? histogram : histogram;
  return [{
    slo: slo.name,
    query: sli.selector !== '' ? 'selector' : 'histogram',
    written: sli.selector !== '' ? sli.selector : sli.histogram,
    promql,
    ...(at === undefined ? {} : { origin: at }),
    toWritten: (offset) => (from >= 0 && offset >= from && offset <= from + sli.selector.length ? offset - from : undefined),
  }];
}

function bucketsQuery(slo: SloDefinition): string {
  const queries = buildSliQueries(slo.sli, BUCKET_MS, slo.groupBy);
  return queries.kind === 'latency' ? queries.buckets : queries.total;
}

/** A query as written with every `{{.window}}` as 5m, and the way back from an offset in it. */
function rendered(written: string): Pick<SloQueryCheck, 'promql' | 'toWritten'> {
  // Pieces of the rendered text: [start in promql, start in written, length in written, a placeholder?]
  const pieces: Array<{ at: number; from: number; length: number; placeholder: boolean }> = [];
  let promql = '';
  let last = 0;
  for (const match of written.matchAll(WINDOW_PLACEHOLDER)) {
    pieces.push({ at: promql.length, from: last, length: match.index - last, placeholder: false });
    promql += written.slice(last, match.index);
    pieces.push({ at: promql.length, from: match.index, length: match[0].length, placeholder: true });
    promql += CHECK_WINDOW;
    last = match.index + match[0].length;
  }
  pieces.push({ at: promql.length, from: last, length: written.length - last, placeholder: false });
  promql += written.slice(last);
  const toWritten = (offset: number): number | undefined => {
    if (offset < 0) return undefined;
    for (const piece of pieces) {
      const length = piece.placeholder ? CHECK_WINDOW.length : piece.length;
      if (offset < piece.at + length) return piece.placeholder ? piece.from : piece.from + (offset - piece.at);
    }
    return written.length;
  };
  return { promql, toWritten };
}

/** Where Prometheus's grammar (lezer-promql) finds the first syntax error in `promql`, if anywhere. */
export function syntaxErrorOffset(promql: string): number | undefined {
  let error: number | undefined;
  parser.parse(promql).iterate({
    enter(node) {
      if (error !== undefined) return false;
      if (node.type.isError) error = node.from;
      return undefined;
    },
  });
  return error;
}

/** The vector selectors of a query (`x_total{code=~"5.."}`), with their metric name when written, per lezer-promql. */
export function vectorSelectors(promql: string): Array<{ from: number; text: string; name?: string }> {
  const found: Array<{ from: number; text: string; name?: string }> = [];
  parser.parse(promql).iterate({
    enter(node) {
      if (node.name !== 'VectorSelector') return undefined;
      const identifier = node.node.getChild('Identifier');
      found.push({ from: node.from, text: promql.slice(node.from, node.to), ...(identifier === null ? {} : { name: promql.slice(identifier.from, identifier.to) }) });
      return false;
    },
  });
  return found;
}

/**
 * Asks Prometheus to evaluate one query on its own at `atMs`. A query it refuses (bad_data) or
 * cannot evaluate (execution) gives its verdict; any other failure (unreachable, 5xx, timeout) is thrown.
 */
export async function askAboutQuery(api: PrometheusQueryApi, check: SloQueryCheck, atMs: number, context: QueryContext = {}): Promise<QueryVerdict> {
  try {
    await api.instantQuery(check.promql, atMs, context);
    return { ok: true };
  } catch (error) {
    if (error instanceof PrometheusError && (error.errorType === 'bad_data' || error.errorType === 'execution')) return verdictOf(error, check.promql);
    throw error;
  }
}

/** Prometheus's refusal of `promql`: its text, and the position `L:C:` it starts with as an offset in `promql`. */
export function verdictOf(error: PrometheusError, promql: string): QueryVerdict & { ok: false } {
  const text = (error.detail ?? error.message).replace(/^invalid parameter "query": /, '');
  const positioned = /^(\d+):(\d+): ([\s\S]*)$/.exec(text);
  const errorType = error.errorType ?? 'unknown';
  if (positioned === null) return { ok: false, errorType, message: text };
  const offset = offsetOf(promql, Number(positioned[1]), Number(positioned[2]));
  return { ok: false, errorType, message: positioned[3]!, ...(offset === undefined ? {} : { offset }) };
}

/** Prometheus counts lines from 1 and columns in bytes from 1: the character offset they name. */
function offsetOf(promql: string, line: number, column: number): number | undefined {
  const bytes = Buffer.from(promql, 'utf8');
  let start = 0;
  for (let current = 1; current < line; current += 1) {
    const newline = bytes.indexOf(0x0a, start);
    if (newline < 0) return undefined;
    start = newline + 1;
  }
  const byteOffset = start + column - 1;
  if (column < 1 || byteOffset > bytes.length) return undefined;
  return bytes.subarray(0, byteOffset).toString('utf8').length;
}

/**
 * The place of the character at `offset` of what Prometheus was asked, as a diagnostic's place:
 * FILE:LINE:COL and the field; the query's own start when the offset is not inside what was written.
 * Undefined for a query written nowhere (the built-in SLOs).
 */
export function placeInFile(check: SloQueryCheck, offset: number | undefined): Omit<ConfigDiagnostic, 'message'> | undefined {
  const origin = check.origin;
  if (origin === undefined) return undefined;
  const inWritten = offset === undefined ? undefined : check.toWritten(offset);
  const usable = inWritten !== undefined && origin.text === check.written;
  const { line, column } = usable ? originPosition(origin, inWritten) : { line: origin.line, column: origin.column };
  return { file: origin.file, line, column, path: origin.path };
}

/** How a message names the query: `total_query`, or a latency SLI's `latency selector`. */
export function queryLabel(query: SloQueryName): string {
  return query === 'selector' || query === 'histogram' ? `latency ${query}` : query;
}

/** `FILE:LINE:COL: field: message` where the query is written, else `message`. */
export function diagnosticText(check: SloQueryCheck, verdict: QueryVerdict & { ok: false }): string {
  const place = placeInFile(check, verdict.offset);
  return place === undefined ? verdict.message : formatDiagnostic({ ...place, message: verdict.message });
}

/** The query as written, for a message: as is on one line, quoted when it spans several. */
export function shownQuery(written: string): string {
  const text = written.trim();
  return text.includes('\n') ? JSON.stringify(text) : text;
}
