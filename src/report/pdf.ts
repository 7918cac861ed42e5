import { existsSync } from 'node:fs';
import { join } from 'node:path';
import PDFDocument from 'pdfkit';
import { SloLedgerError } from '../errors.js';
import { layoutDailyChart, type ChartLayout } from './charts.js';
import type { MonthlyReport } from './monthly-model.js';
import { toReportView, type IncidentRow, type ReportView, type SloSectionView } from './report-view.js';

type Doc = PDFKit.PDFDocument;

/** Font files of DejaVu Sans (Debian/Ubuntu package fonts-dejavu-core; Fedora, Arch paths too). */
const FONT_DIRS = ['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/dejavu', '/usr/share/fonts/TTF'];
const REGULAR = 'DejaVuSans.ttf';
const BOLD = 'DejaVuSans-Bold.ttf';

const PAGE = { size: 'A4' as const, margin: 50, top: 64, bottom: 58 };
const COLOURS = { ink: '#1d2330', muted: '#5b6475', rule: '#d9dde5', ok: '#1b7f3b', warning: '#b26a00', critical: '#c62828', bar: '#4a78c2', line: '#2357a8', guide: '#9aa3b2', head: '#f3f5f8' };

/** Where the embedded fonts come from; `fontDir` overrides the search (e.g. a font shipped elsewhere). */
export interface PdfOptions {
  fontDir?: string;
}

/**
 * Finds DejaVu Sans regular and bold. pdfkit's built-in Helvetica is not embedded, and a report
 * must look the same on every reader, so the PDF embeds a TrueType font.
 * @throws SloLedgerError naming the package to install when the fonts are not there.
 */
export function findReportFonts(fontDir?: string): { regular: string; bold: string } {
  const dirs = fontDir === undefined ? FONT_DIRS : [fontDir];
  for (const dir of dirs) {
    const regular = join(dir, REGULAR);
    const bold = join(dir, BOLD);
    if (existsSync(regular) && existsSync(bold)) return { regular, bold };
  }
  throw new SloLedgerError(
    `PDF reports embed the DejaVu Sans font, but ${REGULAR} and ${BOLD} were not found in ${dirs.join(', ')}: ` +
      'install it (Debian/Ubuntu: apt-get install -y fonts-dejavu-core) or write only html,json',
  );
}

/**
 * Renders the report as an A4 PDF with embedded fonts: a summary (overall status, SLO table,
 * incidents, breaches, recommendations), then one section per SLO with its burn-down, daily SLI
 * (and p95) vector charts, coverage and incidents. Every page has a header (service and period)
 * and a footer (generation time, data coverage, page i of n); tables repeat their header across
 * page breaks.
 */
export async function renderReportPdf(report: MonthlyReport, options: PdfOptions = {}): Promise<Buffer> {
  const fonts = findReportFonts(options.fontDir);
  const view = toReportView(report);
  const doc = new PDFDocument({
    size: PAGE.size,
    margins: { top: PAGE.top, bottom: PAGE.bottom, left: PAGE.margin, right: PAGE.margin },
    bufferPages: true,
    // No default font: pdfkit would load Helvetica (not embeddable), or — given a file — open it a
    // second time under the registered name on every font switch (pdfkit 0.20 caches it only once).
    font: null as unknown as string,
    info: { Title: view.title, Author: 'slo-ledger', Subject: `SLO report ${view.period}`, CreationDate: new Date(report.generatedAtMs), ModDate: new Date(report.generatedAtMs) },
  });
  doc.registerFont('regular', fonts.regular);
  doc.registerFont('bold', fonts.bold);
  doc.font('regular');
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    doc.on('end', () => resolve());
    doc.on('error', reject);
  });
  drawSummary(doc, view);
  for (const slo of view.slos) drawSloSection(doc, slo);
  drawPageFurniture(doc, view);
  doc.end();
  await done;
  return Buffer.concat(chunks);
}

