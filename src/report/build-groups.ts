import type { ReportPeriod } from '../domain/period.js';
import { groupKey, type SloDefinition } from '../domain/slo.js';
import { evaluateWindow } from '../domain/window-result.js';
import { findIncidents, type Incident } from './incidents.js';
import type { GroupReport, GroupReportInput, ReportRules } from './period-report.js';
import { rawFigures } from './raw-figures.js';

/**
 * Builds the period figures of a grouped SLO's groups: each group's SLI, budget, burn rate, tier and
 * coverage by the same definitions as the SLO's own (evaluateWindow over the group's period sums),
 * and its incidents against the group's own budget, each naming the group. Groups come worst first.
 */
export async function buildGroupReports(
  slo: SloDefinition,
  inputs: Iterable<GroupReportInput> | AsyncIterable<GroupReportInput>,
  period: ReportPeriod,
  rules: ReportRules,
): Promise<{ groups: GroupReport[]; incidents: Incident[] }> {
  const groups: GroupReport[] = [];
  const incidents: Incident[] = [];
  const window = { name: period.name, startMs: period.startMs, endMs: period.endMs };
  // One group at a time: its buckets are needed only for its incidents, and are not kept.
  for await (const input of inputs) {
    const figures = evaluateWindow(slo, window, input.sums);
    const found = findIncidents(slo, input.buckets, { ...period, allowedBad: figures.errorBudget.allowed }, rules.incidents, input.labels);
    incidents.push(...found);
    const group: GroupReport = {
      labels: input.labels,
      good: figures.good,
      total: figures.total,
      sliRatio: figures.sliRatio,
      errorBudget: figures.errorBudget,
      burnRate: figures.burnRate,
      tier: figures.tier,
      objectiveMet: figures.objectiveMet,
      coverageRatio: figures.coverageRatio,
      incidentCount: found.length,
    };
    if (figures.reason !== undefined) group.reason = figures.reason;
    if (input.raw !== undefined) group.raw = rawFigures(slo, period, input.raw);
    groups.push(group);
  }
  return { groups: sortGroupsByBudget(groups), incidents };
}

/** Groups by the share of their budget consumed, most first; groups without traffic last; ties by labels. */
export function sortGroupsByBudget(groups: readonly GroupReport[]): GroupReport[] {
  const keyed = groups.map((g) => ({ g, key: groupKey(g.labels), consumed: g.errorBudget.consumedRatio ?? -1 }));
  keyed.sort((a, b) => b.consumed - a.consumed || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.g);
}
