import type { GroupStatus, SloStatus, StatusWindow } from '../domain/slo-status.js';
import type { SloDefinition, Tier } from '../domain/slo.js';
import type { BurnDownPoint } from '../app/slo-series.js';
import { formatDuration } from '../domain/duration.js';
import { groupsPageHref, renderWorstGroups } from './group-pages.js';
import { SafeHtml, formatBurnRate, formatPercent, html } from './html.js';
import { renderDocument, renderPageLinks } from './page-layout.js';
import { finishPureSteps, type PureSteps } from '../app/steps.js';
import type { AlertState } from './ports.js';
import type { ReportEntry } from './reports.js';
import type { StatementMark } from '../app/statements.js';

/** Windows the status page shows per SLO, besides the SLO's own. */
export const STATUS_PAGE_WINDOWS = ['24h', '7d'] as const;

/** Up to this many SLOs the status page shows every SLO in full; past it, a summary and pages. */
export const STATUS_PAGE_FULL_LIMIT = 50;

/** SLOs shown in full on one page of the summary. */
export const STATUS_PAGE_SIZE = 50;

/** One SLO on the status page. */
export interface StatusPageSlo {
  status: SloStatus;
  burnDown: BurnDownPoint[];
  /** Undefined: no alert state known (alerting not configured, or the SLO not evaluated yet). */
  alert?: AlertState;
  /** A grouped SLO's groups over its own window, worst first (`worstFirst`); undefined without group_by. */
  groups?: GroupStatus[];
}

/** Everything the page shows; rendering is a pure function of it. */
export interface StatusPageModel {
  atMs: number;
  slos: StatusPageSlo[];
  reports: ReportEntry[];
  /** The stated months (figures as mailed), newest first: marked restated, or changed since their statement. */
  statements?: StatementMark[];
  /** False until an alert provider exists: the alert column then says "n/a". */
  alertsAvailable: boolean;
  /** Wall-clock time of the last fully successful sync. */
  lastSyncMs?: number;
  /** The `at` the page was asked for, if any: its links to the group lists carry it, so they show the same instant. */
  at?: string;
}

/** What the SLOs' part of the status page is made from (everything above the monthly reports). */
export type SloPartModel = Pick<StatusPageModel, 'slos' | 'alertsAvailable' | 'at'>;

/**
 * Renders the status page: one self-contained HTML document, every user string escaped, no scripts,
 * no external requests. `sloPart` is the SLOs' part as {@link statusPageSloSteps} renders it, when
 * the server kept it from an earlier request for the same instant; the rest is rendered now.
 */
export function renderStatusPage(model: StatusPageModel, sloPart: SafeHtml = finishPureSteps(statusPageSloSteps(model))): string {
  return renderPage(model, sloPart);
}

/** The SLOs' part of {@link renderStatusPage}: every SLO in full, a step per SLO. */
export function* statusPageSloSteps(model: SloPartModel): PureSteps<SafeHtml> {
  const parts: string[] = [];
  for (const slo of model.slos) {
    parts.push(renderSlo(slo, model).text);
    yield;
  }
  return new SafeHtml(parts.join(''));
}

/** The document around the SLOs' part: the header (instant, last sync) and, after the SLOs, the monthly reports and statements. */
function renderPage(model: StatusPageModel, sloPart: SafeHtml): string {
  const at = new Date(model.atMs).toISOString();
  const lastSync = model.lastSyncMs === undefined ? 'not yet' : new Date(model.lastSyncMs).toISOString();
  const header = html`<h1>SLO status</h1><p>Evaluated at <time id="evaluated-at" datetime="${at}">${at}</time> · last successful sync ${lastSync}</p>`;
  const main = html`${sloPart}
<section class="slo reports" id="reports"><h2>Monthly reports</h2>
${model.reports.length === 0 ? html`<p class="muted">No monthly reports yet.</p>` : html`<ul>${model.reports.map(renderReport)}</ul>`}
${renderStatements(model.statements ?? [])}
</section>`;
  return renderDocument('SLO status — slo-ledger', header, main);
}