function contentWidth(doc: Doc): number {
  return doc.page.width - doc.page.margins.left - doc.page.margins.right;
}

function bottomLimit(doc: Doc): number {
  return doc.page.height - doc.page.margins.bottom;
}

/** Starts a new page unless `height` points still fit on this one. */
function ensureSpace(doc: Doc, height: number): void {
  if (doc.y + height > bottomLimit(doc)) doc.addPage();
}

/**
 * Draws text in a box `width` wide: on one line, placed by hand, when it fits (pdfkit's line
 * wrapper costs most of a PDF's rendering time), else wrapped by pdfkit.
 */
function boxText(doc: Doc, text: string, x: number, y: number, width: number, align: 'left' | 'right' | 'center' = 'left'): void {
  const textWidth = doc.widthOfString(text);
  if (textWidth > width) {
    doc.text(text, x, y, { width, align });
    return;
  }
  const dx = align === 'right' ? width - textWidth : align === 'center' ? (width - textWidth) / 2 : 0;
  doc.text(text, x + dx, y, { lineBreak: false });
}

/** The height of {@link boxText}'s text in a box `width` wide. */
function boxTextHeight(doc: Doc, text: string, width: number): number {
  return doc.widthOfString(text) <= width ? doc.currentLineHeight(true) : doc.heightOfString(text, { width });
}

function heading(doc: Doc, text: string, size: number): void {
  ensureSpace(doc, size * 3);
  doc.moveDown(0.6).font('bold').fontSize(size).fillColor(COLOURS.ink);
  flowText(doc, text);
  doc.moveDown(0.3).font('regular').fontSize(10);
}

function paragraph(doc: Doc, text: string, colour = COLOURS.ink, size = 10): void {
  doc.font('regular').fontSize(size).fillColor(colour);
  if (doc.widthOfString(text) <= contentWidth(doc)) {
    ensureSpace(doc, doc.currentLineHeight(true) + 4);
    flowText(doc, text);
  } else {
    // Several lines: pdfkit wraps them once and carries on on the next page when the page is full.
    ensureSpace(doc, 2 * doc.currentLineHeight(true) + 4);
    doc.text(text, doc.page.margins.left, doc.y, { width: contentWidth(doc) });
  }
  doc.moveDown(0.3);
}

/** Text across the content width at the cursor, which it moves below the text. */
function flowText(doc: Doc, text: string): void {
  const x = doc.page.margins.left;
  const y = doc.y;
  const height = boxTextHeight(doc, text, contentWidth(doc));
  boxText(doc, text, x, y, contentWidth(doc));
  doc.x = x;
  doc.y = y + height;
}

function tierColour(tier: string): string {
  return tier === 'critical' ? COLOURS.critical : tier === 'warning' ? COLOURS.warning : COLOURS.ok;
}

