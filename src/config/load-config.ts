import { readFileSync } from 'node:fs';
import { isCollection, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { ConfigError } from '../errors.js';
import type { ConfigDiagnostic } from '../errors.js';
import { toAppConfig } from './app-config.js';
import type { AppConfig } from './app-config.js';
import { interpolateEnv } from './env.js';
import type { Environment, InterpolationResult } from './env.js';
import { isUnder, issueToDiagnostics, samePath } from './issue-diagnostics.js';
import type { IssueContext } from './issue-diagnostics.js';
import { configQueryOrigins, mergeQueryOrigins } from './query-origins.js';
import { parseDatabaseLocation } from './database-location.js';
import { configFileSchema } from './schema.js';
import type { ConfigFile } from './schema.js';
import { readSlosFrom } from './slo-files.js';
import { positionOf } from './yaml-location.js';
import type { ConfigPath } from './yaml-location.js';

export type { AppConfig, PrometheusConfig } from './app-config.js';

/** The `source` of a configuration that came from no file. */
export const BUILT_IN_SOURCE = 'built-in defaults';

/** Where to read the configuration from, and the environment for `${VAR}` and overrides. */
export interface LoadConfigOptions {
  /** Explicit file (`--config`); else `env.SLO_LEDGER_CONFIG`; else the built-in defaults. */
  file?: string;
  env: Environment;
}

/**
 * Reads, interpolates, validates and converts the configuration.
 * @throws ConfigError with every problem found (file:line:column and field), never just the first.
 */
export function loadConfig(options: LoadConfigOptions): AppConfig {
  const file = options.file ?? nonEmpty(options.env.SLO_LEDGER_CONFIG);
  const text = file === undefined ? '' : readConfigText(file);
  const source = file ?? BUILT_IN_SOURCE;
  const lineCounter = new LineCounter();
  // logLevel error: the yaml library would print its warnings (a collection used as a key) to
  // stderr; structureProblems reports them at their place instead.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, logLevel: 'error' });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((error) => ({ file: source, ...positionOf(error.pos[0], lineCounter), path: '', message: error.message })),
    );
  }
  const structure = structureProblems(doc, source, lineCounter);
  if (structure.length > 0) throw new ConfigError(structure);
  const interpolation = interpolateEnv(doc, options.env, { file: source, lineCounter });
  const raw: unknown = toPlainData(doc, source, lineCounter) ?? {};
  const overrides = applyOverrides(raw, options.env);
  const context: IssueContext = { file: source, doc, lineCounter, schema: configFileSchema, overrides };
  const { parsed, diagnostics } = validate(raw, interpolation, context);
  // slos_from: its files are read even when the config has problems of its own, so one run reports all.
  const patterns = isRecord(raw) && Array.isArray(raw.slos_from) && raw.slos_from.every((p) => typeof p === 'string' && p !== '') ? (raw.slos_from as string[]) : undefined;
  const fromFiles = patterns === undefined ? undefined : readSlosFrom(patterns, { file: source, doc, lineCounter }, parsed);
  const all = sortDiagnostics([...interpolation.diagnostics, ...diagnostics, ...(fromFiles?.diagnostics ?? [])]);
  if (all.length > 0 || parsed === undefined) throw new ConfigError(all);
  const config = toAppConfig(parsed, source, [...secretSubstitutions(interpolation, parsed), ...databasePasswordOf(parsed.database, options.env)]);
  // Where each query is written, so a query Prometheus refuses is named at its FILE:LINE:COL.
  const origins = configQueryOrigins(parsed, { file: source, doc, lineCounter, text });
  if (fromFiles !== undefined) {
    // The files' SLOs join the config's own (the built-in ones are used only without either).
    config.slos = [...(parsed.slos === undefined ? [] : config.slos), ...fromFiles.slos];
    if (fromFiles.policy !== undefined) config.alerting.policy = fromFiles.policy;
  }
  config.queryOrigins = mergeQueryOrigins(origins, fromFiles?.queryOrigins ?? {});
  return config;
}

/** The most aliases (`*name`) a config may expand: the yaml library's default guard against alias bombs. */
const MAX_ALIAS_COUNT = 100;

/** Mapping keys that are lists or mappings: JavaScript objects cannot hold them, so they are refused where they are. */
function structureProblems(doc: Document, file: string, lineCounter: LineCounter): ConfigDiagnostic[] {
  const problems: ConfigDiagnostic[] = [];
  visit(doc, {
    Pair(_, pair) {
      if (isCollection(pair.key)) {
        problems.push({ file, ...positionOf(pair.key.range?.[0] ?? 0, lineCounter), path: '', message: 'a key must be a plain value (a name), not a list or a mapping' });
      }
    },
  });
  return problems;
}

/**
 * The document as plain data. An alias bomb (aliases that expand to more than the library's limit)
 * is refused at the first alias, as a config problem (exit 2), not as a crash.
 */
