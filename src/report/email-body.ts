import type { Tier } from '../domain/slo.js';
import { escapeXml } from './html.js';
import type { PeriodReport } from './period-report.js';
import { toReportView, type ReportView } from './report-view.js';

/** The monthly mail's body: the report's summary page as mail-friendly HTML, and the same as plain text. */
export interface ReportEmailBody {
  html: string;
  text: string;
}

const TIER_COLOR: Record<Tier, string> = { ok: '#1b7f3b', warning: '#b26a00', critical: '#c62828' };
const FONT = 'font-family:Arial,Helvetica,sans-serif;';
const CELL = 'padding:4px 8px;border-bottom:1px solid #d9dde5;text-align:left;vertical-align:top;';
const NUM = `${CELL}text-align:right;white-space:nowrap;`;

/**
 * Renders the summary of the report (status, the SLO table, breaches, recommendations) for a mail:
 * tables for layout and every style inline, because mail clients drop `<style>` blocks, classes
 * and SVG; the full report with its charts is the attached PDF. Every text is escaped.
 */
export function renderReportEmail(report: PeriodReport): ReportEmailBody {
  const view = toReportView(report);
  return { html: renderHtml(view), text: renderText(view) };
}

function badge(tier: Tier): string {
  return `<span style="display:inline-block;padding:2px 10px;border-radius:10px;background:${TIER_COLOR[tier]};color:#ffffff;font-weight:bold;font-size:12px;text-transform:uppercase;">${tier}</span>`;
}

function renderHtml(view: ReportView): string {
  const e = escapeXml;
  const head = ['SLO', 'Service', 'Objective', 'SLI', 'Budget consumed', 'Budget remaining', 'Tier', 'Change vs previous', 'Coverage']
    .map((h, i) => `<th style="${i >= 2 && i !== 6 ? NUM : CELL}background:#f3f5f8;">${e(h)}</th>`)
    .join('');
  const rows = view.summary
    .map(
      (s) =>
        `<tr><td style="${CELL}white-space:nowrap;">${e(s.name)}</td><td style="${CELL}white-space:nowrap;">${e(s.service)}</td><td style="${NUM}">${e(s.objective)}</td>` +
        `<td style="${NUM}">${e(s.sli)}</td><td style="${NUM}">${e(s.consumed)}</td><td style="${NUM}">${e(s.remaining)}</td>` +
        `<td style="${CELL}color:${TIER_COLOR[s.tier]};font-weight:bold;">${s.tier}</td><td style="${NUM}">${e(s.change)}</td><td style="${NUM}">${e(s.coverage)}</td></tr>`,
    )
    .join('\n');
  const breaches =
    view.breaches.length === 0
      ? '<p style="margin:4px 0;">No SLO ended the period in warning or critical.</p>'
      : view.breaches
          .map(
            (b) =>
              `<p style="margin:6px 0;padding:4px 10px;border-left:4px solid ${TIER_COLOR[b.tier]};"><strong>${e(b.slo)}</strong>${b.group === null ? '' : ` · ${e(b.group)}`}: ${b.tier} — SLI ${e(b.sli)}, below ${e(b.threshold)}. ${e(b.response)} response.` +
              `${b.groupList === null ? '' : `<br><span style="color:#5b6475;font-size:12px;">${e(b.groupList)}</span>`}</p>`,
          )
          .join('\n');
  const recommendations =
    view.recommendations.length === 0
      ? '<p style="margin:4px 0;">No recommendations: every objective was met, with data for the whole period.</p>'
      : `<ol style="margin:4px 0;padding-left:20px;">${view.recommendations.map((r) => `<li style="margin-bottom:4px;"><strong>${e(r.figure)}</strong> — ${e(r.text)}</li>`).join('')}</ol>`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${e(view.title)}</title></head>`,
    `<body style="margin:0;padding:0;background:#ffffff;color:#1d2330;${FONT}">`,
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:900px;margin:0 auto;${FONT}font-size:14px;line-height:1.45;"><tr><td style="padding:16px;">`,
    `<h1 style="font-size:20px;margin:0 0 4px;">${e(view.title)}</h1>`,
    `<p style="margin:0 0 12px;color:#5b6475;font-size:13px;">Period: ${e(view.period)} · times in ${e(view.timeZone)} · generated ${e(view.generatedAt)} · data coverage ${e(view.coverage)}</p>`,
    restatementHtml(view),
    `<p style="margin:8px 0;">Overall status: ${badge(view.overallTier)} ${e(view.overallText)}</p>`,
    view.partialNote === null ? '' : `<p style="margin:4px 0;color:#5b6475;font-size:12px;">${e(view.partialNote)}</p>`,
    `<table cellpadding="0" cellspacing="0" style="border-collapse:collapse;width:100%;font-size:13px;${FONT}"><thead><tr>${head}</tr></thead><tbody>`,
    rows,
    '</tbody></table>',
    '<h2 style="font-size:16px;margin:18px 0 6px;">Breaches</h2>',
    breaches,
    '<h2 style="font-size:16px;margin:18px 0 6px;">Recommendations</h2>',
    recommendations,
    `<p style="margin:18px 0 0;color:#5b6475;font-size:12px;">${view.incidents.length} incident(s) this period. The full report — incidents, daily figures and charts per SLO — is attached as PDF.</p>`,
    '</td></tr></table></body></html>',
    '',
  ].join('\n');
}

