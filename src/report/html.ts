import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { layoutDailyChart, type ChartLayout } from './charts.js';
import type { PeriodReport } from './period-report.js';
import { toReportView } from './report-view.js';

/** templates/ at the repository (or package) root: the same two levels up from src/report and dist/report. */
const TEMPLATES_DIR = new URL('../../templates/', import.meta.url);
const CHART_WIDTH = 760;
const CHART_HEIGHT = 210;

let compiled: Handlebars.TemplateDelegate | undefined;

function template(): Handlebars.TemplateDelegate {
  if (compiled === undefined) {
    const source = readFileSync(fileURLToPath(new URL('report.hbs', TEMPLATES_DIR)), 'utf8');
    const css = readFileSync(fileURLToPath(new URL('report.css', TEMPLATES_DIR)), 'utf8');
    const groupsCss = readFileSync(fileURLToPath(new URL('report-groups.css', TEMPLATES_DIR)), 'utf8');
    const hbs = Handlebars.create();
    hbs.registerPartial('css', css);
    // Written only into reports with a grouped SLO, so the others stay as they were.
    hbs.registerPartial('groupsCss', groupsCss);
    compiled = hbs.compile(source, { strict: true });
  }
  return compiled;
}

/**
 * Renders the report as one self-contained HTML page: inline CSS and inline SVG charts, no
 * external requests; a grouped SLO's section has its groups table (the worst in full, the next
 * ones as a compact list). Every text from the model goes through Handlebars' escaping (`{{…}}`)
 * or, inside the SVG, through {@link escapeXml}; only the SVG markup built here is inserted raw.
 */
export function renderReportHtml(report: PeriodReport): string {
  const view = toReportView(report);
  return template()({
    ...view,
    hasGroups: view.slos.some((s) => s.groups !== null),
    slos: view.slos.map((s) => ({
      ...s,
      chartSvgs: s.charts.map((spec) => chartSvg(layoutDailyChart(spec, CHART_WIDTH, CHART_HEIGHT))),
      hasP95: s.days.some((d) => d.p95 !== null),
    })),
  });
}

/** Escapes text for XML/HTML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const n = (v: number): string => (Math.round(v * 10) / 10).toString();

/** Draws a laid-out chart as an inline SVG element. */
export function chartSvg(chart: ChartLayout): string {
  const { plot } = chart;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${chart.width} ${chart.height}" width="${chart.width}" height="${chart.height}" role="img" aria-label="${escapeXml(chart.title)}">`,
    `<text x="${plot.x}" y="14" class="chart-title">${escapeXml(chart.title)}</text>`,
    `<rect x="${n(plot.x)}" y="${n(plot.y)}" width="${n(plot.width)}" height="${n(plot.height)}" class="plot"/>`,
  ];
  if (chart.emptyText !== null) {
    parts.push(`<text x="${n(plot.x + plot.width / 2)}" y="${n(plot.y + plot.height / 2)}" text-anchor="middle" class="empty">${escapeXml(chart.emptyText)}</text>`);
  }
  for (const t of chart.yTicks) {
    parts.push(`<line x1="${n(plot.x)}" x2="${n(plot.x + plot.width)}" y1="${n(t.y)}" y2="${n(t.y)}" class="grid"/>`);
    parts.push(`<text x="${n(plot.x - 4)}" y="${n(t.y + 3)}" text-anchor="end" class="tick">${escapeXml(t.label)}</text>`);
  }
  for (const t of chart.xTicks) {
    parts.push(`<text x="${n(t.x)}" y="${n(plot.y + plot.height + 14)}" text-anchor="middle" class="tick">${escapeXml(t.label)}</text>`);
  }
  for (const b of chart.bars) {
    parts.push(`<rect x="${n(b.x)}" y="${n(b.y)}" width="${n(b.width)}" height="${n(b.height)}" class="${b.bad ? 'bar bad' : 'bar'}"/>`);
  }
  if (chart.guide) {
    const [[x1, y1], [x2, y2]] = chart.guide;
    parts.push(`<line x1="${n(x1)}" y1="${n(y1)}" x2="${n(x2)}" y2="${n(y2)}" class="guide"/>`);
  }
  for (const r of chart.references) {
    parts.push(`<line x1="${n(plot.x)}" x2="${n(plot.x + plot.width)}" y1="${n(r.y)}" y2="${n(r.y)}" class="reference"/>`);
    parts.push(`<text x="${n(plot.x + plot.width - 4)}" y="${n(r.y - 4)}" text-anchor="end" class="reference-label">${escapeXml(r.label)}</text>`);
  }
  for (const segment of chart.segments) {
    parts.push(`<polyline points="${segment.map(([x, y]) => `${n(x)},${n(y)}`).join(' ')}" class="line"/>`);
  }
  parts.push('</svg>');
  return parts.join('');
}
