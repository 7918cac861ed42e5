// Where an SLO's queries were written, so a query Prometheus refuses can be named by its file, line
// and column rather than by its place in the combined query the sync sends. Plain data: the config
// loader fills it in, the Prometheus adapter and the online config check read it.

/** The queries of an SLO by the config's own names: an events SLI's, or a latency SLI's histogram and selector. */
export type SloQueryName = 'good_query' | 'bad_query' | 'total_query' | 'histogram' | 'selector';

/** Characters of a written query that stand side by side on one line of its file, from `offset` on. */
export interface SourceRun {
  /** Offset in the query's text where the run starts. */
  offset: number;
  /** 1-based line and column of that character. */
  line: number;
  column: number;
}

/** One query of an SLO as written in a file. */
export interface QueryOrigin {
  query: SloQueryName;
  file: string;
  /** The field in its file's own terms: `slos[0].sli.events.total_query`, `spec.slos[0].sli.events.errorQuery`. */
  path: string;
  /** 1-based line and column where the query's text starts. */
  line: number;
  column: number;
  /**
   * The query as written: the file's value, before slo-ledger rewrote it (an OpenSLO or Sloth
   * query's `rate` read as `increase`, say), so positions in it are positions in the file.
   */
  text: string;
  /** Where the characters of `text` are, in order; absent when only the start is known. */
  runs?: readonly SourceRun[];
}

/** The queries of each SLO, by SLO name, as written; an SLO without an entry has none known (built-in SLOs). */
export type QueryOriginsBySlo = Readonly<Record<string, readonly QueryOrigin[]>>;

/**
 * The file position of the character at `offset` in the query's text. An offset at or past the end
 * (Prometheus's "unexpected end of input") is placed just after the last character that is not
 * white space; without runs, the query's start.
 */
export function originPosition(origin: QueryOrigin, offset: number): { line: number; column: number } {
  const runs = origin.runs;
  if (runs === undefined || runs.length === 0) return { line: origin.line, column: origin.column };
  const end = origin.text.trimEnd().length;
  const past = offset >= end;
  const at = Math.max(0, past ? end - 1 : offset);
  let run = runs[0]!;
  for (const candidate of runs) {
    if (candidate.offset > at) break;
    run = candidate;
  }
  return { line: run.line, column: run.column + (at - run.offset) + (past && end > 0 ? 1 : 0) };
}