function drawSummary(doc: Doc, view: ReportView): void {
  doc.font('bold').fontSize(20).fillColor(COLOURS.ink);
  flowText(doc, view.title);
  doc.font('regular').fontSize(10).fillColor(COLOURS.muted)
    .text(`Period: ${view.period} · times in ${view.timeZone} · generated ${view.generatedAt} · data coverage ${view.coverage}`);
  doc.moveDown(0.8);
  doc.font('bold').fontSize(13).fillColor(tierColour(view.overallTier)).text(`Overall status: ${view.overallTier.toUpperCase()}`);
  paragraph(doc, view.overallText);
  if (view.partialNote !== null) paragraph(doc, view.partialNote, COLOURS.muted);
  heading(doc, 'Summary', 14);
  drawTable(doc, [
    { header: 'SLO', width: 0.19 },
    { header: 'Objective', width: 0.11, align: 'right' },
    { header: 'SLI', width: 0.1, align: 'right' },
    { header: 'Budget used', width: 0.09, align: 'right' },
    { header: 'Budget left', width: 0.09, align: 'right' },
    { header: 'Tier', width: 0.08 },
    { header: 'Δ SLI vs previous', width: 0.12, align: 'right' },
    { header: 'Coverage', width: 0.12, align: 'right' },
    { header: 'p95', width: 0.1, align: 'right' },
  ], view.summary.map((s) => [s.name, s.objective, s.sli, s.consumed, s.remaining, s.tier, s.change, s.coverage, s.p95]));
  heading(doc, 'Incidents', 14);
  paragraph(doc, view.factorNote, COLOURS.muted, 9);
  if (view.incidents.length === 0) paragraph(doc, 'No incidents in this period.');
  else drawIncidentTable(doc, view.incidents, true);
  if (view.incidentsNote !== null) paragraph(doc, view.incidentsNote, COLOURS.muted, 9);
  heading(doc, 'Breaches', 14);
  if (view.breaches.length === 0) paragraph(doc, 'No SLO ended the period in warning or critical.');
  for (const b of view.breaches) {
    paragraph(doc, `${b.slo}: ${b.tier} — SLI ${b.sli}, below ${b.threshold}. ${b.response} response (seed guide, "SLA Breach Response"):`, tierColour(b.tier));
    for (const step of b.steps) paragraph(doc, `   ${step.after}: ${step.action}`);
  }
  heading(doc, 'Recommendations', 14);
  if (view.recommendations.length === 0) paragraph(doc, 'No recommendations: every objective was met, with data for the whole period.');
  view.recommendations.forEach((r, i) => paragraph(doc, `${i + 1}. ${r.figure} — ${r.text}`));
}

function drawIncidentTable(doc: Doc, rows: readonly IncidentRow[], withSlo: boolean): void {
  const columns: Column[] = [
    ...(withSlo ? [{ header: 'SLO', width: 0.2 }] : []),
    { header: 'Period', width: withSlo ? 0.3 : 0.4 },
    { header: 'Duration', width: 0.12, align: 'right' as const },
    { header: 'Bad events', width: 0.12, align: 'right' as const },
    { header: 'Budget consumed', width: withSlo ? 0.13 : 0.2, align: 'right' as const },
    { header: 'Peak 1 h burn', width: withSlo ? 0.13 : 0.16, align: 'right' as const },
  ];
  drawTable(doc, columns, rows.map((r) => [...(withSlo ? [r.slo] : []), r.period, r.duration, r.bad, r.budget, r.peakBurn]));
}

function drawSloSection(doc: Doc, slo: SloSectionView): void {
  doc.addPage();
  doc.font('bold').fontSize(16).fillColor(tierColour(slo.tier));
  flowText(doc, `${slo.name} — ${slo.tier}`);
  paragraph(doc, slo.description, COLOURS.muted, 9);
  drawFacts(doc, slo.facts);
  const height = slo.charts.length > 2 ? 118 : 140;
  for (const spec of slo.charts) {
    ensureSpace(doc, height + 6);
    const y = doc.y;
    drawChart(doc, layoutDailyChart(spec, contentWidth(doc), height), doc.page.margins.left, y);
    doc.x = doc.page.margins.left;
    doc.y = y + height + 6;
  }
  heading(doc, 'Coverage', 12);
  if (slo.missing.length === 0) paragraph(doc, 'No period without data.');
  else paragraph(doc, `Periods without data: ${listed(slo.missing)}`);
  if (slo.reconciled.length > 0) paragraph(doc, `Scrape gaps reconciled (events counted, spread evenly): ${listed(slo.reconciled)}`);
  heading(doc, 'Incidents', 12);
  if (slo.incidents.length === 0) paragraph(doc, 'None.');
  else drawIncidentTable(doc, slo.incidents, false);
}

/** A list in one paragraph, cut after 12 items so a flapping scrape target cannot fill pages. */
function listed(items: readonly string[]): string {
  const shown = items.slice(0, 12).join('; ');
  return items.length > 12 ? `${shown}; … and ${items.length - 12} more (see the HTML or JSON report)` : shown;
}

