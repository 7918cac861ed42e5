/** One series of a range query: its labels and its points (epoch ms, value). */
export interface RangeSeries {
  labels: Record<string, string>;
  points: Array<[number, number]>;
}

/** One sample of an instant query. */
export interface InstantSample {
  labels: Record<string, string>;
  value: number;
}

/** What the query is for, so errors can name it. */
export interface QueryContext {
  slo?: string;
  /** What errors name instead of `SLO <slo>` (e.g. `config check`). */
  subject?: string;
}

/** Anything that answers the Prometheus HTTP query API (Prometheus, Thanos, Mimir, VictoriaMetrics). */
export interface PrometheusQueryApi {
  /** Evaluates `query` at start, start+step, …, end (all epoch ms). Values are finite. */
  rangeQuery(query: string, startMs: number, endMs: number, stepMs: number, context?: QueryContext): Promise<RangeSeries[]>;
  /** Evaluates `query` at one instant. */
  instantQuery(query: string, atMs: number, context?: QueryContext): Promise<InstantSample[]>;
}

/** The series API: which series a selector matches over a time range (its labels, `__name__` included). */
export interface PrometheusSeriesApi {
  series(selector: string, startMs: number, endMs: number, context?: QueryContext): Promise<Array<Record<string, string>>>;
}
