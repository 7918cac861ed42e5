/**
 * The part of Grafana's classic dashboard JSON model this project writes. Typed here so the
 * builder cannot misspell a field Grafana would silently ignore; options and field config stay
 * open records because each panel type has its own.
 */

/**
 * `schemaVersion` 41 is what Grafana 11.6 up to 12.1 write (an export from 11.5 says 40; the
 * migration to 42 was merged in September 2025, after 12.1). A newer Grafana migrates 41 when it
 * loads the dashboard, so one file serves 11.6 and every later version.
 */
export const GRAFANA_SCHEMA_VERSION = 41;

/** The Grafana width of a dashboard row, in grid units. */
export const GRID_WIDTH = 24;

export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Every query goes through the dashboard's `datasource` variable, so one import fits any Prometheus. */
export interface DataSourceRef {
  type: 'prometheus';
  uid: string;
}

export interface PrometheusTarget {
  refId: string;
  datasource: DataSourceRef;
  editorMode: 'code';
  expr: string;
  legendFormat: string;
  /** Gauges and stats ask for the value now (`/api/v1/query`); time series for a range. */
  instant: boolean;
  range: boolean;
}

export interface ThresholdStep {
  color: string;
  /** null for the base step (everything below the first value). */
  value: number | null;
}

export interface ValueMapping {
  type: 'value';
  options: Record<string, { text: string; color: string; index: number }>;
}

export interface FieldConfig {
  defaults: Record<string, unknown>;
  overrides: unknown[];
}

/** A panel, or a row (`type: 'row'`) that groups the panels after it. */
export interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: GridPos;
  datasource?: DataSourceRef;
  targets?: PrometheusTarget[];
  fieldConfig?: FieldConfig;
  options?: Record<string, unknown>;
  /** Rows only: collapsed rows would carry their panels inside; these are open. */
  collapsed?: boolean;
  panels?: Panel[];
  /** One copy per selected value of this variable. */
  repeat?: string;
  repeatDirection?: 'h' | 'v';
  maxPerRow?: number;
}

export interface TemplateVariable {
  type: 'datasource' | 'query';
  name: string;
  label: string;
  description?: string;
  query: string | { qryType: number; query: string; refId: string };
  definition?: string;
  datasource?: DataSourceRef;
  /** Empty: Grafana picks (the default data source); or "All" selected. */
  current: Record<string, never> | { selected: true; text: string[]; value: string[] };
  hide: 0;
  includeAll: boolean;
  multi: boolean;
  allValue?: string;
  options: never[];
  refresh: 1 | 2;
  regex: string;
  sort?: number;
}

export interface GrafanaDashboard {
  annotations: { list: unknown[] };
  description: string;
  editable: boolean;
  fiscalYearStartMonth: 0;
  graphTooltip: 0 | 1 | 2;
  id: null;
  links: unknown[];
  panels: Panel[];
  refresh: string;
  schemaVersion: number;
  tags: string[];
  templating: { list: TemplateVariable[] };
  time: { from: string; to: string };
  timepicker: Record<string, never>;
  timezone: string;
  title: string;
  uid: string;
  version: number;
  weekStart: string;
}