/** One SLO's place in the summary: its own window's figures (absent for a window it could not evaluate). */
export interface RankedSlo {
  slo: SloDefinition;
  own?: StatusWindow;
}

/** The status page past {@link STATUS_PAGE_FULL_LIMIT} SLOs. */
export interface StatusSummaryModel extends StatusPageModel {
  /** Every SLO over its own window, worst first. */
  ranking: RankedSlo[];
  /** 1-based; `slos` are the SLOs of this page of `ranking`, in full. */
  page: number;
}

/** What the SLOs' part of the summary page is made from. */
export type SummarySloPartModel = SloPartModel & Pick<StatusSummaryModel, 'ranking' | 'page'>;

/**
 * The status page for many SLOs: how many are in each tier, a table of one page of them worst first
 * (by tier, then by the share of the budget consumed in the SLO's window), the same SLOs in full
 * below it (as {@link renderStatusPage} shows each), links to the other pages (`?page=`, keeping
 * `at`), and the monthly reports. A page stays the size of {@link STATUS_PAGE_SIZE} SLOs however many there are.
 */
export function renderStatusSummary(model: StatusSummaryModel, sloPart: SafeHtml = finishPureSteps(statusSummarySloSteps(model))): string {
  return renderPage(model, sloPart);
}

/** The SLOs' part of {@link renderStatusSummary}: the summary and its table, then the page's SLOs in full (a step per SLO), then the page links. */
export function* statusSummarySloSteps(model: SummarySloPartModel): PureSteps<SafeHtml> {
  const pages = Math.ceil(model.ranking.length / STATUS_PAGE_SIZE);
  const first = (model.page - 1) * STATUS_PAGE_SIZE;
  const shown = model.ranking.slice(first, first + model.slos.length);
  const tiers = (tier: Tier) => model.ranking.filter((r) => (r.own?.tier ?? 'ok') === tier).length;
  const quiet = model.ranking.filter((r) => (r.own?.total ?? 0) === 0).length;
  const nav = renderPageLinks(model.page, pages, model.at);
  const summary = html`<section class="slo summary" id="summary" data-slos="${model.ranking.length}"><h2>${`${model.ranking.length.toLocaleString('en')} SLOs`}</h2>
<p>${(['critical', 'warning', 'ok'] as const).map((t) => html`<span class="tier tier-${t}" data-tier="${t}" data-count="${tiers(t)}">${`${tiers(t).toLocaleString('en')} ${t}`}</span> `)}· ${quiet.toLocaleString('en')} without traffic in their window</p>
<h3>${`Worst first: SLOs ${first + 1}–${first + shown.length} of ${model.ranking.length.toLocaleString('en')}`}</h3>
<div class="muted">by tier, then by the share of the error budget consumed in each SLO's own window</div>
<table class="ranking">
<thead><tr><th>SLO</th><th>Service</th><th>Window</th><th>SLI</th><th>Budget remaining</th><th>Burn rate</th><th>Tier</th></tr></thead>
<tbody>${shown.map((r, i) => renderRankRow(r, first + i + 1))}</tbody>
</table>
${nav}
</section>`;
  yield;
  const sections: string[] = [];
  for (const [i, slo] of model.slos.entries()) {
    sections.push(renderSlo(slo, model, `slo-${first + i + 1}`).text);
    yield;
  }
  return html`${summary}
${new SafeHtml(sections.join(''))}
${nav}`;
}

