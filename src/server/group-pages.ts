import { formatDuration } from '../domain/duration.js';
import { groupKey, type SloDefinition } from '../domain/slo.js';
import { consumedOf, type GroupStatus, type StatusWindow } from '../domain/slo-status.js';
import { formatGroupLabels } from '../views/status-table.js';
import { SafeHtml, formatBurnRate, formatPercent, html } from './html.js';
import { renderDocument, renderPageLinks } from './page-layout.js';

/** How many groups the status page shows per grouped SLO; the rest are a link away. */
export const STATUS_PAGE_GROUPS = 5;

/** Groups one page of an SLO's list of groups shows; a longer list is split into pages (`?page=`). */
export const GROUPS_PAGE_SIZE = 250;

/**
 * Groups ordered worst first: by the share of the budget consumed in `windowName` (a group without
 * traffic consumed none), ties by their labels so the order is the same on every request.
 */
export function worstFirst(groups: readonly GroupStatus[], windowName: string): GroupStatus[] {
  const consumed = (g: GroupStatus) => consumedOf(g.windows.find((w) => w.window === windowName));
  return groups
    .map((g) => ({ g, consumed: consumed(g), key: groupKey(g.labels) }))
    .sort((a, b) => b.consumed - a.consumed || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ g }) => g);
}

/** The relative link from the status page to an SLO's list of groups, keeping the page's `at`. */
export function groupsPageHref(sloName: string, at: string | undefined): string {
  return `slos/${encodeURIComponent(sloName)}/groups${at === undefined ? '' : `?at=${encodeURIComponent(at)}`}`;
}

/** The status page's part of a grouped SLO: its worst groups in a compact table, and a link to all of them. */
export function renderWorstGroups(slo: SloDefinition, groups: readonly GroupStatus[], windowName: string, href: string): SafeHtml {
  if (groups.length === 0) return html`<p class="muted" data-groups="0">No groups by ${(slo.groupBy ?? []).join(', ')} in the ledger yet.</p>`;
  const worst = groups.slice(0, STATUS_PAGE_GROUPS);
  return html`<h3>${groups.length > worst.length ? `Worst ${worst.length} of ${groups.length} groups` : `Groups, worst first`} (${windowName})</h3>
<table class="groups" data-groups="${groups.length}">
<thead><tr><th>Group</th><th>SLI</th><th>Budget remaining</th><th>Tier</th></tr></thead>
<tbody>${worst.map((g) => renderCompactRow(g, windowName))}</tbody>
</table>
<p><a href="${href}" data-link="groups">${`all ${groups.length} groups`}</a></p>`;
}

function renderCompactRow(group: GroupStatus, windowName: string): SafeHtml {
  const w = group.windows.find((x) => x.window === windowName);
  return html`<tr data-group="${formatGroupLabels(group.labels)}">
<td class="group">${formatGroupLabels(group.labels)}</td>
<td data-field="sli" data-value="${w?.sliRatio ?? ''}">${formatPercent(w?.sliRatio ?? null)}</td>
<td data-field="remaining" data-value="${w?.errorBudget.remainingRatio ?? ''}">${formatPercent(w?.errorBudget.remainingRatio ?? null, 2)}</td>
<td data-field="tier" data-value="${w?.tier ?? 'ok'}"><span class="tier tier-${w?.tier ?? 'ok'}">${w?.tier ?? 'ok'}</span></td>
</tr>`;
}

/** Everything the list of one SLO's groups shows. */
export interface GroupsPageModel {
  atMs: number;
  slo: SloDefinition;
  /** Every group over the SLO's own window, worst first. */
  groups: GroupStatus[];
  /** Which page of {@link GROUPS_PAGE_SIZE} groups to show (1-based); default 1. */
  page?: number;
  /** The `at` the page was asked for, carried into the link back to the status page. */
  at?: string;
}

/**
 * Renders the list of every group of one SLO, worst first: same document, style and escaping as the
 * status page; past {@link GROUPS_PAGE_SIZE} groups, one page of them and links to the others.
 */
export function renderGroupsPage(model: GroupsPageModel): string {
  const { slo, groups } = model;
  const pages = Math.max(1, Math.ceil(groups.length / GROUPS_PAGE_SIZE));
  const page = model.page ?? 1;
  const shown = pages === 1 ? groups : groups.slice((page - 1) * GROUPS_PAGE_SIZE, page * GROUPS_PAGE_SIZE);
  const nav = pages === 1 ? '' : html`<p class="muted">${`Groups ${(page - 1) * GROUPS_PAGE_SIZE + 1}–${(page - 1) * GROUPS_PAGE_SIZE + shown.length} of ${groups.length}`}</p>
${renderPageLinks(page, pages, model.at)}`;
  const windowName = formatDuration(slo.windowMs);
  const at = new Date(model.atMs).toISOString();
  const back = `../../${model.at === undefined ? '' : `?at=${encodeURIComponent(model.at)}`}`;
  const header = html`<h1>${slo.name}: ${groups.length} groups</h1><p>Evaluated at <time id="evaluated-at" datetime="${at}">${at}</time> · <a href="${back}">back to the status page</a></p>`;
  const main = html`<section class="slo" data-slo="${slo.name}">
<h2>${slo.name}, by ${(slo.groupBy ?? []).join(', ')}</h2>
<div class="muted">${slo.service} · objective ${formatPercent(slo.objectiveRatio, 2)} over ${windowName} · worst first, by the share of the error budget consumed</div>
<table class="groups" data-groups="${groups.length}">
<thead><tr><th>Group</th><th>SLI</th><th>Budget remaining</th><th>Burn rate</th><th>Events (good / total)</th><th>Coverage</th><th>Tier</th></tr></thead>
<tbody>${shown.map((g) => renderFullRow(g, g.windows.find((w) => w.window === windowName)))}</tbody>
</table>
${nav}</section>`;
  return renderDocument(`${slo.name} groups — slo-ledger`, header, main);
}

function renderFullRow(group: GroupStatus, w: StatusWindow | undefined): SafeHtml {
  const labels = formatGroupLabels(group.labels);
  if (w === undefined) return html`<tr data-group="${labels}"><td class="group">${labels}</td><td colspan="6">—</td></tr>`;
  return html`<tr data-group="${labels}">
<td class="group">${labels}</td>
<td data-field="sli" data-value="${w.sliRatio ?? ''}">${formatPercent(w.sliRatio)}</td>
<td data-field="remaining" data-value="${w.errorBudget.remainingRatio ?? ''}">${formatPercent(w.errorBudget.remainingRatio, 2)}</td>
<td data-field="burn_rate" data-value="${w.burnRate ?? ''}">${formatBurnRate(w.burnRate)}</td>
<td data-field="events" data-good="${w.good}" data-total="${w.total}">${Math.round(w.good).toLocaleString('en')} / ${Math.round(w.total).toLocaleString('en')}</td>
<td data-field="coverage" data-value="${w.coverageRatio}">${formatPercent(w.coverageRatio, 1)}</td>
<td data-field="tier" data-value="${w.tier}"><span class="tier tier-${w.tier}">${w.tier}</span></td>
</tr>`;
}
