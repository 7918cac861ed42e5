import { PrometheusDriver, type QueryResult } from 'prometheus-query';
import { PrometheusError, redactSecrets } from '../errors.js';
import type { InstantSample, PrometheusQueryApi, PrometheusSeriesApi, QueryContext, RangeSeries } from './query-api.js';

/** Connection settings of a Prometheus-compatible query API. */
export interface PrometheusClientOptions {
  url: string;
  headers?: Record<string, string>;
  bearerToken?: string;
  basicAuth?: { username: string; password: string };
  timeoutMs: number;
  /** Attempts per request for network errors and 5xx answers (default 3). */
  attempts?: number;
  /** First retry delay; doubles each attempt, with jitter (default 500 ms). */
  backoffMs?: number;
  /** Values masked in every error message. */
  secrets?: readonly string[];
}

/** What prometheus-query throws: a plain object, not an Error. */
interface DriverFailure {
  errorType?: string;
  error?: string;
  httpStatus?: number;
  code?: string;
  prometheus?: { errorType?: string; error?: string };
  /** What the driver caught: its own failure when a 2xx answer was not a Prometheus response. */
  original?: unknown;
  /** Ours (see {@link answerChecks}): the first bytes of an answer that is not a Prometheus response. */
  body?: string;
  /** Ours: a value Prometheus wrote as +Inf, -Inf or NaN, as written. */
  value?: string;
}

/** How much of an answer that is not a Prometheus response an error quotes. */
const BODY_START_CHARS = 200;

/**
 * The Prometheus adapter: prometheus-query underneath, with retries on network errors and 5xx,
 * answers checked for shape and finite values, and failures turned into PrometheusError with
 * the query, the SLO and Prometheus's own error text (secrets removed).
 */
export class PrometheusClient implements PrometheusQueryApi, PrometheusSeriesApi {
  private readonly driver: PrometheusDriver;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly secrets: readonly string[];

