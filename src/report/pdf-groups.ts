// The PDF's groups section of a grouped SLO; pdf.ts places it in the SLO's section.
import type { GroupsView } from './groups-view.js';
import { COLOURS, contentWidth, drawCompactGrid, drawTable, heading, paragraph, tierColour, type Doc } from './pdf-layout.js';

/** Entries per row of the compact list, at most; fewer when the labels are long. */
const MAX_COMPACT_COLUMNS = 5;
/** The compact list's font size (points). */
const COMPACT_SIZE = 7;

/**
 * Draws a grouped SLO's groups: the worst ones as full table rows (repeating the header across
 * pages), the next ones compactly several to a row in a small font, then a count of the rest.
 */
export function drawGroups(doc: Doc, groups: GroupsView): void {
  heading(doc, groups.title, 12);
  paragraph(doc, groups.note, COLOURS.muted, 9);
  if (groups.rows.length > 0) {
    // The budget left (1 − used) is left out on paper to give the labels room; the HTML and JSON have it.
    drawTable(doc, [
      { header: 'Group', width: 0.26 },
      { header: 'SLI', width: 0.1, align: 'right' },
      { header: 'Budget used', width: 0.1, align: 'right' },
      { header: 'Burn rate', width: 0.08, align: 'right' },
      { header: 'Tier', width: 0.09 },
      { header: 'Bad / total', width: 0.15, align: 'right' },
      { header: 'Coverage', width: 0.11, align: 'right' },
      { header: 'Incidents', width: 0.11, align: 'right' },
    ], groups.rows.map((g) => [g.labels, g.sli, g.consumed, g.burn, g.tier, g.events, g.coverage, g.incidents]));
  }
  if (groups.compactTitle !== null) {
    // Groups in breach keep their tier's colour, as in the HTML; the others are plain ink.
    const cells = groups.compact.map((g) => ({
      label: g.values,
      value: g.sli,
      colour: g.tier === 'ok' ? COLOURS.ink : tierColour(g.tier),
    }));
    drawCompactGrid(doc, groups.compactTitle, cells, compactColumns(doc, cells), COMPACT_SIZE);
  }
  if (groups.moreNote !== null) paragraph(doc, groups.moreNote, COLOURS.muted, 9);
}

/** As many entries per row as the longest label and figures allow, so that labels are rarely cut. */
function compactColumns(doc: Doc, cells: ReadonlyArray<{ label: string; value: string }>): number {
  doc.font('regular').fontSize(COMPACT_SIZE);
  const widest = Math.max(...cells.map((c) => doc.widthOfString(c.label) + doc.widthOfString(c.value))) + 16;
  return Math.max(1, Math.min(MAX_COMPACT_COLUMNS, Math.floor(contentWidth(doc) / widest)));
}
