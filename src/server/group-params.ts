import type { GroupFilter } from '../domain/slo-status.js';
import { matchesGroupFilter } from '../domain/slo-status.js';
import type { GroupLabels, SloDefinition } from '../domain/slo.js';
import type { BucketReader } from '../ledger/bucket-store.js';
import { formatGroupLabels } from '../views/status-table.js';
import { BadParameterError, parseGroupParam, type QueryValues } from './query-params.js';

/**
 * The `group` filter of a request about `slos`: every label it names must be in the `group_by` of
 * one of them, so a misspelt label is a 400 rather than a silently empty list of groups.
 */
export function groupFilterParam(query: QueryValues, slos: readonly SloDefinition[]): GroupFilter {
  const filter = parseGroupParam('group', query.group);
  const labels = Object.keys(filter);
  if (labels.length === 0) return filter;
  const grouped = slos.filter((slo) => slo.groupBy !== undefined);
  if (grouped.length === 0) {
    throw new BadParameterError('group', slos.length === 1 ? `SLO ${slos[0]!.name} has no group_by, so no groups` : 'no SLO has group_by, so there are no groups');
  }
  const known = [...new Set(grouped.flatMap((slo) => slo.groupBy!))];
  const unknown = labels.find((label) => !known.includes(label));
  if (unknown !== undefined) throw new BadParameterError('group', `no SLO here groups by ${JSON.stringify(unknown)}; group labels: ${known.join(', ')}`);
  return filter;
}

/** The one group a series request names, or why there is none: 404 for no match; 400 (thrown) when several match. */
export async function findOneGroup(buckets: BucketReader, slo: SloDefinition, filter: GroupFilter): Promise<{ labels: GroupLabels } | { missing: string }> {
  const groups = (await buckets.listGroups(slo)).filter((g) => matchesGroupFilter(g.labels, filter));
  const asked = formatGroupLabels(filter);
  if (groups.length === 0) return { missing: `SLO ${slo.name} has no group ${asked}` };
  if (groups.length > 1) {
    const missing = slo.groupBy!.filter((label) => !Object.hasOwn(filter, label));
    throw new BadParameterError('group', `${asked} matches ${groups.length} groups of SLO ${slo.name}; name one with group=LABEL=VALUE for ${missing.join(', ')} too`);
  }
  return { labels: groups[0]!.labels };
}
