import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { createRequire } from 'node:module';
import { redactSecrets } from './errors.js';

export type { Logger } from 'pino';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Values that must never appear in a log line (the config's `secrets`). */
  secrets: readonly string[];
  /** Minimum level; default `info`, or `$SLO_LEDGER_LOG_LEVEL`. */
  level?: string;
  /** Human-readable lines instead of JSON; default: when `destination` is a TTY. */
  pretty?: boolean;
  /** Where lines go; default stdout. */
  destination?: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * The service's logger: one JSON object per line with the fields of the Rendiff monitoring guide's "Log Structure"
 * (`timestamp`, `level` as "INFO", `message`, `component`, and `slo`, `job`, `duration_ms` where
 * they apply); pretty lines on a TTY. Every line passes through a filter that replaces each known
 * secret with `***`, whatever field it hides in (a message, an error's stack, a URL).
 */
export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? process.stdout;
  const pretty = options.pretty ?? destination.isTTY === true;
  const level = options.level ?? process.env.SLO_LEDGER_LOG_LEVEL ?? 'info';
  const redacting = redactingStream(options.secrets, pretty ? prettyStream(destination) : destination);
  return pino(
    {
      level,
      messageKey: pretty ? 'msg' : 'message',
      errorKey: 'error',
      base: null,
      timestamp: pretty ? pino.stdTimeFunctions.isoTime : () => `,"timestamp":"${new Date().toISOString()}"`,
      // pino-pretty needs the numeric level; the JSON lines carry the guide's "INFO".
      ...(pretty ? {} : { formatters: { level: (label: string) => ({ level: label.toUpperCase() }) } }),
      // Belt and braces: credentials in well-known places are removed before serialisation too.
      redact: { paths: ['authorization', 'headers.authorization', 'req.headers.authorization', 'token', '*.token'], censor: '***' },
    },
    redacting,
  );
}

/** pino-pretty, loaded only when a terminal wants pretty lines (it is CommonJS, so require works synchronously). */
function prettyStream(destination: NodeJS.WritableStream & { isTTY?: boolean }): NodeJS.WritableStream {
  const pinoPretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  return pinoPretty({ colorize: destination.isTTY === true, destination, sync: true });
}

/**
 * A stream that strips secrets from every line before passing it on, in plain and JSON-escaped
 * form, and leaves each key once in a JSON line: pino writes a child logger's bindings and the
 * call's fields side by side, so `component` set by both would appear twice (the call's wins).
 */
export function redactingStream(secrets: readonly string[], target: NodeJS.WritableStream): Writable {
  const forms = secrets.filter((s) => s !== '').flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]);
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      const text = uniqueKeys(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      target.write(forms.length === 0 ? text : redactSecrets(text, forms));
      done();
    },
  });
}

/** A JSON log line with each key once (the last value at the first key's place); other text unchanged. */
function uniqueKeys(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    return `${JSON.stringify(JSON.parse(line))}\n`;
  } catch {
    return line;
  }
}
