import { GRID_WIDTH, type DataSourceRef, type Panel, type PrometheusTarget, type ThresholdStep, type ValueMapping } from './grafana-model.js';

/** Panels and their queries use the dashboard's `datasource` variable, never a fixed data source. */
export const DATASOURCE: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

/** A panel before layout: its size, but not yet its place or id. */
export type PanelDraft = Omit<Panel, 'id' | 'gridPos'> & { w: number; h: number };

/** A query of a panel; instant for a value now (gauge, stat), range for a time series. */
export interface Query {
  expr: string;
  legend: string;
}

/** The targets of a panel, refIds A, B, C, … in order. */
export function targets(queries: readonly Query[], instant: boolean): PrometheusTarget[] {
  return queries.map((q, index) => ({
    refId: String.fromCharCode(65 + index),
    datasource: DATASOURCE,
    editorMode: 'code',
    expr: q.expr,
    legendFormat: q.legend,
    instant,
    range: !instant,
  }));
}

/** What every value panel has: title, help text, queries and size. */
export interface PanelSpec {
  title: string;
  description: string;
  queries: readonly Query[];
  w: number;
  h: number;
}

/** How values look: unit, range, decimals, colour steps and value-to-text mappings. */
export interface ValueStyle {
  unit: string;
  decimals?: number;
  min?: number;
  max?: number;
  steps: ThresholdStep[];
  mappings?: ValueMapping[];
}

const LAST_VALUE = { calcs: ['lastNotNull'], fields: '', values: false };

function defaults(style: ValueStyle, color: 'thresholds' | 'palette-classic'): Record<string, unknown> {
  return {
    unit: style.unit,
    ...(style.decimals === undefined ? {} : { decimals: style.decimals }),
    ...(style.min === undefined ? {} : { min: style.min }),
    ...(style.max === undefined ? {} : { max: style.max }),
    color: { mode: color },
    thresholds: { mode: 'absolute', steps: style.steps },
    mappings: style.mappings ?? [],
  };
}

function base(type: string, spec: PanelSpec, instant: boolean): Pick<PanelDraft, 'type' | 'title' | 'description' | 'datasource' | 'targets' | 'w' | 'h'> {
  return { type, title: spec.title, description: spec.description, datasource: DATASOURCE, targets: targets(spec.queries, instant), w: spec.w, h: spec.h };
}

/** A gauge per series: the value now against its colour steps. */
export function gauge(spec: PanelSpec, style: ValueStyle): PanelDraft {
  return {
    ...base('gauge', spec, true),
    fieldConfig: { defaults: defaults(style, 'thresholds'), overrides: [] },
    options: { reduceOptions: LAST_VALUE, orientation: 'auto', showThresholdLabels: false, showThresholdMarkers: true, sizing: 'auto', minVizHeight: 75, minVizWidth: 75 },
  };
}

/** A bar per series, sorted as the query returns them: many groups at a glance. */
export function barGauge(spec: PanelSpec, style: ValueStyle): PanelDraft {
  return {
    ...base('bargauge', spec, true),
    fieldConfig: { defaults: defaults(style, 'thresholds'), overrides: [] },
    options: { reduceOptions: LAST_VALUE, orientation: 'horizontal', displayMode: 'gradient', valueMode: 'color', namePlacement: 'auto', showUnfilled: true, sizing: 'auto', minVizHeight: 16, minVizWidth: 8, maxVizHeight: 300 },
  };
}

/** The value now of each series, as text (with its mapping) on a coloured background or not. */
export function stat(spec: PanelSpec, style: ValueStyle, colorMode: 'background' | 'value' | 'none'): PanelDraft {
  return {
    ...base('stat', spec, true),
    fieldConfig: { defaults: defaults(style, 'thresholds'), overrides: [] },
    options: { reduceOptions: LAST_VALUE, colorMode, graphMode: 'none', justifyMode: 'auto', orientation: 'auto', textMode: 'value_and_name', wideLayout: true, showPercentChange: false },
  };
}

/** Lines over time; the threshold steps are drawn as lines when `thresholdLines`. */
export function timeSeries(spec: PanelSpec, style: ValueStyle, thresholdLines: boolean): PanelDraft {
  return {
    ...base('timeseries', spec, false),
    fieldConfig: {
      defaults: {
        ...defaults(style, 'palette-classic'),
        custom: { drawStyle: 'line', lineWidth: 1, fillOpacity: 0, showPoints: 'never', spanNulls: false, thresholdsStyle: { mode: thresholdLines ? 'line' : 'off' } },
      },
      overrides: [],
    },
    options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true, calcs: [] }, tooltip: { mode: 'multi', sort: 'none' } },
  };
}

/** A band per series whose colour and text follow the value mappings: states over time. */
export function stateTimeline(spec: PanelSpec, style: ValueStyle): PanelDraft {
  return {
    ...base('state-timeline', spec, false),
    fieldConfig: { defaults: { ...defaults(style, 'thresholds'), custom: { fillOpacity: 80, lineWidth: 0 } }, overrides: [] },
    options: { mergeValues: true, showValue: 'auto', alignValue: 'left', rowHeight: 0.9, legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'single', sort: 'none' } },
  };
}

/** A row heading the panels after it; with `repeat`, the row and its panels repeat per value. */
export function row(title: string, repeat?: string): PanelDraft {
  return { type: 'row', title, collapsed: false, panels: [], ...(repeat === undefined ? {} : { repeat }), w: GRID_WIDTH, h: 1 };
}

/**
 * Places drafts left to right on Grafana's 24-wide grid, wrapping to a new line when a panel
 * does not fit; a row always starts a line of its own. Ids count from 1 in order, so the same
 * config always gives the same JSON.
 */
export function layOut(drafts: readonly PanelDraft[]): Panel[] {
  let x = 0;
  let y = 0;
  let lineHeight = 0;
  return drafts.map(({ w, h, ...panel }, index) => {
    const fullLine = panel.type === 'row';
    if (x > 0 && (fullLine || x + w > GRID_WIDTH)) {
      y += lineHeight;
      x = 0;
      lineHeight = 0;
    }
    const placed: Panel = { id: index + 1, ...panel, gridPos: { x, y, w, h } };
    x += w;
    lineHeight = Math.max(lineHeight, h);
    return placed;
  });
}
