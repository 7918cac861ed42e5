/** Breach tiers of an SLO, as ratios: an SLI below `criticalRatio` is critical, below `warningRatio` a warning. */
export interface TierThresholds {
  criticalRatio: number;
  warningRatio: number;
}

/** An SLI counted from two PromQL event queries, each with a `{{.window}}` placeholder. */
export interface EventsSli {
  kind: 'events';
  /** Exactly one of goodQuery / badQuery is set. */
  goodQuery?: string;
  badQuery?: string;
  totalQuery: string;
}

/** An SLI read from a Prometheus histogram: good = requests at or under `thresholdSeconds`. */
export interface LatencySli {
  kind: 'latency';
  /** Metric base name, without `_bucket` / `_count`. */
  histogram: string;
  /** Label matchers without braces, e.g. `job="api",route!="/healthz"`; empty for none. */
  selector: string;
  thresholdSeconds: number;
  /** Quantile reported beside the SLI (0..1), e.g. 0.95. */
  quantile: number;
}

export type SliDefinition = EventsSli | LatencySli;

/** One service level objective, as the rest of the program sees it: ratios and milliseconds. */
export interface SloDefinition {
  name: string;
  service: string;
  description: string;
  /** e.g. 0.999 for 99.9 %. */
  objectiveRatio: number;
  /** The SLO's compliance window, e.g. 30 days. */
  windowMs: number;
  /** Absent: the SLO is `warning` when its objective is missed, else `ok`. */
  tiers?: TierThresholds;
  /** Grouped SLOs: one series per distinct value set of these labels (an endpoint, a tenant), beside the SLO's own. */
  groupBy?: readonly string[];
  /** Grouped SLOs: more groups than this make the SLO's sync fail (cardinality is bounded). */
  maxGroups?: number;
  /** What this SLO's alerts carry to Alertmanager besides slo-ledger's own labels (Sloth's `alerting`). */
  alerting?: SloAlerting;
  sli: SliDefinition;
}

/**
 * An SLO's own labels and annotations for its Alertmanager alerts, for all of them and per severity,
 * and the severities it does not want posted. Labels are added after the `alertmanager` section's
 * static labels and never replace the ones slo-ledger sets itself (alertname, slo, service, severity).
 */
export interface SloAlerting {
  labels?: Readonly<Record<string, string>>;
  annotations?: Readonly<Record<string, string>>;
  page?: SloSeverityAlerting;
  ticket?: SloSeverityAlerting;
}

/** What one severity's alerts of an SLO add, or that they are not posted (`disable`). */
export interface SloSeverityAlerting {
  labels?: Readonly<Record<string, string>>;
  annotations?: Readonly<Record<string, string>>;
  /** Page disabled: its alerts go out as tickets; ticket disabled: not posted at all. */
  disable?: boolean;
}

/** Groups an SLO may have unless its `max_groups` says otherwise. */
export const DEFAULT_MAX_GROUPS = 1000;

/** One group of a grouped SLO: the value of each `group_by` label (an absent label is ""). */
export type GroupLabels = Readonly<Record<string, string>>;

/** A group's identity: its labels in name order, so the same group always has the same key. */
export function groupKey(labels: GroupLabels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export type Tier = 'ok' | 'warning' | 'critical';

/** Histogram bucket counts: upper bound (seconds, `Infinity` for +Inf) to cumulative count. */
export type HistogramCounts = ReadonlyArray<{ le: number; count: number }>;
