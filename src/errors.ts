/** Process exit codes the CLI maps errors to: 1 runtime failure, 2 bad usage or config. */
export type ExitCode = 1 | 2;

/** Options every project error accepts: the underlying error and the exit code it maps to. */
export interface SloLedgerErrorOptions {
  cause?: unknown;
  exitCode?: ExitCode;
}

/** Root of the project's error hierarchy; adapters throw only subclasses of it. */
export class SloLedgerError extends Error {
  readonly exitCode?: ExitCode;

  constructor(message: string, options: SloLedgerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options.exitCode !== undefined) this.exitCode = options.exitCode;
  }
}

/**
 * One problem found in a configuration, located in its source.
 * `line` and `column` are 1-based; 0 means the value did not come from a file position
 * (e.g. an environment override or an unreadable file), and formatting then leaves them out.
 */
export interface ConfigDiagnostic {
  file: string;
  line: number;
  column: number;
  /** Field path such as `slos[0].objective`; empty for problems of the whole file. */
  path: string;
  message: string;
}

/** Formats a diagnostic as `FILE:LINE:COL: PATH: MESSAGE`, the way compilers do. */
export function formatDiagnostic(diagnostic: ConfigDiagnostic): string {
  const position = diagnostic.line > 0 ? `:${diagnostic.line}:${diagnostic.column}` : '';
  const path = diagnostic.path === '' ? '' : `${diagnostic.path}: `;
  return `${diagnostic.file}${position}: ${path}${diagnostic.message}`;
}

/** An invalid configuration: carries every diagnostic found, not just the first. Exit code 2. */
export class ConfigError extends SloLedgerError {
  readonly diagnostics: ConfigDiagnostic[];

  constructor(diagnostics: ConfigDiagnostic[], options: { cause?: unknown } = {}) {
    super(diagnostics.map(formatDiagnostic).join('\n'), { ...options, exitCode: 2 });
    this.diagnostics = diagnostics;
  }
}

/** The command line was used wrongly (unknown option, bad argument). Exit code 2. */
export class UsageError extends SloLedgerError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, exitCode: 2 });
  }
}

/** Context of a failed Prometheus request. */
export interface PrometheusErrorOptions {
  cause?: unknown;
  /** The PromQL that failed. */
  query?: string;
  /** HTTP status, when the server answered. */
  status?: number;
  /** Name of the SLO the query was made for. */
  slo?: string;
  /** Prometheus's own errorType, when it answered with one (`bad_data` for a query it cannot parse). */
  errorType?: string;
  /** Prometheus's own error text, when it answered with one (e.g. `1:45: parse error: …`). */
  detail?: string;
}

/** Prometheus could not be reached or refused a query. Exit code 1. */
export class PrometheusError extends SloLedgerError {
  readonly query?: string;
  readonly status?: number;
  readonly slo?: string;
  readonly errorType?: string;
  readonly detail?: string;

  constructor(message: string, options: PrometheusErrorOptions = {}) {
    super(message, { cause: options.cause, exitCode: 1 });
    if (options.query !== undefined) this.query = options.query;
    if (options.status !== undefined) this.status = options.status;
    if (options.slo !== undefined) this.slo = options.slo;
    if (options.errorType !== undefined) this.errorType = options.errorType;
    if (options.detail !== undefined) this.detail = options.detail;
  }
}

/** The SQLite ledger failed (open, migrate, read or write). Exit code 1. */
export class LedgerError extends SloLedgerError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, exitCode: 1 });
  }
}

/** Context of a failed delivery, for the outbox's retry decision. */
export interface DeliveryErrorOptions {
  cause?: unknown;
  /** Retrying cannot help (e.g. a 4xx other than 429, an address the server refuses for good). */
  permanent?: boolean;
  /** The receiver asked to wait this long before the next attempt (HTTP 429 Retry-After). */
  retryAfterMs?: number;
}

/** A report, email or Slack message could not be delivered. Exit code 1. */
export class DeliveryError extends SloLedgerError {
  readonly permanent: boolean;
  readonly retryAfterMs?: number;

  constructor(message: string, options: DeliveryErrorOptions = {}) {
    super(message, { cause: options.cause, exitCode: 1 });
    this.permanent = options.permanent === true;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * Replaces every occurrence of each non-empty secret in `text` with `***`.
 * Longer secrets go first so a secret that contains another is not left half-visible.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  const ordered = [...new Set(secrets.filter((s) => s !== ''))].sort((a, b) => b.length - a.length);
  let result = text;
  for (const secret of ordered) result = result.split(secret).join('***');
  return result;
}
