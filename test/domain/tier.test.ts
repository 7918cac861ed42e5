import { describe, expect, it } from 'vitest';
import type { Tier, TierThresholds } from '../../src/domain/slo.js';
import { selectTier, worstTier } from '../../src/domain/tier.js';

// Rendiff FFmpeg API monitoring guide, "SLA Breach Response": availability < 99 % critical, < 99.5 % warning.
const RENDIFF_TIERS: TierThresholds = { criticalRatio: 0.99, warningRatio: 0.995 };

describe('selectTier', () => {
  const cases: Array<{ name: string; sliRatio: number | null; objectiveRatio: number; tiers?: TierThresholds; tier: Tier }> = [
    { name: 'availability of 98 % is a critical breach', sliRatio: 0.98, objectiveRatio: 0.999, tiers: RENDIFF_TIERS, tier: 'critical' },
    { name: 'availability of exactly 99 % is a warning, not critical', sliRatio: 0.99, objectiveRatio: 0.999, tiers: RENDIFF_TIERS, tier: 'warning' },
    { name: 'availability of 99.4 % is a warning breach', sliRatio: 0.994, objectiveRatio: 0.999, tiers: RENDIFF_TIERS, tier: 'warning' },
    { name: 'availability of exactly 99.5 % is ok under the guide tiers', sliRatio: 0.995, objectiveRatio: 0.999, tiers: RENDIFF_TIERS, tier: 'ok' },
    { name: 'availability of 99.99 % is ok', sliRatio: 0.9999, objectiveRatio: 0.999, tiers: RENDIFF_TIERS, tier: 'ok' },
    { name: 'no traffic is ok under tiers', sliRatio: null, objectiveRatio: 0.999, tiers: RENDIFF_TIERS, tier: 'ok' },
    { name: 'without tiers, missing the objective is a warning', sliRatio: 0.998, objectiveRatio: 0.999, tier: 'warning' },
    { name: 'without tiers, meeting the objective exactly is ok', sliRatio: 0.999, objectiveRatio: 0.999, tier: 'ok' },
    { name: 'without tiers, a very low SLI is still only a warning', sliRatio: 0.5, objectiveRatio: 0.95, tier: 'warning' },
    { name: 'without tiers, no traffic is ok', sliRatio: null, objectiveRatio: 0.999, tier: 'ok' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(selectTier(c.sliRatio, c.objectiveRatio, c.tiers)).toBe(c.tier);
    });
  }
});

describe('worstTier', () => {
  const cases: Array<{ name: string; tiers: Tier[]; worst: Tier }> = [
    { name: 'no tiers at all is ok', tiers: [], worst: 'ok' },
    { name: 'a warning among oks is a warning', tiers: ['ok', 'warning', 'ok'], worst: 'warning' },
    { name: 'a critical anywhere is critical', tiers: ['warning', 'critical', 'ok'], worst: 'critical' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(worstTier(c.tiers)).toBe(c.worst);
    });
  }
});
