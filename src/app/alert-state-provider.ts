import type { AlertingConfig } from '../config/alerting-config.js';
import type { BurnRateSeverity } from '../domain/burn-rate.js';
import type { SloDefinition } from '../domain/slo.js';
import type { BucketReader } from '../ledger/bucket-store.js';
import { assessAlerts } from './assess-alerts.js';

/** An SLO's burn-rate alert state as the status page and /metrics show it. */
export interface SloAlertState {
  state: 'firing' | 'inactive' | 'unknown';
  severity: BurnRateSeverity | null;
}

/**
 * Alert states for the HTTP server (its `AlertStateProvider`): the burn-rate decision of every SLO
 * at the asked instant, from the ledger — the same decision a tick at that instant makes, so the
 * status page at `?at=` shows what was firing then.
 */
export function createAlertStateProvider(deps: { buckets: BucketReader; slos: readonly SloDefinition[]; alerting: AlertingConfig; timeZone: string }): {
  alertStates(atMs: number, slos?: readonly SloDefinition[]): Promise<ReadonlyMap<string, SloAlertState>>;
} {
  return {
    // `slos` (a subset of the configured ones) lets a caller ask a few at a time; only SLOs' own states are shown, so groups are not assessed.
    async alertStates(atMs, slos = deps.slos) {
      const assessments = await assessAlerts(deps.buckets, slos, deps.alerting, atMs, deps.timeZone, { groups: false });
      return new Map(assessments.map((a) => [a.slo.name, { state: a.decision.state, severity: a.decision.severity }]));
    },
  };
}
