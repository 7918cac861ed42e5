import { describe, expect, it } from 'vitest';
import { DEFAULT_SLOS } from '../../src/config/defaults.js';
import type { SloDefinition } from '../../src/domain/slo.js';
import { openLedger } from '../../src/ledger/open-ledger.js';

const LATENCY = DEFAULT_SLOS.find((s) => s.sli.kind === 'latency')!;

describe('the series of a grouped SLO', () => {
  it('are new series when group_by changes, even where the SLI itself did not (latency queries are written by slo-ledger)', async () => {
    const ledger = openLedger(':memory:');
    try {
      const plain = await ledger.buckets.ensureSeries(LATENCY, 0);
      const byEndpoint: SloDefinition = { ...LATENCY, groupBy: ['endpoint'] };
      const byTenant: SloDefinition = { ...LATENCY, groupBy: ['tenant'] };
      const endpointOwn = await ledger.buckets.ensureSeries(byEndpoint, 1);
      await ledger.buckets.ensureSeries(byEndpoint, 1, { endpoint: '/a' });
      const tenantOwn = await ledger.buckets.ensureSeries(byTenant, 2);
      // Three histories that are never mixed: a new group_by starts (and backfills) its own.
      expect(new Set([plain, endpointOwn, tenantOwn]).size).toBe(3);
      expect(await ledger.buckets.listGroups(byTenant)).toEqual([]);
      expect((await ledger.buckets.listGroups(byEndpoint)).map((g) => g.labels)).toEqual([{ endpoint: '/a' }]);
      // Going back to the SLO without groups finds its old series again.
      expect(await ledger.buckets.ensureSeries(LATENCY, 3)).toBe(plain);
    } finally {
      await ledger.close();
    }
  });
});