function renderRankRow({ slo, own }: RankedSlo, rank: number): SafeHtml {
  const tier = own?.tier ?? 'ok';
  return html`<tr data-slo="${slo.name}" data-rank="${rank}">
<td class="group">${`${rank}. `}<a href="${`#slo-${rank}`}">${slo.name}</a></td><td>${slo.service}</td><td>${formatDuration(slo.windowMs)}</td>
<td data-field="sli" data-value="${own?.sliRatio ?? ''}">${formatPercent(own?.sliRatio ?? null)}</td>
<td data-field="remaining" data-value="${own?.errorBudget.remainingRatio ?? ''}">${formatPercent(own?.errorBudget.remainingRatio ?? null, 2)}</td>
<td data-field="burn_rate" data-value="${own?.burnRate ?? ''}">${formatBurnRate(own?.burnRate ?? null)}</td>
<td data-field="tier" data-value="${tier}"><span class="tier tier-${tier}">${tier}</span></td>
</tr>`;
}

function renderSlo({ status, burnDown, alert, groups }: StatusPageSlo, { alertsAvailable, at }: Pick<StatusPageModel, 'alertsAvailable' | 'at'>, anchor?: string): SafeHtml {
  const { slo } = status;
  const ownName = formatDuration(slo.windowMs);
  const own = status.windows.find((w) => w.window === ownName);
  const remaining = own?.errorBudget.remainingRatio ?? null;
  const tier = own?.tier ?? 'ok';
  const barWidth = remaining === null ? 0 : Math.max(0, Math.min(1, remaining)) * 100;
  const alertText = !alertsAvailable ? 'n/a' : alert === undefined ? '—' : alert.state === 'firing' ? `firing (${alert.severity ?? ''})` : alert.state;
  return html`<section class="slo" data-slo="${slo.name}"${anchor === undefined ? '' : html` id="${anchor}"`}>
<h2>${slo.name}</h2>
<div class="muted">${slo.service} · objective ${formatPercent(slo.objectiveRatio, 2)} over ${ownName}${slo.description ? ` · ${slo.description}` : ''}</div>
<div class="head">
  <div><div class="label">SLI (${ownName})</div><div class="big" data-field="sli" data-value="${own?.sliRatio ?? ''}">${formatPercent(own?.sliRatio ?? null)}</div></div>
  <div><div class="label">Error budget remaining</div>
    <div class="bar" role="meter" aria-valuemin="0" aria-valuemax="100" aria-valuenow="${barWidth.toFixed(1)}"><div class="fill-${tier}" style="width:${barWidth.toFixed(2)}%"></div></div>
    <div data-field="remaining" data-value="${remaining ?? ''}">${formatPercent(remaining, 2)}</div></div>
  <div><div class="label">Burn rate (${ownName})</div><div class="big" data-field="burn_rate" data-value="${own?.burnRate ?? ''}">${formatBurnRate(own?.burnRate ?? null)}</div></div>
  <div><div class="label">Tier</div><span class="tier tier-${tier}" data-field="tier">${tier}</span></div>
  <div><div class="label">Alert</div><span data-field="alert">${alertText}</span></div>
</div>
<table>
<thead><tr><th>Window</th><th>SLI</th><th>Budget remaining</th><th>Burn rate</th><th>Events (good / total)</th><th>Coverage</th><th>Tier</th></tr></thead>
<tbody>${status.windows.map(renderWindowRow)}</tbody>
</table>
${renderBurnDown(burnDown, slo.name, ownName)}
${groups === undefined ? '' : renderWorstGroups(slo, groups, ownName, groupsPageHref(slo.name, at))}
</section>
`;
}

function renderWindowRow(w: StatusWindow): SafeHtml {
  return html`<tr data-window="${w.window}">
<td>${w.window}</td>
<td data-field="sli" data-value="${w.sliRatio ?? ''}">${formatPercent(w.sliRatio)}${w.raw === undefined ? '' : html` <small class="muted" data-field="raw_sli" data-value="${w.raw.sliRatio ?? ''}" title="before corrections; ${formatPercent(w.excludedRatio ?? 0, 1)} of the window excluded">(raw ${formatPercent(w.raw.sliRatio)})</small>`}</td>
<td data-field="remaining" data-value="${w.errorBudget.remainingRatio ?? ''}">${formatPercent(w.errorBudget.remainingRatio, 2)}</td>
<td data-field="burn_rate" data-value="${w.burnRate ?? ''}">${formatBurnRate(w.burnRate)}</td>
<td data-field="events" data-good="${w.good}" data-total="${w.total}">${Math.round(w.good).toLocaleString('en')} / ${Math.round(w.total).toLocaleString('en')}</td>
<td data-field="coverage" data-value="${w.coverageRatio}">${formatPercent(w.coverageRatio, 1)}</td>
<td data-field="tier">${w.tier}</td>
</tr>`;
}

const CHART = { width: 640, height: 170, left: 48, right: 12, top: 10, bottom: 24 };

/** The error budget of the SLO window burning down, as an inline SVG line chart. */
export function renderBurnDown(points: readonly BurnDownPoint[], sloName: string, windowName: string): SafeHtml {
  if (points.length < 2) return html`<p class="muted">No budget burn-down: the ${windowName} window had no traffic.</p>`;
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const minY = Math.min(0, ...points.map((p) => p.remainingRatio));
  const maxY = 1;
  const plotW = CHART.width - CHART.left - CHART.right;
  const plotH = CHART.height - CHART.top - CHART.bottom;
  const x = (ms: number) => CHART.left + ((ms - first.atMs) / Math.max(1, last.atMs - first.atMs)) * plotW;
  const y = (ratio: number) => CHART.top + ((maxY - ratio) / (maxY - minY)) * plotH;
  const line = points.map((p) => `${x(p.atMs).toFixed(1)},${y(p.remainingRatio).toFixed(1)}`).join(' ');
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return html`<svg class="burn-down" width="${CHART.width}" height="${CHART.height}" viewBox="0 0 ${CHART.width} ${CHART.height}" role="img" aria-label="${`Error budget burn-down of ${sloName} over ${windowName}`}" data-final-remaining="${last.remainingRatio}">
<title>${`Error budget remaining over the ${windowName} window, ${day(first.atMs)} to ${day(last.atMs)}`}</title>
<rect x="${CHART.left}" y="${CHART.top}" width="${plotW}" height="${plotH}" fill="#fafbfc" stroke="#dde1e8"/>
<line x1="${CHART.left}" x2="${CHART.left + plotW}" y1="${y(0).toFixed(1)}" y2="${y(0).toFixed(1)}" stroke="#d33" stroke-dasharray="4 3"/>
<text x="${CHART.left - 6}" y="${(y(1) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#5d6677">100%</text>
<text x="${CHART.left - 6}" y="${(y(0) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#5d6677">0%</text>
${minY < 0 ? html`<text x="${CHART.left - 6}" y="${(y(minY) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#5d6677">${`${Math.round(minY * 100)}%`}</text>` : ''}
<text x="${CHART.left}" y="${CHART.height - 6}" font-size="11" fill="#5d6677">${day(first.atMs)}</text>
<text x="${CHART.left + plotW}" y="${CHART.height - 6}" text-anchor="end" font-size="11" fill="#5d6677">${day(last.atMs)}</text>
<polyline points="${line}" fill="none" stroke="#2f6fd6" stroke-width="2"/>
</svg>`;
}

function renderStatements(marks: readonly StatementMark[]): SafeHtml | string {
  if (marks.length === 0) return '';
  return html`<h3>Statements (figures as mailed)</h3><ul id="statements">${marks.map((m) => {
    const { statement } = m;
    const state = m.changedSinceStatement ? 'changed since its statement: a restatement is due' : m.restated ? `restated (version ${statement.version})` : 'as stated';
    return html`<li data-month="${statement.month}" data-restated="${String(m.restated)}" data-changed="${String(m.changedSinceStatement)}">${statement.month}: ${state} · version ${statement.version}, ${new Date(statement.producedMs).toISOString()}</li>`;
  })}</ul>`;
}

function renderReport(entry: ReportEntry): SafeHtml {
  return html`<li data-month="${entry.month}">${entry.month}: ${entry.formats.map(
    (f, i) => html`${i > 0 ? ' · ' : ''}<a href="${`api/v1/reports/${entry.month}.${f}`}">${f.toUpperCase()}</a>`,
  )}</li>`;
}
