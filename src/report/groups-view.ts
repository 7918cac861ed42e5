import type { Tier } from '../domain/slo.js';
import { formatBudget, formatBurn, formatCount, formatGroupLabels, formatPercent, formatSli } from './format.js';
import type { Breach, GroupReport, SloReport } from './period-report.js';

/** Groups shown in full rows, the worst first; the rest are listed compactly. */
export const FULL_GROUPS = 20;
/** Groups listed compactly after the full rows, at most; the JSON report has every group. */
export const COMPACT_GROUPS = 200;

/** One group in a full row of the groups table. */
export interface GroupRow {
  labels: string;
  sli: string;
  consumed: string;
  remaining: string;
  burn: string;
  tier: Tier;
  events: string;
  coverage: string;
  incidents: string;
}

/** One group in the compact list: its label values (the title names the labels) and SLI; its budget consumed for a tooltip. */
export interface CompactGroup {
  values: string;
  sli: string;
  consumed: string;
  tier: Tier;
}

/** A grouped SLO's groups as its section shows them: the worst in full, the next ones compactly, a count of the rest. */
export interface GroupsView {
  title: string;
  note: string;
  rows: GroupRow[];
  /** Says which groups the compact list holds; null when there is none. */
  compactTitle: string | null;
  /** The rank of the compact list's first group. */
  compactStart: number;
  compact: CompactGroup[];
  /** Says how many groups neither list shows; null when both show every group. */
  moreNote: string | null;
}

/**
 * Formats a grouped SLO's groups (already sorted by budget consumed, worst first): the first
 * {@link FULL_GROUPS} as full rows, the next {@link COMPACT_GROUPS} as label → SLI and budget, and a
 * count of the rest, so hundreds of groups stay readable on paper. Null for an ungrouped SLO.
 */
export function toGroupsView(slo: SloReport): GroupsView | null {
  if (slo.groups === undefined) return null;
  const { groups } = slo;
  const by = (slo.groupBy ?? []).join(', ');
  const missed = groups.filter((g) => g.objectiveMet === false).length;
  const rest = groups.slice(FULL_GROUPS, FULL_GROUPS + COMPACT_GROUPS);
  const hidden = groups.length - FULL_GROUPS - rest.length;
  return {
    title: `Groups by ${by}`,
    note:
      groups.length === 0
        ? 'No group had data in this period.'
        : `${groups.length} group${groups.length === 1 ? '' : 's'}, ${missed} below the objective; sorted by the share of ` +
          'its own error budget each group consumed, the most first. Each group is held to the SLO\'s objective and tiers.',
    rows: groups.slice(0, FULL_GROUPS).map(groupRow),
    // The compact list shows label values only, to fit several groups on a line; the title names the labels.
    compactTitle:
      rest.length === 0 ? null : `Groups ${FULL_GROUPS + 1}–${FULL_GROUPS + rest.length} by ${by}, in the same order (label values: SLI):`,
    compactStart: FULL_GROUPS + 1,
    compact: rest.map((g) => ({ values: Object.values(g.labels).join(', '), sli: formatSli(g.sliRatio), consumed: formatBudget(g.errorBudget.consumedRatio), tier: g.tier })),
    moreNote: hidden > 0 ? `… and ${hidden} more group${hidden === 1 ? '' : 's'}, each having consumed less of its budget than those above; the JSON report lists every group.` : null,
  };
}

function groupRow(g: GroupReport): GroupRow {
  return {
    labels: formatGroupLabels(g.labels),
    sli: formatSli(g.sliRatio) + (g.reason === 'no-traffic' ? ' (no traffic)' : ''),
    consumed: formatBudget(g.errorBudget.consumedRatio),
    remaining: formatBudget(g.errorBudget.remainingRatio),
    burn: formatBurn(g.burnRate),
    tier: g.tier,
    events: `${formatCount(g.total - g.good)} / ${formatCount(g.total)}`,
    coverage: formatPercent(g.coverageRatio, 2),
    incidents: String(g.incidentCount),
  };
}

/** The facts line of a grouped SLO: how many groups, how many missed the objective, and the worst. */
export function groupsFact(slo: SloReport): { label: string; value: string } | null {
  if (slo.groups === undefined) return null;
  const worst = slo.groups[0];
  const missed = slo.groups.filter((g) => g.objectiveMet === false).length;
  return {
    label: `Groups (by ${(slo.groupBy ?? []).join(', ')})`,
    value:
      worst === undefined
        ? 'none with data'
        : `${slo.groups.length}, ${missed} below the objective; the worst ${formatGroupLabels(worst.labels)} ` +
          `(${formatBudget(worst.errorBudget.consumedRatio)} of its budget)`,
  };
}

/** A line of the breaches list: an SLO in breach, or all groups of one grouped SLO in one tier. */
export interface BreachView {
  slo: string;
  /** The group's labels, or "N groups"; null for the SLO's own breach. */
  group: string | null;
  tier: Exclude<Tier, 'ok'>;
  sli: string;
  threshold: string;
  response: string;
  steps: Array<{ after: string; action: string }>;
  /** Several groups: each with its SLI, the lowest first (at most {@link LISTED_BREACH_GROUPS}); else null. */
  groupList: string | null;
}

/** Groups named, at most, in one entry of the breaches list. */
export const LISTED_BREACH_GROUPS = 20;

/**
 * The breaches as the summary lists them, worst first: each SLO in breach with its tier's response;
 * the groups of a grouped SLO in breach as one entry per tier (their response is the same), naming
 * the groups with their SLIs, so hundreds of tenants in breach take a paragraph, not pages.
 */
export function toBreachViews(breaches: readonly Breach[]): BreachView[] {
  const out: BreachView[] = [];
  const groupsOf = new Map<string, { view: BreachView; members: Breach[] }>();
  for (const b of breaches) {
    const view: BreachView = {
      slo: b.slo,
      group: b.group === undefined ? null : formatGroupLabels(b.group),
      tier: b.tier,
      sli: formatSli(b.sliRatio),
      threshold: formatPercent(b.thresholdRatio, 2),
      response: b.response,
      steps: b.steps.map((step) => ({ ...step })),
      groupList: null,
    };
    if (b.group === undefined) {
      out.push(view);
      continue;
    }
    // Breaches come worst first, so the first group of an SLO and tier is its worst, and leads the entry.
    const key = `${b.slo}\u0000${b.tier}`;
    const entry = groupsOf.get(key);
    if (entry === undefined) {
      groupsOf.set(key, { view, members: [b] });
      out.push(view);
    } else {
      entry.members.push(b);
    }
  }
  for (const { view, members } of groupsOf.values()) {
    if (members.length === 1) continue;
    const listed = members.slice(0, LISTED_BREACH_GROUPS).map((m) => `${formatGroupLabels(m.group!)} ${formatSli(m.sliRatio)}`);
    const left = members.length - listed.length;
    view.group = `${members.length} groups`;
    view.sli = `${view.sli} at the lowest`;
    view.groupList = listed.join('; ') + (left > 0 ? `; and ${left} more (the groups table of ${view.slo} lists them)` : '');
  }
  return out;
}
