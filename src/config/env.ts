import { Scalar, isScalar, visit } from 'yaml';
import type { Document, LineCounter, ScalarTag } from 'yaml';
import type { ConfigDiagnostic } from '../errors.js';
import { formatConfigPath, pathFromAncestry, positionOf } from './yaml-location.js';

/** The environment variables interpolation may read; passed in, never taken from `process.env` here. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Result of expanding `${VAR}`, `${VAR:-default}` and `$$` in one string. */
export interface ExpandedText {
  value: string;
  /** Variables referenced without a default that are not set. */
  missing: string[];
  /** References that are not of the form `${NAME}` / `${NAME:-default}`. */
  malformed: string[];
  /** Values taken from the environment (not defaults): candidates for secrets. */
  usedValues: string[];
  /** True when the whole text was exactly one `${...}` reference. */
  wholeText: boolean;
}

const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

/**
 * Expands `${VAR}` and `${VAR:-default}` (default also used when VAR is empty, as in POSIX sh) and
 * `$$` (a literal `$`) in `text`. A `$` followed by anything else is kept as is.
 */
export function expandEnvText(text: string, env: Environment): ExpandedText {
  const result: ExpandedText = { value: '', missing: [], malformed: [], usedValues: [], wholeText: false };
  let index = 0;
  let references = 0;
  while (index < text.length) {
    const dollar = text.indexOf('$', index);
    if (dollar < 0 || dollar === text.length - 1) break;
    result.value += text.slice(index, dollar);
    const next = text[dollar + 1];
    if (next === '$') {
      result.value += '$';
      index = dollar + 2;
      continue;
    }
    if (next !== '{') {
      result.value += '$';
      index = dollar + 1;
      continue;
    }
    const close = text.indexOf('}', dollar + 2);
    const inner = close < 0 ? undefined : REFERENCE.exec(text.slice(dollar + 2, close));
    if (close < 0 || !inner) {
      const end = close < 0 ? text.length : close + 1;
      result.malformed.push(text.slice(dollar, end));
      result.value += text.slice(dollar, end);
      index = end;
      continue;
    }
    references += 1;
    result.value += substitute(inner[1] ?? '', inner[2], env, result);
    index = close + 1;
    if (dollar === 0 && index === text.length && references === 1) result.wholeText = true;
  }
  result.value += text.slice(index);
  return result;
}

function substitute(name: string, fallback: string | undefined, env: Environment, result: ExpandedText): string {
  const value = env[name];
  if (value !== undefined && (value !== '' || fallback === undefined)) {
    result.usedValues.push(value);
    return value;
  }
  if (fallback !== undefined) return fallback;
  result.missing.push(name);
  return '';
}

/** A value that came from the environment, with the config path it landed at. */
export interface EnvSubstitution {
  path: Array<string | number>;
  value: string;
}

/** A plain scalar that was exactly one `${...}` and was re-read as a YAML scalar (e.g. to a number). */
export interface ReresolvedScalar {
  path: Array<string | number>;
  /** The substituted text, for callers that need the string after all. */
  text: string;
}

/** What `interpolateEnv` did to a document. */
export interface InterpolationResult {
  diagnostics: ConfigDiagnostic[];
  substitutions: EnvSubstitution[];
  reresolved: ReresolvedScalar[];
  /** Paths whose scalar could not be interpolated (already reported; skip further checks there). */
  failedPaths: Array<Array<string | number>>;
}

/**
 * Interpolates environment variables into the scalar values of a parsed YAML document, in place.
 * Working on parsed scalars (not on the raw text) keeps line/column positions exact and means a
 * value containing `:` or `#` cannot change the YAML structure. Mapping keys are left alone.
 */
export function interpolateEnv(
  doc: Document,
  env: Environment,
  source: { file: string; lineCounter: LineCounter },
): InterpolationResult {
  const outcome: InterpolationResult = { diagnostics: [], substitutions: [], reresolved: [], failedPaths: [] };
  visit(doc, {
    Scalar(key, node, ancestry) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('$')) return;
      const path = pathFromAncestry(ancestry, node);
      const expanded = expandEnvText(node.value, env);
      const problems = [
        ...expanded.missing.map((name) => `environment variable ${name} is not set (write \${${name}:-default} to give a default)`),
        ...expanded.malformed.map((ref) => `malformed reference "${ref}": write \${NAME} or \${NAME:-default}, and $$ for a literal $`),
      ];
      if (problems.length > 0) {
        const { line, column } = positionOf(node.range?.[0] ?? 0, source.lineCounter);
        const at = { file: source.file, line, column, path: formatConfigPath(path) };
        outcome.diagnostics.push(...problems.map((message) => ({ ...at, message })));
        outcome.failedPaths.push(path);
        return;
      }
      for (const value of expanded.usedValues) outcome.substitutions.push({ path, value });
      if (node.type === Scalar.PLAIN && expanded.wholeText) {
        node.value = resolvePlainScalar(doc, expanded.value);
        if (typeof node.value !== 'string') outcome.reresolved.push({ path, text: expanded.value });
      } else {
        node.value = expanded.value;
      }
    },
  });
  return outcome;
}

/** Reads `text` as the document's schema reads an untagged plain scalar: `587` → 587, `true` → true. */
function resolvePlainScalar(doc: Document, text: string): unknown {
  for (const tag of doc.schema.tags) {
    const scalarTag = tag as ScalarTag;
    if (scalarTag.default === true && scalarTag.test?.test(text)) {
      let failed = false;
      const value = scalarTag.resolve(text, () => (failed = true), {});
      // Some tags (bool, float) resolve to a Scalar that carries formatting hints; keep its value.
      if (!failed) return isScalar(value) ? value.value : value;
    }
  }
  return text;
}
