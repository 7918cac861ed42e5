import { createHash } from 'node:crypto';
import type { SloDefinition } from '../domain/slo.js';

/** The identity of an SLI definition in every ledger engine: a changed query or threshold is a new series. */
export function definitionHash(slo: SloDefinition): string {
  // The group labels are part of what a grouped SLO counts: another group_by is another series
  // (with a backfill), not new groups on an old history. An SLO without groups keeps its hash.
  const definition = slo.groupBy === undefined ? JSON.stringify(slo.sli) : JSON.stringify({ sli: slo.sli, groupBy: slo.groupBy });
  return createHash('sha256').update(definition).digest('hex').slice(0, 16);
}