/** A restated report's banner: what it replaces and what changed, before anything else. */
function restatementHtml(view: ReportView): string {
  if (view.restatement === null) return '';
  const e = escapeXml;
  const items = view.restatement.changes
    .map((c) => `<li><strong>${e(c.subject)}</strong>: ${e(c.figures)}<ul>${c.causes.map((cause) => `<li>${e(cause)}</li>`).join('')}</ul></li>`)
    .join('');
  return `<div style="margin:8px 0;padding:8px 12px;border-left:4px solid #c0392b;background:#fdf2f1;"><p style="margin:0 0 4px;font-weight:bold;">${e(view.restatement.heading)}</p><ul style="margin:0;padding-left:20px;">${items}</ul></div>`;
}

function renderText(view: ReportView): string {
  const lines = [
    view.title,
    `Period: ${view.period} (times in ${view.timeZone}), generated ${view.generatedAt}, data coverage ${view.coverage}`,
    '',
    ...(view.restatement === null
      ? []
      : [view.restatement.heading, ...view.restatement.changes.flatMap((c) => [`  ${c.subject}: ${c.figures}`, ...c.causes.map((cause) => `    because: ${cause}`)]), '']),
    `Overall status: ${view.overallTier.toUpperCase()}. ${view.overallText}`,
    ...(view.partialNote === null ? [] : [view.partialNote]),
    '',
  ];
  for (const s of view.summary) {
    lines.push(`- ${s.name} (${s.service}): SLI ${s.sli} (objective ${s.objective}), budget consumed ${s.consumed}, remaining ${s.remaining}, ${s.tier.toUpperCase()}, change ${s.change}, coverage ${s.coverage}`);
  }
  lines.push('', 'Breaches:');
  if (view.breaches.length === 0) lines.push('  none');
  for (const b of view.breaches) {
    lines.push(`  ${b.slo}${b.group === null ? '' : ` · ${b.group}`}: ${b.tier} — SLI ${b.sli}, below ${b.threshold}. ${b.response} response.`);
    if (b.groupList !== null) lines.push(`    ${b.groupList}`);
  }
  lines.push('', 'Recommendations:');
  if (view.recommendations.length === 0) lines.push('  none');
  view.recommendations.forEach((r, i) => lines.push(`  ${i + 1}. ${r.figure} — ${r.text}`));
  lines.push('', `${view.incidents.length} incident(s) this period. The full report is attached as PDF.`, '');
  return lines.join('\n');
}