/** Facts in two columns of label and value, row by row. */
function drawFacts(doc: Doc, facts: ReadonlyArray<{ label: string; value: string }>): void {
  const left = doc.page.margins.left;
  const column = contentWidth(doc) / 2;
  const labelWidth = 100;
  doc.font('regular').fontSize(9);
  for (let i = 0; i < facts.length; i += 2) {
    const pair = facts.slice(i, i + 2);
    const height = Math.max(...pair.flatMap((f) => [boxTextHeight(doc, f.value, column - labelWidth - 8), boxTextHeight(doc, f.label, labelWidth - 6)])) + 2;
    ensureSpace(doc, height);
    const y = doc.y;
    pair.forEach((fact, k) => {
      const x = left + k * column;
      doc.fillColor(COLOURS.muted);
      boxText(doc, fact.label, x, y, labelWidth - 6);
      doc.fillColor(COLOURS.ink);
      boxText(doc, fact.value, x + labelWidth, y, column - labelWidth - 8);
    });
    doc.x = left;
    doc.y = y + height;
  }
  doc.moveDown(0.5);
}

interface Column {
  header: string;
  /** Share of the content width. */
  width: number;
  align?: 'left' | 'right';
}

/** A table that breaks across pages between rows and repeats its header on each new page. */
function drawTable(doc: Doc, columns: readonly Column[], rows: ReadonlyArray<readonly string[]>): void {
  const left = doc.page.margins.left;
  const total = contentWidth(doc);
  const widths = columns.map((c) => c.width * total);
  const padding = 3;
  // Each cell is measured once: its width decides both the row height and how it is drawn.
  const measure = (cells: readonly string[], font: string): { cells: readonly string[]; font: string; textWidths: number[]; height: number } => {
    doc.font(font).fontSize(8.5);
    const textWidths = cells.map((cell) => doc.widthOfString(cell));
    const heights = cells.map((cell, i) =>
      textWidths[i]! <= widths[i]! - 2 * padding ? doc.currentLineHeight(true) : doc.heightOfString(cell, { width: widths[i]! - 2 * padding }),
    );
    return { cells, font, textWidths, height: Math.max(...heights) + 2 * padding };
  };
  const drawRow = (row: ReturnType<typeof measure>, shaded: boolean): void => {
    const y = doc.y;
    if (shaded) doc.rect(left, y, total, row.height).fill(COLOURS.head);
    doc.font(row.font).fontSize(8.5).fillColor(COLOURS.ink);
    let x = left;
    row.cells.forEach((cell, i) => {
      const inner = widths[i]! - 2 * padding;
      const align = columns[i]?.align ?? 'left';
      if (row.textWidths[i]! > inner) doc.text(cell, x + padding, y + padding, { width: inner, align });
      else doc.text(cell, x + padding + (align === 'right' ? inner - row.textWidths[i]! : 0), y + padding, { lineBreak: false });
      x += widths[i]!;
    });
    doc.moveTo(left, y + row.height).lineTo(left + total, y + row.height).lineWidth(0.5).strokeColor(COLOURS.rule).stroke();
    doc.x = left;
    doc.y = y + row.height;
  };
  const header = measure(columns.map((c) => c.header), 'bold');
  ensureSpace(doc, header.height + (rows[0] ? measure(rows[0], 'regular').height : 0));
  drawRow(header, true);
  for (const cells of rows) {
    const row = measure(cells, 'regular');
    if (doc.y + row.height > bottomLimit(doc)) {
      doc.addPage();
      drawRow(header, true);
    }
    drawRow(row, false);
  }
  doc.moveDown(0.5);
}

