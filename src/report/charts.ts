/** A point in chart coordinates: x to the right, y downwards (as in SVG and PDF drawing). */
export type Point = readonly [number, number];

/** What a daily chart shows: one value per day (`null`: no value that day). */
export interface DailyChartSpec {
  title: string;
  kind: 'line' | 'bars';
  /** Day labels ("1".."31"). */
  labels: readonly string[];
  values: ReadonlyArray<number | null>;
  /** Line charts: the value before the first day (the burn-down starts at 100 %). */
  startValue?: number;
  /** Horizontal reference lines (objective, zero, threshold). */
  references: ReadonlyArray<{ value: number; label: string }>;
  /** A straight guide line from the first to the last value (the burn-down's even-spend line). */
  guide?: { from: number; to: number };
  /** Bars: values below this are drawn as bad. */
  badBelow?: number;
  /** Bars: values above this are drawn as bad. */
  badAbove?: number;
  /** Formats a y tick; `step` is the distance between ticks, to choose the decimals. */
  formatY: (value: number, step: number) => string;
  /** The y range; computed from the values and references when absent. */
  yMin?: number;
  yMax?: number;
}

/** A chart laid out in a width × height box: the same geometry is drawn as SVG and as PDF. */
export interface ChartLayout {
  title: string;
  width: number;
  height: number;
  plot: { x: number; y: number; width: number; height: number };
  /** Polylines of the line chart, broken where a day has no value. */
  segments: Point[][];
  bars: Array<{ x: number; y: number; width: number; height: number; bad: boolean }>;
  guide: [Point, Point] | null;
  references: Array<{ y: number; label: string }>;
  yTicks: Array<{ y: number; label: string }>;
  xTicks: Array<{ x: number; label: string }>;
  /** Shown instead of a plot when no day has a value. */
  emptyText: string | null;
}

const MARGIN = { left: 58, right: 12, top: 22, bottom: 22 };
const TARGET_TICKS = 5;

/** Lays out a daily chart in a box (pure geometry; see html.ts and pdf.ts for the drawing). */
export function layoutDailyChart(spec: DailyChartSpec, width: number, height: number): ChartLayout {
  const plot = { x: MARGIN.left, y: MARGIN.top, width: width - MARGIN.left - MARGIN.right, height: height - MARGIN.top - MARGIN.bottom };
  const present = spec.values.filter((v): v is number => v !== null && Number.isFinite(v));
  const layout: ChartLayout = {
    title: spec.title, width, height, plot, segments: [], bars: [], guide: null, references: [], yTicks: [], xTicks: [], emptyText: null,
  };
  const n = spec.values.length;
  if (n === 0 || present.length === 0) {
    layout.emptyText = 'no data in this period';
    return layout;
  }
  const ticks = niceTicks(...yRange(spec, present));
  const yMin = ticks.values[0]!;
  const yMax = ticks.values[ticks.values.length - 1]!;
  const yOf = (v: number): number => plot.y + plot.height - ((clamp(v, yMin, yMax) - yMin) / (yMax - yMin)) * plot.height;
  const step = plot.width / n;

  if (spec.kind === 'bars') {
    const barWidth = Math.max(1, step * 0.7);
    spec.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) return;
      const top = yOf(v);
      const bad = (spec.badBelow !== undefined && v < spec.badBelow) || (spec.badAbove !== undefined && v > spec.badAbove);
      layout.bars.push({ x: plot.x + i * step + (step - barWidth) / 2, y: top, width: barWidth, height: Math.max(0.5, plot.y + plot.height - top), bad });
    });
  } else {
    // Line values are end-of-day figures: day i ends at x = (i + 1) · step; the start value sits at x = 0.
    let segment: Point[] = spec.startValue === undefined ? [] : [[plot.x, yOf(spec.startValue)]];
    spec.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) {
        if (segment.length > 0) layout.segments.push(segment);
        segment = [];
        return;
      }
      segment.push([plot.x + (i + 1) * step, yOf(v)]);
    });
    if (segment.length > 0) layout.segments.push(segment);
  }
  if (spec.guide) layout.guide = [[plot.x, yOf(spec.guide.from)], [plot.x + plot.width, yOf(spec.guide.to)]];
  layout.references = spec.references.filter((r) => r.value >= yMin && r.value <= yMax).map((r) => ({ y: yOf(r.value), label: r.label }));
  for (const v of ticks.values) layout.yTicks.push({ y: yOf(v), label: spec.formatY(v, ticks.step) });
  const every = Math.max(1, Math.ceil(n / 8));
  spec.labels.forEach((label, i) => {
    if (i % every === 0 || i === n - 1) layout.xTicks.push({ x: plot.x + (i + (spec.kind === 'bars' ? 0.5 : 1)) * step, label });
  });
  return layout;
}

function yRange(spec: DailyChartSpec, present: number[]): [number, number] {
  const candidates = [...present, ...spec.references.map((r) => r.value), ...(spec.startValue === undefined ? [] : [spec.startValue])];
  let lo = spec.yMin ?? Math.min(...candidates);
  let hi = spec.yMax ?? Math.max(...candidates);
  if (spec.yMin === undefined && spec.yMax === undefined) {
    const pad = (hi - lo) * 0.08;
    lo -= pad;
    hi += pad;
  }
  if (!(hi > lo)) {
    const around = Math.abs(lo) > 0 ? Math.abs(lo) * 0.01 : 1;
    lo -= around;
    hi += around;
  }
  return [lo, hi];
}

/** Round tick values (1, 2 or 5 × 10^k apart) that span [lo, hi]. */
export function niceTicks(lo: number, hi: number): { values: number[]; step: number } {
  const raw = (hi - lo) / (TARGET_TICKS - 1);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude);
  const first = Math.floor(lo / step + 1e-9) * step;
  const values: number[] = [];
  // At most a dozen ticks: (hi − lo) / step ≤ 4 by the choice of step, plus rounding at both ends.
  for (let v = first; v < hi + step - 1e-9 * step && values.length < 12; v += step) values.push(Number(v.toPrecision(12)));
  if (values.length < 2) values.push(Number((first + step).toPrecision(12)));
  return { values, step };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
