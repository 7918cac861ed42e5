import type { AlertKind, AlertTransition } from './alert-state.js';
import type { BurnRateSeverity } from './burn-rate.js';
import type { GroupLabels } from './slo.js';

/** The burn of one rule's two windows against its factor, as a notification shows it. */
export interface NotifiedRule {
  severity: BurnRateSeverity;
  longWindowMs: number;
  shortWindowMs: number;
  factor: number;
  longBurnRate: number | null;
  shortBurnRate: number | null;
}

/** One group in a notification about several groups of one SLO. */
export interface NotifiedGroup {
  labels: GroupLabels;
  /** The burn of the shown rule's long and short windows for this group. */
  longBurnRate: number | null;
  shortBurnRate: number | null;
  budgetRemainingRatio: number | null;
  noDataForMs: number | null;
}

/**
 * Everything an alert notification says, before it is formatted for a target (Slack Block Kit,
 * generic JSON): which SLO, what happened, the burn that made it happen and what it means for the budget.
 */
export interface AlertNotification {
  slo: string;
  service: string;
  description: string;
  kind: AlertKind;
  transition: AlertTransition;
  /** Severity now (for `resolved`: the severity that was firing). */
  severity: BurnRateSeverity | null;
  previousSeverity: BurnRateSeverity | null;
  /** The evaluation instant that decided it. */
  atMs: number;
  firingSinceMs: number | null;
  objectiveRatio: number;
  sloWindowMs: number;
  /** The rule that fires (or, once resolved, the one that had fired), with its current burn. */
  rule: NotifiedRule | null;
  /** Remaining error budget over the SLO's own window; null without traffic. */
  budgetRemainingRatio: number | null;
  /** Time until the budget is spent at the rule's long-window burn rate; 0 when already spent; null when not burning. */
  budgetExhaustedInMs: number | null;
  /** no-data alerts: how long the metric has been missing. */
  noDataForMs: number | null;
  /** Link to the status page at the evaluation instant. */
  link: string | null;
  /**
   * Set when the notification is about groups of a grouped SLO: every group that made the same
   * transition at the same severity in one evaluation, worst first (one message, not one per group).
   */
  groups?: NotifiedGroup[];
}

/**
 * How long the remaining budget lasts at `burnRate` (1 = the whole budget in one SLO window):
 * remaining × window / burn. 0 when the budget is already spent; null when nothing burns.
 */
export function budgetExhaustionMs(remainingRatio: number | null, burnRate: number | null, sloWindowMs: number): number | null {
  if (remainingRatio === null || burnRate === null) return null;
  if (remainingRatio <= 0) return 0;
  if (!(burnRate > 0)) return null;
  return (remainingRatio * sloWindowMs) / burnRate;
}
