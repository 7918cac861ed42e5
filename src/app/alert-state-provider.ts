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
  alertStates(atMs: number): Promise<ReadonlyMap<string, SloAlertState>>;
} {
  return {
    async alertStates(atMs) {
      const assessments = await assessAlerts(deps.buckets, deps.slos, deps.alerting, atMs, deps.timeZone);
      return new Map(assessments.map((a) => [a.slo.name, { state: a.decision.state, severity: a.decision.severity }]));
    },
  };
}
