import { isScalar, Scalar } from 'yaml';
import type { Document, LineCounter } from 'yaml';
import type { QueryOrigin, QueryOriginsBySlo, SloQueryName, SourceRun } from '../domain/query-origin.js';
import type { ConfigFile } from './schema.js';
import { formatConfigPath, locatePath, positionOf } from './yaml-location.js';
import type { ConfigPath } from './yaml-location.js';

// Where each SLO query of a YAML file is, character by character, so an error Prometheus reports at
// a position inside a query can be reported at FILE:LINE:COL of the file.

/** A parsed YAML document with its text, to locate the characters of its values. */
export interface YamlSource {
  file: string;
  doc: Document;
  lineCounter: LineCounter;
  /** The text the document was parsed from. */
  text: string;
}

/** The query at `path` of `source` whose value (as the program reads it) is `value`. */
export function queryOriginAt(source: YamlSource, path: ConfigPath, query: SloQueryName, value: string): QueryOrigin {
  const node = source.doc.getIn(path, true);
  const runs = isScalar(node) ? scalarRuns(node, value, source.text, source.lineCounter) : undefined;
  const start = runs?.[0] ?? locatePath(source.doc, path, source.lineCounter);
  return {
    query,
    file: source.file,
    path: formatConfigPath(path),
    line: start.line,
    column: start.column,
    text: value,
    ...(runs === undefined ? {} : { runs }),
  };
}

/** The queries of the config file's own `slos`, by SLO name. */
export function configQueryOrigins(parsed: ConfigFile, source: YamlSource): Record<string, QueryOrigin[]> {
  const origins: Record<string, QueryOrigin[]> = {};
  (parsed.slos ?? []).forEach((slo, index) => {
    const sli: ConfigPath = ['slos', index, 'sli'];
    const list: QueryOrigin[] = [];
    const { events, latency } = slo.sli;
    if (events !== undefined) {
      for (const key of ['good_query', 'bad_query', 'total_query'] as const) {
        const value = events[key];
        if (value !== undefined) list.push(queryOriginAt(source, [...sli, 'events', key], key, value));
      }
    }
    if (latency !== undefined) {
      list.push(queryOriginAt(source, [...sli, 'latency', 'histogram'], 'histogram', latency.histogram));
      if (source.doc.hasIn([...sli, 'latency', 'selector'])) list.push(queryOriginAt(source, [...sli, 'latency', 'selector'], 'selector', latency.selector));
    }
    origins[slo.name] = list;
  });
  return origins;
}

/** Both sets of origins in one (SLO names are unique across the config and its files). */
export function mergeQueryOrigins(...sets: QueryOriginsBySlo[]): Record<string, readonly QueryOrigin[]> {
  return Object.assign({}, ...sets) as Record<string, readonly QueryOrigin[]>;
}

/**
 * Where each character of a scalar's value lies in the file: the value is matched against its
 * source text — plain, block literal (`|`) or folded (`>`), single- or double-quoted — skipping the
 * indentation and line breaks YAML strips or folds, and the escapes it decodes. Runs start anew at
 * every line and every jump. Undefined when the value does not match its source (a `${VAR}` put in).
 */
export function scalarRuns(node: Scalar, value: string, text: string, lineCounter: LineCounter): SourceRun[] | undefined {
  const range = node.range;
  if (range === undefined || range === null) return undefined;
  const type = node.type ?? Scalar.PLAIN;
  const double = type === Scalar.QUOTE_DOUBLE;
  const single = type === Scalar.QUOTE_SINGLE;
  const block = type === Scalar.BLOCK_LITERAL || type === Scalar.BLOCK_FOLDED;
  let p = range[0];
  let indent = 0;
  if (double || single) p += 1;
  else if (block) {
    // The header line (indicator, chomping and indentation marks, perhaps a comment), then the
    // content's indentation: that of its first line that is not empty.
    const newline = text.indexOf('\n', p);
    if (newline < 0) return undefined;
    p = newline + 1;
    indent = /^(?:[ \t]*\r?\n)*( *)/.exec(text.slice(p))?.[1]?.length ?? 0;
  }
  // After a line break: a block scalar's indentation, or all the white space a flow scalar folds.
  const skipIndent = (at: number): number => {
    let next = at;
    if (block) while (next - at < indent && text[next] === ' ') next += 1;
    else while (text[next] === ' ' || text[next] === '\t') next += 1;
    return next;
  };
  if (block) p = skipIndent(p);
  const end = Math.max(range[1], range[2]);
  const offsets: number[] = [];
  // Trailing line breaks a block scalar keeps are not worth a place: an error there is at the end anyway.
  const wanted = value.replace(/\s+$/, '').length;
  for (let i = 0; i < wanted; i += 1) {
    const c = value[i]!;
    for (;;) {
      if (p >= end) return undefined;
      const s = text[p]!;
      if (double && s === '\\') {
        if (text[p + 1] === '\n' || text[p + 1] === '\r') {
          // An escaped line break joins the lines: nothing of it is in the value.
          p = skipIndent(p + (text[p + 1] === '\r' && text[p + 2] === '\n' ? 3 : 2));
          continue;
        }
        offsets.push(p);
        p += escapeLength(text[p + 1]);
        break;
      }
      if (single && c === "'" && s === "'" && text[p + 1] === "'") {
        offsets.push(p);
        p += 2;
        break;
      }
      if (s === '\r' && text[p + 1] === '\n') {
        p += 1;
        continue;
      }
      if (s === '\n' && (c === '\n' || c === ' ')) {
        // A line break kept (a block literal) or folded into a space.
        offsets.push(p);
        p = skipIndent(p + 1);
        break;
      }
      if (s === c) {
        offsets.push(p);
        p += 1;
        break;
      }
      if (s === ' ' || s === '\t' || s === '\n') {
        // White space YAML trims at a line's end, or an empty line folded away.
        p = s === '\n' ? skipIndent(p + 1) : p + 1;
        continue;
      }
      return undefined;
    }
  }
  const runs: SourceRun[] = [];
  let previous: { offset: number; line: number; column: number } | undefined;
  offsets.forEach((sourceOffset, offset) => {
    const { line, column } = positionOf(sourceOffset, lineCounter);
    const continues = previous !== undefined && previous.line === line && previous.column + (offset - previous.offset) === column;
    if (!continues) {
      runs.push({ offset, line, column });
      previous = { offset, line, column };
    }
  });
  if (runs.length === 0) {
    const start = positionOf(p, lineCounter);
    runs.push({ offset: 0, line: start.line, column: start.column });
  }
  return runs;
}

/** Characters of a double-quoted escape that starts with a backslash followed by `next`. */
function escapeLength(next: string | undefined): number {
  if (next === 'x') return 4;
  if (next === 'u') return 6;
  if (next === 'U') return 10;
  return 2;
}
