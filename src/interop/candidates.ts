import type { z } from 'zod';
import { sloSchema } from '../config/schema.js';
import { toSloDefinition } from '../config/slo-codec.js';
import { formatConfigPath } from '../config/yaml-location.js';
import type { ConfigPath } from '../config/yaml-location.js';
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
  return {
    slo: toSloDefinition(result.data),
    place: candidate.place,
    label: candidate.label,
    ...(candidate.timeZone === undefined ? {} : { timeZone: candidate.timeZone }),
    ...(candidate.severityLabels === undefined ? {} : { severityLabels: candidate.severityLabels }),
  };
}

function issueAt(issue: z.ZodIssue, candidate: SloCandidate): ConfigDiagnostic {
  const path = issue.path;
  let best: Provenance | undefined;
  for (const entry of candidate.provenance) {
    const prefix = entry.entryPath.length <= path.length && entry.entryPath.every((segment, index) => segment === path[index]);
    if (prefix && (best === undefined || entry.entryPath.length > best.entryPath.length)) best = entry;
  }
  const place = best?.place ?? candidate.place;
  return { ...place, message: `${issue.message} (as slo-ledger's ${formatConfigPath(path) || 'SLO'} of ${candidate.label})` };
}

/** A name for an objective: lower-case letters, digits and dashes. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
