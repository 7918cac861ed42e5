import type { z } from 'zod';
import { sloSchema } from '../config/schema.js';
import { toSloDefinition } from '../config/slo-codec.js';
import { formatConfigPath } from '../config/yaml-location.js';
import type { ConfigPath } from '../config/yaml-location.js';
import type { QueryOrigin, SloQueryName } from '../domain/query-origin.js';
import type { SloDefinition } from '../domain/slo.js';
import type { ConfigDiagnostic } from '../errors.js';
import type { SourcePlace } from './source.js';

// What the OpenSLO and Sloth readers produce: SLO entries in the config file's own form, each field
// remembering the place in the source document it came from, so the config's own validation
// (sloSchema) checks them and its problems are reported at the OpenSLO or Sloth field.

/** A field of a converted entry and the source place it came from. */
export interface Provenance {
  entryPath: ConfigPath;
  place: SourcePlace;
}

/** The severity label a Sloth file sets on its page or ticket alerts, and where. */
export interface SeverityLabel {
  value: string;
  place: SourcePlace;
}

/** One SLO read from a source document, before validation. */
export interface SloCandidate {
  /** The SLO as a config file's `slos` entry would write it. */
  entry: Record<string, unknown>;
  provenance: Provenance[];
  /** The SLI's queries as the document writes them (before any rewriting), with their places. */
  queries?: QueryOrigin[];
  /** Where the SLO is defined (the OpenSLO document or objective, the Sloth `slos` item). */
  place: SourcePlace;
  /** What it is, for messages and the comment `import` writes: `OpenSLO SLO "x", objective "y"`. */
  label: string;
  /** A calendar-aligned window's time zone, which must be the config's. */
  timeZone?: { zone: string; place: SourcePlace };
  /** Sloth: the severity labels of its page and ticket alerts (slo-ledger sets severity itself). */
  severityLabels?: { page?: SeverityLabel; ticket?: SeverityLabel };
}

/** One SLO read and checked: the definition, and where it came from. */
export interface ImportedSlo {
  slo: SloDefinition;
  /** Where each of its queries is written (at the field it came from when it is not written as a query of its own). */
  queries: QueryOrigin[];
  place: SourcePlace;
  label: string;
  timeZone?: { zone: string; place: SourcePlace };
  severityLabels?: { page?: SeverityLabel; ticket?: SeverityLabel };
}

/**
 * Checks a candidate as the config checks its own SLOs; each problem is reported at the source
 * field the offending entry field came from (the nearest one that has a place), naming the
 * slo-ledger field it became.
 */
export function checkCandidate(candidate: SloCandidate, diagnostics: ConfigDiagnostic[]): ImportedSlo | undefined {
  const result = sloSchema.safeParse(candidate.entry);
  if (!result.success) {
    for (const issue of result.error.issues) diagnostics.push(issueAt(issue, candidate));
    return undefined;
  }
  const slo = toSloDefinition(result.data);
  return {
    slo,
    queries: queryOriginsOf(slo, candidate),
    place: candidate.place,
    label: candidate.label,
    ...(candidate.timeZone === undefined ? {} : { timeZone: candidate.timeZone }),
    ...(candidate.severityLabels === undefined ? {} : { severityLabels: candidate.severityLabels }),
  };
}

function issueAt(issue: z.ZodIssue, candidate: SloCandidate): ConfigDiagnostic {
  const path = issue.path;
  return { ...placeOf(path, candidate), message: `${issue.message} (as slo-ledger's ${formatConfigPath(path) || 'SLO'} of ${candidate.label})` };
}

/** The source place of the entry field at `path`: that of the deepest field it lies in that has one. */
function placeOf(path: ConfigPath, candidate: SloCandidate): SourcePlace {
  let best: Provenance | undefined;
  for (const entry of candidate.provenance) {
    const prefix = entry.entryPath.length <= path.length && entry.entryPath.every((segment, index) => segment === path[index]);
    if (prefix && (best === undefined || entry.entryPath.length > best.entryPath.length)) best = entry;
  }
  return best?.place ?? candidate.place;
}

/**
 * The SLO's queries as written: the candidate's own, else (an SLI given whole, as an export's
 * annotation) the query as slo-ledger reads it, at the field it came from.
 */
function queryOriginsOf(slo: SloDefinition, candidate: SloCandidate): QueryOrigin[] {
  const { sli } = slo;
  const queries: Array<[SloQueryName, string | undefined]> =
    sli.kind === 'events'
      ? [['good_query', sli.goodQuery], ['bad_query', sli.badQuery], ['total_query', sli.totalQuery]]
      : [['histogram', sli.histogram], ['selector', sli.selector]];
  return queries.flatMap(([query, text]) => {
    if (text === undefined) return [];
    const written = candidate.queries?.find((origin) => origin.query === query);
    if (written !== undefined) return [written];
    const place = placeOf(['sli', sli.kind, query], candidate);
    return [{ query, file: place.file, path: place.path, line: place.line, column: place.column, text }];
  });
}

/** A name for an objective: lower-case letters, digits and dashes. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