  constructor(private readonly options: PrometheusClientOptions) {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.bearerToken) headers.Authorization = `Bearer ${options.bearerToken}`;
    const url = new URL(options.url);
    // A path prefix (Thanos/Mimir: /prometheus) stays in front of /api/v1.
    const prefix = url.pathname.replace(/\/+$/, '');
    this.driver = new PrometheusDriver({
      endpoint: `${url.protocol}//${url.host}`,
      baseURL: `${prefix}/api/v1`,
      headers,
      auth: options.basicAuth,
      timeout: options.timeoutMs,
      // POST keeps long PromQL out of URLs and proxy logs.
      preferPost: true,
      responseInterceptor: answerChecks(),
    });
    this.attempts = options.attempts ?? 3;
    this.backoffMs = options.backoffMs ?? 500;
    this.secrets = [...(options.secrets ?? []), options.bearerToken ?? '', options.basicAuth?.password ?? ''];
  }

  async rangeQuery(query: string, startMs: number, endMs: number, stepMs: number, context: QueryContext = {}): Promise<RangeSeries[]> {
    const result = await this.withRetries(query, context, () => this.driver.rangeQuery(query, startMs, endMs, stepMs / 1000));
    if (result.resultType !== 'matrix' || !Array.isArray(result.result)) {
      throw this.malformed(query, context, `expected a matrix, got ${String(result.resultType)}`);
    }
    return result.result.map((series: { metric?: { labels?: Record<string, string> }; values?: Array<{ time: Date; value: number }> }) => ({
      labels: { ...(series.metric?.labels ?? {}) },
      points: (series.values ?? []).map((v) => [v.time.getTime(), this.finite(v.value, query, context)] as [number, number]),
    }));
  }

  async instantQuery(query: string, atMs: number, context: QueryContext = {}): Promise<InstantSample[]> {
    const result = await this.withRetries(query, context, () => this.driver.instantQuery(query, atMs));
    if (result.resultType === 'scalar' && Array.isArray(result.result)) {
      return [{ labels: {}, value: this.finite(Number(result.result[1]), query, context) }];
    }
    if (result.resultType !== 'vector' || !Array.isArray(result.result)) {
      throw this.malformed(query, context, `expected a vector, got ${String(result.resultType)}`);
    }
    return result.result.map((sample: { metric?: { labels?: Record<string, string> }; value: { value: number } }) => ({
      labels: { ...(sample.metric?.labels ?? {}) },
      value: this.finite(sample.value.value, query, context),
    }));
  }

  async series(selector: string, startMs: number, endMs: number, context: QueryContext = {}): Promise<Array<Record<string, string>>> {
    const metrics = await this.withRetries(selector, context, () => this.driver.series(selector, startMs, endMs));
    if (!Array.isArray(metrics)) throw this.malformed(selector, context, 'expected a list of series');
    return metrics.map((metric) => ({
      ...(metric.name ? { __name__: metric.name } : {}),
      ...((metric.labels ?? {}) as Record<string, string>),
    }));
  }

  private async withRetries<T>(query: string, context: QueryContext, call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (failure) {
        const error = this.toError(failure, query, context);
        const retryable = error.status === undefined || error.status >= 500 || error.status === 429;
        if (!retryable || attempt >= this.attempts || isMalformed(failure)) throw error;
        const delay = this.backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random());
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private finite(value: number, query: string, context: QueryContext): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw this.malformed(query, context, `value ${String(value)} is not a finite number (NaN or ±Inf)`);
    }
    return value;
  }

  private malformed(query: string, context: QueryContext, detail: string): PrometheusError {
    return new PrometheusError(this.clean(`${this.subject(context)}: malformed answer from Prometheus at ${this.options.url}: ${detail}; query: ${query}`), {
      query,
      ...(context.slo ? { slo: context.slo } : {}),
    });
  }

  private toError(failure: unknown, query: string, context: QueryContext): PrometheusError {
    if (failure instanceof PrometheusError) return failure;
    const f = unwrap(failure);
    const base = { query, cause: undefined, ...(context.slo ? { slo: context.slo } : {}) };
    const where = `Prometheus at ${this.options.url}`;
    if (f.errorType === 'slo_ledger_http_status' && f.httpStatus !== undefined) {
      // A proxy's HTML 502, a plain-text 503: the status decides (5xx and 429 are retried).
      const status = f.httpStatus;
      return new PrometheusError(
        this.clean(`${this.subject(context)}: ${where} answered HTTP ${status} with a body that is not a Prometheus API response: ${JSON.stringify(f.body ?? '')}; query: ${query}`),
        { ...base, status },
      );
    }
    const answered = {
      ...(f.prometheus?.errorType === undefined ? {} : { errorType: f.prometheus.errorType }),
      ...(f.prometheus?.error === undefined ? {} : { detail: this.clean(f.prometheus.error) }),
    };
    if (f.errorType === 'slo_ledger_prometheus_error') {
      const status = f.httpStatus ?? 0;
      return new PrometheusError(
        this.clean(`${this.subject(context)}: ${where} answered with an error (${f.prometheus?.errorType ?? 'unknown'}): ${f.error ?? 'no error text'}; query: ${query}`),
        { ...base, ...answered, status: status >= 500 || status === 429 ? status : 0 },
      );
    }
    if (f.errorType === 'slo_ledger_non_finite') {
      return this.malformed(query, context, `value ${f.value ?? '?'} is not a finite number`);
    }
    if (f.errorType === 'http_error' && f.httpStatus !== undefined) {
      const status = f.httpStatus;
      const text = f.prometheus?.error ?? f.error ?? 'no error text';
      const kind = status === 401 || status === 403 ? 'refused the credentials' : `answered HTTP ${status}`;
      return new PrometheusError(this.clean(`${this.subject(context)}: ${where} ${kind}: ${text}; query: ${query}`), { ...base, ...answered, status });
    }
    if (f.errorType === 'timeout_error') {
      return new PrometheusError(this.clean(`${this.subject(context)}: ${where} did not answer within ${this.options.timeoutMs} ms; query: ${query}`), base);
    }
    if (f.errorType === 'network_error' || f.errorType === 'ssl_error') {
      return new PrometheusError(this.clean(`${this.subject(context)}: cannot reach ${where}: ${f.code ?? ''} ${f.error ?? ''}`.trim()), base);
    }
    if (f.errorType === 'client_error') {
      return new PrometheusError(this.clean(`${this.subject(context)}: malformed answer from ${where} (not a Prometheus API response); query: ${query}`), { ...base, status: 0 });
    }
    const message = failure instanceof Error ? failure.message : String(f.error ?? failure);
    return new PrometheusError(this.clean(`${this.subject(context)}: malformed answer from ${where}: ${message}; query: ${query}`), { ...base, status: 0 });
  }

  private subject(context: QueryContext): string {
    return context.subject ?? (context.slo ? `SLO ${context.slo}` : 'query');
  }

  private clean(text: string): string {
    return redactSecrets(text, this.secrets);
  }
}

