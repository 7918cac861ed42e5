import { LineCounter, parseAllDocuments } from 'yaml';
import type { Document } from 'yaml';
import type { ConfigDiagnostic } from '../errors.js';
import { queryOriginAt } from '../config/query-origins.js';
import { formatConfigPath, locateKey, locatePath, positionOf } from '../config/yaml-location.js';
import type { ConfigPath } from '../config/yaml-location.js';
import type { QueryOrigin, SloQueryName } from '../domain/query-origin.js';

// The YAML documents of an OpenSLO or Sloth file, and where each of their values is, so every problem
// is reported as FILE:LINE:COL like the main config's (the same ConfigDiagnostic).

/** One SLO file's text, under the name diagnostics give it. */
export interface SloFileText {
  file: string;
  text: string;
}

/** One YAML document of a file (a file may hold several, separated by `---`). */
export interface SourceDocument {
  file: string;
  /** 0-based position of the document in its file. */
  index: number;
  doc: Document;
  lineCounter: LineCounter;
  value: unknown;
  /** The whole file's text (positions in `doc` are offsets into it). */
  text: string;
}

/** A place in a source document: its file, 1-based line and column, and the field's path. */
export interface SourcePlace {
  file: string;
  line: number;
  column: number;
  path: string;
}

/** `FILE:LINE:COL`, as diagnostics and comments name a place. */
export function formatPlace(place: SourcePlace): string {
  return `${place.file}:${place.line}:${place.column}`;
}

/** Parses every document of a file; YAML errors become diagnostics at their position. */
export function parseSloFile(input: SloFileText): { documents: SourceDocument[]; diagnostics: ConfigDiagnostic[] } {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(input.text, { lineCounter, prettyErrors: false });
  const docs = Array.isArray(parsed) ? parsed : [];
  const diagnostics: ConfigDiagnostic[] = [];
  const documents: SourceDocument[] = [];
  docs.forEach((doc, index) => {
    for (const error of doc.errors) diagnostics.push({ file: input.file, ...positionOf(error.pos[0], lineCounter), path: '', message: error.message });
    if (doc.errors.length > 0) return;
    const value: unknown = doc.toJS();
    // An empty document (a trailing `---`, or comments only) holds nothing to read.
    if (value === null || value === undefined) return;
    documents.push({ file: input.file, index, doc, lineCounter, value, text: input.text });
  });
  return { documents, diagnostics };
}

/** Reads the values of one document and reports its problems at their places. */
export class DocumentReader {
  constructor(
    readonly source: SourceDocument,
    private readonly diagnostics: ConfigDiagnostic[],
  ) {}

  /** The value at `path`, undefined when absent. */
  get(path: ConfigPath): unknown {
    let current: unknown = this.source.value;
    for (const segment of path) {
      if (current === null || typeof current !== 'object') return undefined;
      current = (current as Record<string | number, unknown>)[segment];
    }
    return current;
  }

  /** Where the value at `path` is (or, when absent, the nearest thing that is). */
  place(path: ConfigPath): SourcePlace {
    return { file: this.source.file, ...locatePath(this.source.doc, path, this.source.lineCounter), path: formatConfigPath(path) };
  }

  /** The query at `path` as written, with the place of each of its characters, for errors inside it. */
  queryOrigin(path: ConfigPath, query: SloQueryName, value: string): QueryOrigin {
    return queryOriginAt({ file: this.source.file, doc: this.source.doc, lineCounter: this.source.lineCounter, text: this.source.text }, path, query, value);
  }

  /** Where the key of the value at `path` is (for a field that is refused or unknown). */
  keyPlace(path: ConfigPath): SourcePlace {
    const key = path[path.length - 1];
    if (typeof key !== 'string') return this.place(path);
    return { file: this.source.file, ...locateKey(this.source.doc, path.slice(0, -1), key, this.source.lineCounter), path: formatConfigPath(path) };
  }

  /** Reports a problem with the value at `path` (or, with `atKey`, at its key). */
  problem(path: ConfigPath, message: string, options: { atKey?: boolean } = {}): void {
    const place = options.atKey === true ? this.keyPlace(path) : this.place(path);
    this.diagnostics.push({ ...place, message });
  }

  /** Reports a problem at a place found before. */
  problemAt(place: SourcePlace, message: string): void {
    this.diagnostics.push({ ...place, message });
  }

  /**
   * Checks that the value at `path` is a mapping with only `allowed` keys; each other key is
   * reported at the key. Returns false when the value is present but no mapping.
   */
  mapping(path: ConfigPath, allowed: readonly string[], what: string, hints: Readonly<Record<string, string>> = {}): boolean {
    const value = this.get(path);
    if (value === undefined || value === null) return true;
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.problem(path, `${what} must be a mapping`);
      return false;
    }
    for (const key of Object.keys(value)) {
      if (allowed.includes(key)) continue;
      const hint = hints[key] ?? `${what} has ${allowed.join(', ')}`;
      this.problem([...path, key], `unknown key "${key}": ${hint}`, { atKey: true });
    }
    return true;
  }

  /** A string at `path`; a missing required one or another type is reported. */
  string(path: ConfigPath, required: boolean): string | undefined {
    const value = this.get(path);
    if (value === undefined || value === null) {
      if (required) this.missing(path);
      return undefined;
    }
    if (typeof value !== 'string' || value === '') {
      this.problem(path, typeof value === 'string' ? 'must not be empty' : 'must be a string');
      return undefined;
    }
    return value;
  }

  /** A mapping of strings to strings at `path` (labels, annotations); other values are reported. */
  stringMap(path: ConfigPath): Record<string, string> | undefined {
    const value = this.get(path);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.problem(path, 'must be a mapping of names to strings');
      return undefined;
    }
    const result: Record<string, string> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (typeof item === 'string') result[key] = item;
      else if (typeof item === 'number' || typeof item === 'boolean') result[key] = String(item);
      else this.problem([...path, key], 'must be a string');
    }
    return result;
  }

  /** Reports the field at `path` as missing (at the mapping that lacks it). */
  missing(path: ConfigPath): void {
    const key = path[path.length - 1];
    this.problem(path, `missing required key "${String(key)}"`);
  }
}
