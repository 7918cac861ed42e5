// Drawing primitives of the PDF report (text boxes, paragraphs, tables, charts); pdf.ts composes
// the report's sections from them.
import type { ChartLayout } from './charts.js';

/** The pdfkit document the report is drawn into. */
export type Doc = PDFKit.PDFDocument;

/** The report's palette, shared by every section so the PDF matches the HTML's CSS. */
export const COLOURS = { ink: '#1d2330', muted: '#5b6475', rule: '#d9dde5', ok: '#1b7f3b', warning: '#b26a00', critical: '#c62828', bar: '#4a78c2', line: '#2357a8', guide: '#9aa3b2', head: '#f3f5f8' };

/** The width between the page's left and right margins. */
export function contentWidth(doc: Doc): number {
  return doc.page.width - doc.page.margins.left - doc.page.margins.right;
}

function bottomLimit(doc: Doc): number {
  return doc.page.height - doc.page.margins.bottom;
}

/** Starts a new page unless `height` points still fit on this one. */
export function ensureSpace(doc: Doc, height: number): void {
  if (doc.y + height > bottomLimit(doc)) doc.addPage();
}

/**
 * Draws text in a box `width` wide: on one line, placed by hand, when it fits (pdfkit's line
 * wrapper costs most of a PDF's rendering time), else wrapped by pdfkit.
 */
export function boxText(doc: Doc, text: string, x: number, y: number, width: number, align: 'left' | 'right' | 'center' = 'left'): void {
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

/** A bold heading; it starts a new page rather than sit alone at the foot of one. */
export function heading(doc: Doc, text: string, size: number): void {
  ensureSpace(doc, size * 3);
  doc.moveDown(0.6).font('bold').fontSize(size).fillColor(COLOURS.ink);
  flowText(doc, text);
  doc.moveDown(0.3).font('regular').fontSize(10);
}

/** A paragraph at the cursor, wrapped across the content width. */
export function paragraph(doc: Doc, text: string, colour = COLOURS.ink, size = 10): void {
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
export function flowText(doc: Doc, text: string): void {
  const x = doc.page.margins.left;
  const y = doc.y;
  const height = boxTextHeight(doc, text, contentWidth(doc));
  boxText(doc, text, x, y, contentWidth(doc));
  doc.x = x;
  doc.y = y + height;
}

/** The colour of a breach tier, as in the HTML report. */
export function tierColour(tier: string): string {
  return tier === 'critical' ? COLOURS.critical : tier === 'warning' ? COLOURS.warning : COLOURS.ok;
}

/** Facts in two columns of label and value, row by row. */
export function drawFacts(doc: Doc, facts: ReadonlyArray<{ label: string; value: string }>): void {
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

/** One column of {@link drawTable}. */
export interface Column {
  header: string;
  /** Share of the content width. */
  width: number;
  align?: 'left' | 'right';
}

/**
 * A table that breaks across pages between rows and repeats its header on each new page; a
 * cell's "\n" starts a new line in it.
 */
export function drawTable(doc: Doc, columns: readonly Column[], rows: ReadonlyArray<readonly string[]>): void {
  const left = doc.page.margins.left;
  const total = contentWidth(doc);
  const widths = columns.map((c) => c.width * total);
  const padding = 3;
  // Each cell is measured once: its width decides both the row height and how it is drawn.
  const measure = (cells: readonly string[], font: string): { cells: readonly string[]; font: string; textWidths: number[]; height: number } => {
    doc.font(font).fontSize(8.5);
    // A cell with a line break is drawn wrapped, however narrow its text: it never fits on one line.
    const textWidths = cells.map((cell) => (cell.includes('\n') ? Infinity : doc.widthOfString(cell)));
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

/** One entry of {@link drawCompactGrid}: a label on the left, its figures on the right, in a colour. */
export interface CompactCell {
  label: string;
  value: string;
  colour: string;
}

/**
 * A long list in a small font, `columns` entries per row, filled row by row: hundreds of entries on
 * a page or two. It breaks across pages between rows and repeats `caption` (shaded) on each new
 * page, as {@link drawTable} repeats its header. A label too long for its cell is cut with "…".
 */
export function drawCompactGrid(doc: Doc, caption: string, cells: readonly CompactCell[], columns: number, size = 7): void {
  const left = doc.page.margins.left;
  const cellWidth = contentWidth(doc) / columns;
  doc.font('regular').fontSize(size);
  const rowHeight = doc.currentLineHeight(true) + 2.5;
  const drawCaption = (): void => {
    const y = doc.y;
    doc.rect(left, y, contentWidth(doc), rowHeight + 2).fill(COLOURS.head);
    doc.font('bold').fontSize(size).fillColor(COLOURS.ink);
    boxText(doc, fitText(doc, caption, contentWidth(doc) - 6), left + 3, y + 2, contentWidth(doc) - 6);
    doc.y = y + rowHeight + 3;
  };
  ensureSpace(doc, 2 * rowHeight + 4);
  drawCaption();
  for (let first = 0; first < cells.length; first += columns) {
    if (doc.y + rowHeight > bottomLimit(doc)) {
      doc.addPage();
      drawCaption();
    }
    const y = doc.y;
    doc.font('regular').fontSize(size);
    cells.slice(first, first + columns).forEach((cell, k) => {
      const x = left + k * cellWidth;
      const valueWidth = doc.widthOfString(cell.value);
      doc.fillColor(cell.colour);
      boxText(doc, fitText(doc, cell.label, cellWidth - valueWidth - 10), x + 2, y, cellWidth - valueWidth - 10);
      boxText(doc, cell.value, x + cellWidth - valueWidth - 6, y, valueWidth + 1);
    });
    doc.x = left;
    doc.y = y + rowHeight;
  }
  doc.moveDown(0.5);
}

/** `text` cut with "…" to fit `width` in the current font. */
export function fitText(doc: Doc, text: string, width: number): string {
  if (doc.widthOfString(text) <= width) return text;
  let lo = 0;
  let hi = text.length;
  // The longest prefix that fits with its ellipsis.
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (doc.widthOfString(`${text.slice(0, mid)}…`) <= width) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}

/** Draws a laid-out chart with vector primitives at (x0, y0). */
export function drawChart(doc: Doc, chart: ChartLayout, x0: number, y0: number): void {
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