function toPlainData(doc: Document, file: string, lineCounter: LineCounter): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    let first: number | undefined;
    visit(doc, {
      Alias(_, alias) {
        first = alias.range?.[0];
        return visit.BREAK;
      },
    });
    throw new ConfigError([{
      file, ...(first === undefined ? { line: 0, column: 0 } : positionOf(first, lineCounter)), path: '',
      message: `${(error as Error).message}: the aliases (*name) expand to more than ${MAX_ALIAS_COUNT} copies`,
    }]);
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function readConfigText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError([{ file, line: 0, column: 0, path: '', message: `cannot read config file: ${reason}` }], {
      cause: error,
    });
  }
}

/**
 * PROMETHEUS_URL replaces `prometheus.url` and DATABASE_URL `database` (each validated like the
 * field it replaces); SLACK_WEBHOOK_URL gives
 * `slack.webhook_url` when the file has none (and turns Slack delivery on by itself).
 */
function applyOverrides(raw: unknown, env: Environment): IssueContext['overrides'] {
  if (!isRecord(raw)) return [];
  const overrides: Array<IssueContext['overrides'][number]> = [];
  const url = nonEmpty(env.PROMETHEUS_URL);
  if (url !== undefined) {
    raw.prometheus ??= {};
    if (isRecord(raw.prometheus)) {
      raw.prometheus.url = url;
      overrides.push({ path: ['prometheus', 'url'], label: 'PROMETHEUS_URL (environment)' });
    }
  }
  const database = nonEmpty(env.DATABASE_URL);
  if (database !== undefined) {
    raw.database = database;
    overrides.push({ path: ['database'], label: 'DATABASE_URL (environment)' });
  }
  const webhook = nonEmpty(env.SLACK_WEBHOOK_URL);
  if (webhook !== undefined && (raw.slack === undefined || raw.slack === null || (isRecord(raw.slack) && raw.slack.webhook_url === undefined))) {
    raw.slack = { ...(isRecord(raw.slack) ? raw.slack : {}), webhook_url: webhook };
    overrides.push({ path: ['slack', 'webhook_url'], label: 'SLACK_WEBHOOK_URL (environment)' });
  }
  return overrides;
}

/**
 * Validates with zod. A plain `${VAR}` scalar was re-read as YAML (so `${PORT}` can be a number);
 * where the schema wants a string (a numeric password, say), its substituted text is used instead.
 */
function validate(
  raw: unknown,
  interpolation: InterpolationResult,
  context: IssueContext,
): { parsed?: ConfigFile; diagnostics: ConfigDiagnostic[] } {
  for (let attempt = 0; attempt <= interpolation.reresolved.length; attempt += 1) {
    const result = configFileSchema.safeParse(raw);
    if (result.success) return { parsed: result.data, diagnostics: [] };
    const fixes = result.error.issues.flatMap((issue) =>
      issue.code === 'invalid_type' && issue.expected === 'string'
        ? interpolation.reresolved.filter((r) => samePath(r.path, issue.path))
        : [],
    );
    if (fixes.length === 0) {
      const issues = result.error.issues.filter((issue) => !interpolation.failedPaths.some((p) => isUnder(issue.path, p)));
      return { diagnostics: issues.flatMap((issue) => issueToDiagnostics(issue, context)) };
    }
    for (const fix of fixes) setIn(raw, fix.path, fix.text);
  }
  return { diagnostics: [] };
}

function setIn(root: unknown, path: ConfigPath, value: unknown): void {
  let current = root;
  path.forEach((segment, index) => {
    if (!isRecord(current) && !Array.isArray(current)) return;
    const container = current as Record<string | number, unknown>;
    if (index === path.length - 1) container[segment] = value;
    else current = container[segment];
  });
}

/** Values taken from the environment into `email` or `slack` that ended up as strings: treat as secrets. */
/** PostgreSQL's password when the URL leaves it to `$PGPASSWORD` (the URL's own is collected with the other URLs'). */
function databasePasswordOf(database: string, env: Environment): string[] {
  const password = nonEmpty(env.PGPASSWORD);
  return password !== undefined && parseDatabaseLocation(database).engine === 'postgres' ? [password] : [];
}

function secretSubstitutions(interpolation: InterpolationResult, parsed: ConfigFile): string[] {
  return interpolation.substitutions
    .filter(({ path }) => path[0] === 'email' || path[0] === 'slack' || path[0] === 'database')
    .filter(({ path }) => typeof getIn(parsed, path) === 'string')
    .map(({ value }) => value)
    .concat(parsed.slack?.webhook_url ?? []);
}

function getIn(root: unknown, path: ConfigPath): unknown {
  let current = root;
  for (const segment of path) {
    if (!isRecord(current) && !Array.isArray(current)) return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function sortDiagnostics(diagnostics: ConfigDiagnostic[]): ConfigDiagnostic[] {
  return [...diagnostics].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}
