import type { SloDefinition } from './slo.js';
import type { WindowResult } from './window-result.js';

/** One SLO's figures over the requested windows, with the p95 beside a latency SLO's own quantile. */
export interface SloStatus {
  slo: SloDefinition;
  windows: Array<WindowResult & { p95Seconds?: number | null }>;
}