/**
 * Checks every answer before prometheus-query reads it, so what it would lose is kept: the HTTP
 * status of a 5xx or 429 whose body is not JSON (it reports those as malformed, and they would
 * not be retried), Prometheus's own error of a 200 answer `{"status":"error",…}` (it returns
 * undefined data), and a value written `+Inf`, `-Inf` or `NaN` (it parses `+Inf` as NaN).
 */
function answerChecks() {
  const isPrometheusAnswer = (data: unknown): data is { status: string; errorType?: string; error?: string; data?: unknown } =>
    typeof data === 'object' && data !== null && typeof (data as { status?: unknown }).status === 'string';
  return {
    onFulfilled: <R extends { status: number; data: unknown }>(response: R): R => {
      const { data } = response;
      if (isPrometheusAnswer(data) && data.status === 'error') {
        throw { errorType: 'slo_ledger_prometheus_error', httpStatus: response.status, error: data.error, prometheus: { errorType: data.errorType, error: data.error } } satisfies DriverFailure;
      }
      const bad = isPrometheusAnswer(data) ? nonFiniteValue(data.data) : undefined;
      if (bad !== undefined) throw { errorType: 'slo_ledger_non_finite', value: bad } satisfies DriverFailure;
      return response;
    },
    onRejected: (error: { response?: { status: number; data: unknown } }) => {
      const response = error?.response;
      if (response !== undefined && !isPrometheusAnswer(response.data)) {
        const text = typeof response.data === 'string' ? response.data : JSON.stringify(response.data ?? '');
        throw { errorType: 'slo_ledger_http_status', httpStatus: response.status, body: text.trim().slice(0, BODY_START_CHARS) } satisfies DriverFailure;
      }
      throw error;
    },
  };
}

/** The first value of a query result written `+Inf`, `-Inf` or `NaN`; undefined when all are finite. */
function nonFiniteValue(data: unknown): string | undefined {
  const result = (data as { result?: unknown } | undefined)?.result;
  if (!Array.isArray(result)) return undefined;
  const check = (pair: unknown) => (Array.isArray(pair) && typeof pair[1] === 'string' && !Number.isFinite(Number(pair[1])) ? pair[1] : undefined);
  for (const series of result as Array<{ value?: unknown; values?: unknown[] }>) {
    const found = check(series.value) ?? (Array.isArray(series.values) ? series.values.map(check).find((v) => v !== undefined) : undefined);
    if (found !== undefined) return found;
  }
  return undefined;
}

function isMalformed(failure: unknown): boolean {
  const { errorType } = unwrap(failure);
  return failure instanceof PrometheusError || errorType === 'client_error' || errorType === 'slo_ledger_non_finite';
}

/**
 * prometheus-query rejects a 2xx answer that is not a Prometheus response (an HTML login page) with
 * a `client_error`, then catches its own rejection and wraps it as a `network_error` with the
 * original inside: take the original, or the answer would read as "cannot reach".
 */
function unwrap(failure: unknown): DriverFailure {
  const f = (failure ?? {}) as DriverFailure;
  const original = f.original as DriverFailure | undefined;
  if (f.errorType === 'network_error' && typeof original === 'object' && original !== null && typeof original.errorType === 'string') return original;
  return f;
}
