import { existsSync } from 'node:fs';
import { join } from 'node:path';
import PDFDocument from 'pdfkit';
import { SloLedgerError } from '../errors.js';
import { layoutDailyChart } from './charts.js';
import type { PeriodReport } from './period-report.js';
import { drawGroups } from './pdf-groups.js';
import { boxText, COLOURS, contentWidth, drawChart, drawFacts, drawTable, ensureSpace, flowText, heading, paragraph, tierColour, type Column, type Doc } from './pdf-layout.js';
import { toReportView, type IncidentRow, type ReportView, type SloSectionView } from './report-view.js';

/** Font files of DejaVu Sans (Debian/Ubuntu package fonts-dejavu-core; Fedora, Arch paths too). */
const FONT_DIRS = ['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/dejavu', '/usr/share/fonts/TTF'];
const REGULAR = 'DejaVuSans.ttf';
const BOLD = 'DejaVuSans-Bold.ttf';

const PAGE = { size: 'A4' as const, margin: 50, top: 64, bottom: 58 };

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
 * (and p95) vector charts, a grouped SLO's groups, coverage and incidents. Every page has a
 * header (service and period) and a footer (generation time, data coverage, page i of n); tables
 * repeat their header across page breaks.
 */
export async function renderReportPdf(report: PeriodReport, options: PdfOptions = {}): Promise<Buffer> {
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

function drawSummary(doc: Doc, view: ReportView): void {
  doc.font('bold').fontSize(20).fillColor(COLOURS.ink);
  flowText(doc, view.title);
  doc.font('regular').fontSize(10).fillColor(COLOURS.muted)
    .text(`Period: ${view.period} · times in ${view.timeZone} · generated ${view.generatedAt} · data coverage ${view.coverage}`);
  doc.moveDown(0.8);
  if (view.restatement !== null) {
    doc.font('bold').fontSize(12).fillColor(COLOURS.ink);
    flowText(doc, view.restatement.heading);
    doc.font('regular');
    for (const change of view.restatement.changes) {
      paragraph(doc, `${change.subject}: ${change.figures}`);
      for (const cause of change.causes) paragraph(doc, `   because: ${cause}`, COLOURS.muted, 9);
    }
    doc.moveDown(0.5);
  }
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
  if (view.corrections.length > 0) {
    const raw = view.summary.filter((s) => s.raw !== null).map((s) => `${s.name} ${s.raw}`).join('; ');
    paragraph(doc, `Figures are corrected: the Corrections section lists the periods taken out of the error budget. Before corrections (SLI and tier as fetched): ${raw}.`, COLOURS.muted, 9);
    heading(doc, 'Corrections', 14);
    paragraph(doc, 'Periods taken out of the error budget: their events count neither as good nor as bad. Bounds are widened to whole 5-minute buckets; the periods below are the time excluded.', COLOURS.muted, 9);
    for (const c of view.corrections) {
      paragraph(doc, `${c.id} · ${c.category} · ${c.excluded} excluded · by ${c.by}: ${c.reason}`);
      paragraph(doc, `   ${c.periods}`, COLOURS.muted, 9);
      for (const effect of c.effects) paragraph(doc, `   ${effect}`, COLOURS.muted, 9);
    }
  }
  heading(doc, 'Incidents', 14);
  paragraph(doc, view.factorNote, COLOURS.muted, 9);
  if (view.incidents.length === 0) paragraph(doc, 'No incidents in this period.');
  else drawIncidentTable(doc, view.incidents, 'slo');
  if (view.incidentsNote !== null) paragraph(doc, view.incidentsNote, COLOURS.muted, 9);
  heading(doc, 'Breaches', 14);
  if (view.breaches.length === 0) paragraph(doc, 'No SLO ended the period in warning or critical.');
  for (const b of view.breaches) {
    paragraph(doc, `${b.slo}${b.group === null ? '' : ` · ${b.group}`}: ${b.tier} — SLI ${b.sli}, below ${b.threshold}. ${b.response} response (Rendiff monitoring guide, "SLA Breach Response"):`, tierColour(b.tier));
    if (b.groupList !== null) paragraph(doc, b.groupList, COLOURS.muted, 9);
    for (const step of b.steps) paragraph(doc, `   ${step.after}: ${step.action}`);
  }
  heading(doc, 'Recommendations', 14);
  if (view.recommendations.length === 0) paragraph(doc, 'No recommendations: every objective was met, with data for the whole period.');
  view.recommendations.forEach((r, i) => paragraph(doc, `${i + 1}. ${r.figure} — ${r.text}`));
}

/** The incident table; its first column names the SLO (and group), the group, or nothing (one SLO's own). */
function drawIncidentTable(doc: Doc, rows: readonly IncidentRow[], first: 'slo' | 'group' | null): void {
  const withSlo = first !== null;
  const name = (r: IncidentRow): string => (first === 'group' ? r.group ?? '' : r.group === null ? r.slo : `${r.slo}\n${r.group}`);
  // Group labels get a wider first column; a table without any keeps the widths it always had.
  const wide = rows.some((r) => r.group !== null) ? 0.08 : 0;
  const columns: Column[] = [
    ...(withSlo ? [{ header: first === 'group' ? 'Group' : 'SLO', width: 0.2 + wide }] : []),
    { header: 'Period', width: (withSlo ? 0.3 : 0.4) - wide },
    { header: 'Duration', width: 0.12, align: 'right' as const },
    { header: 'Bad events', width: 0.12, align: 'right' as const },
    { header: 'Budget consumed', width: withSlo ? 0.13 : 0.2, align: 'right' as const },
    { header: 'Peak 1 h burn', width: withSlo ? 0.13 : 0.16, align: 'right' as const },
  ];
  drawTable(doc, columns, rows.map((r) => [...(withSlo ? [name(r)] : []), r.period, r.duration, r.bad, r.budget, r.peakBurn]));
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
  if (slo.groups !== null) drawGroups(doc, slo.groups);
  heading(doc, 'Coverage', 12);
  if (slo.missing.length === 0) paragraph(doc, 'No period without data.');
  else paragraph(doc, `Periods without data: ${listed(slo.missing)}`);
  if (slo.reconciled.length > 0) paragraph(doc, `Scrape gaps reconciled (events counted, spread evenly): ${listed(slo.reconciled)}`);
  if (slo.excluded.length > 0) paragraph(doc, `Excluded by corrections (neither counted nor missing): ${listed(slo.excluded)}`);
  heading(doc, 'Incidents', 12);
  if (slo.incidents.length === 0) paragraph(doc, 'None.');
  else drawIncidentTable(doc, slo.incidents, null);
  if (slo.groupIncidents.length > 0) {
    heading(doc, 'Incidents of its groups', 12);
    paragraph(doc, "Each group's budget consumed is a share of that group's own error budget for the period.", COLOURS.muted, 9);
    drawIncidentTable(doc, slo.groupIncidents, 'group');
    if (slo.groupIncidentsNote !== null) paragraph(doc, slo.groupIncidentsNote, COLOURS.muted, 9);
  }
}

/** A list in one paragraph, cut after 12 items so a flapping scrape target cannot fill pages. */
function listed(items: readonly string[]): string {
  const shown = items.slice(0, 12).join('; ');
  return items.length > 12 ? `${shown}; … and ${items.length - 12} more (see the HTML or JSON report)` : shown;
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