/** Draws a laid-out chart with vector primitives at (x0, y0). */
function drawChart(doc: Doc, chart: ChartLayout, x0: number, y0: number): void {
  const { plot } = chart;
  const X = (x: number): number => x0 + x;
  const Y = (y: number): number => y0 + y;
  doc.save();
  doc.font('bold').fontSize(9).fillColor(COLOURS.ink).text(chart.title, X(plot.x), Y(4), { lineBreak: false });
  doc.rect(X(plot.x), Y(plot.y), plot.width, plot.height).lineWidth(0.5).fillAndStroke('#fbfcfd', COLOURS.rule);
  doc.font('regular').fontSize(7).fillColor(COLOURS.muted);
  if (chart.emptyText !== null) doc.text(chart.emptyText, X(plot.x), Y(plot.y + plot.height / 2 - 4), { width: plot.width, align: 'center' });
  for (const t of chart.yTicks) {
    doc.moveTo(X(plot.x), Y(t.y)).lineTo(X(plot.x + plot.width), Y(t.y)).lineWidth(0.3).strokeColor('#e3e6eb').stroke();
    doc.fillColor(COLOURS.muted);
    boxText(doc, t.label, X(0), Y(t.y - 3.5), plot.x - 4, 'right');
  }
  doc.fillColor(COLOURS.muted);
  for (const t of chart.xTicks) boxText(doc, t.label, X(t.x - 10), Y(plot.y + plot.height + 4), 20, 'center');
  for (const b of chart.bars) doc.rect(X(b.x), Y(b.y), b.width, b.height).fill(b.bad ? COLOURS.critical : COLOURS.bar);
  if (chart.guide) {
    const [[x1, y1], [x2, y2]] = chart.guide;
    doc.moveTo(X(x1), Y(y1)).lineTo(X(x2), Y(y2)).lineWidth(0.8).dash(3, { space: 2 }).strokeColor(COLOURS.guide).stroke().undash();
  }
  for (const r of chart.references) {
    doc.moveTo(X(plot.x), Y(r.y)).lineTo(X(plot.x + plot.width), Y(r.y)).lineWidth(0.8).dash(5, { space: 2 }).strokeColor(COLOURS.critical).stroke().undash();
    // A white box behind the label keeps it readable over bars.
    const labelWidth = doc.widthOfString(r.label);
    doc.rect(X(plot.x + plot.width - 6 - labelWidth), Y(r.y - 10), labelWidth + 4, 9).fill('#ffffff');
    doc.fillColor(COLOURS.critical);
    boxText(doc, r.label, X(plot.x), Y(r.y - 9), plot.width - 4, 'right');
  }
  for (const segment of chart.segments) {
    const [first, ...rest] = segment;
    if (first === undefined) continue;
    doc.moveTo(X(first[0]), Y(first[1]));
    for (const [x, y] of rest) doc.lineTo(X(x), Y(y));
    doc.lineWidth(1.5).strokeColor(COLOURS.line).stroke();
  }
  doc.restore();
}

/** Header (title and period) and footer (generation time, coverage, page i of n) on every page. */
function drawPageFurniture(doc: Doc, view: ReportView): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const { margins } = doc.page;
    const saved = { ...margins };
    // Writing inside the margins would otherwise make pdfkit start a new page.
    doc.page.margins = { top: 0, bottom: 0, left: saved.left, right: saved.right };
    const width = doc.page.width - saved.left - saved.right;
    doc.font('regular').fontSize(8).fillColor(COLOURS.muted);
    doc.text(`${view.title}`, saved.left, 30, { width: width * 0.75, lineBreak: false, ellipsis: true });
    boxText(doc, view.period, saved.left + width * 0.75, 30, width * 0.25, 'right');
    doc.moveTo(saved.left, 44).lineTo(saved.left + width, 44).lineWidth(0.5).strokeColor(COLOURS.rule).stroke();
    const footerY = doc.page.height - 40;
    doc.text(`Generated ${view.generatedAt} · data coverage ${view.coverage}`, saved.left, footerY, { width: width * 0.75, lineBreak: false });
    boxText(doc, `Page ${i - range.start + 1} of ${range.count}`, saved.left + width * 0.75, footerY, width * 0.25, 'right');
    doc.page.margins = saved;
  }
}
