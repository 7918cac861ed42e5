import type { Tier, TierThresholds } from './slo.js';

const TIER_RANK: Record<Tier, number> = { ok: 0, warning: 1, critical: 2 };

/**
 * The breach tier of an SLI. With thresholds (Rendiff FFmpeg API monitoring guide, "SLA Breach Response": availability < 99 %
 * critical, < 99.5 % warning): below `criticalRatio` → critical, below `warningRatio` →
 * warning, else ok. Without: warning when the objective is missed, else ok. No traffic
 * (`null`) is ok — nothing was breached.
 */
export function selectTier(sliRatio: number | null, objectiveRatio: number, tiers?: TierThresholds): Tier {
  if (sliRatio === null) return 'ok';
  if (tiers === undefined) return sliRatio < objectiveRatio ? 'warning' : 'ok';
  if (sliRatio < tiers.criticalRatio) return 'critical';
  if (sliRatio < tiers.warningRatio) return 'warning';
  return 'ok';
}

/** The most severe of several tiers (critical > warning > ok); `ok` for none. */
export function worstTier(tiers: ReadonlyArray<Tier>): Tier {
  let worst: Tier = 'ok';
  for (const tier of tiers) {
    if (TIER_RANK[tier] > TIER_RANK[worst]) worst = tier;
  }
  return worst;
}
