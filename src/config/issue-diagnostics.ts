import type { Document, LineCounter } from 'yaml';
import { z } from 'zod';
import type { ConfigDiagnostic } from '../errors.js';
import { formatConfigPath, locateKey, locatePath } from './yaml-location.js';
import type { ConfigPath } from './yaml-location.js';

/** Where the validated value came from: the parsed file, plus values that were set from elsewhere. */
export interface IssueContext {
  file: string;
  doc: Document;
  lineCounter: LineCounter;
  schema: z.ZodTypeAny;
  /** Paths whose value came from outside the file (e.g. PROMETHEUS_URL), with the label to report. */
  overrides: ReadonlyArray<{ path: ConfigPath; label: string }>;
}

/** Turns one zod issue into diagnostics located at the offending YAML node (one per unknown key). */
export function issueToDiagnostics(issue: z.ZodIssue, context: IssueContext): ConfigDiagnostic[] {
  const { doc, lineCounter, file } = context;
  if (issue.code === z.ZodIssueCode.unrecognized_keys) {
    const known = knownKeysAt(context.schema, issue.path);
    return issue.keys.map((key) => ({
      file,
      ...locateKey(doc, issue.path, key, lineCounter),
      path: formatConfigPath([...issue.path, key]),
      message: `unknown key "${key}"${suggestion(key, known)}`,
    }));
  }
  const key = issue.path[issue.path.length - 1];
  // An issue about a mapping's key itself (a bad token name, say) points at the key, not at its value.
  if (issue.code === z.ZodIssueCode.custom && issue.params?.at === 'key' && typeof key === 'string') {
    return [{ file, ...locateKey(doc, issue.path.slice(0, -1), key, lineCounter), path: formatConfigPath(issue.path), message: issue.message }];
  }
  const override = context.overrides.find((o) => samePath(o.path, issue.path));
  if (override) {
    return [{ file: override.label, line: 0, column: 0, path: formatConfigPath(issue.path), message: issue.message }];
  }
  const missing = issue.code === z.ZodIssueCode.invalid_type && issue.received === 'undefined';
  const message = missing && key !== undefined ? `missing required key "${key}"` : issue.message;
  return [{ file, ...locatePath(doc, issue.path, lineCounter), path: formatConfigPath(issue.path), message }];
}

export function samePath(a: ConfigPath, b: ConfigPath): boolean {
  return a.length === b.length && a.every((segment, index) => segment === b[index]);
}

/** True when `path` is `prefix` or lies under it. */
export function isUnder(path: ConfigPath, prefix: ConfigPath): boolean {
  return prefix.length <= path.length && prefix.every((segment, index) => segment === path[index]);
}

/** The keys the object schema at `path` allows, to suggest a fix for a typo. */
function knownKeysAt(schema: z.ZodTypeAny, path: ConfigPath): string[] {
  let current: z.ZodTypeAny | undefined = unwrap(schema);
  for (const segment of path) {
    if (current instanceof z.ZodArray && typeof segment === 'number') current = unwrap(current.element as z.ZodTypeAny);
    else if (current instanceof z.ZodObject && typeof segment === 'string') {
      const child: z.ZodTypeAny | undefined = (current.shape as Record<string, z.ZodTypeAny | undefined>)[segment];
      current = child === undefined ? undefined : unwrap(child);
    } else current = undefined;
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape as object) : [];
}

function unwrap(schema: z.ZodTypeAny): z.ZodTypeAny {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodEffects) current = current.innerType() as z.ZodTypeAny;
    else if (current instanceof z.ZodDefault) current = current.removeDefault() as z.ZodTypeAny;
    else if (current instanceof z.ZodOptional) current = current.unwrap() as z.ZodTypeAny;
    else return current;
  }
}

function suggestion(key: string, known: readonly string[]): string {
  const close = known
    .map((candidate) => ({ candidate, distance: editDistance(key.toLowerCase(), candidate.toLowerCase()) }))
    .filter(({ distance }) => distance <= (key.length <= 3 ? 1 : Math.max(2, Math.floor(key.length / 3))))
    .sort((a, b) => a.distance - b.distance)[0];
  if (close) return `; did you mean "${close.candidate}"?`;
  return known.length > 0 ? ` (allowed: ${known.join(', ')})` : '';
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
