import { clampGood } from './sli.js';

/** The error budget of a window, in events. Ratios are `null` when the window had no traffic. */
export interface ErrorBudget {
  /** Bad events the objective allows in this window: (1 − objective) × total. */
  allowed: number;
  /** Bad events that happened: total − good. */
  bad: number;
  /** bad / allowed; above 1 when the budget is overspent. */
  consumedRatio: number | null;
  /** 1 − consumed; negative when the budget is overspent. */
  remainingRatio: number | null;
}

/**
 * The error budget of a window (Rendiff FFmpeg API monitoring guide, "SLA Monitoring":
 * 99.9 % over 30 days allows 0.1 % of requests to fail):
 * allowed = (1 − objective) × total, consumed = bad / allowed, remaining = 1 − consumed.
 * `good` is clamped to [0, total] as in {@link computeSli}.
 * @throws Error when `objectiveRatio` is not strictly between 0 and 1: a 100 % objective has no
 *   budget to spend, and config validation rejects it before it gets here.
 */
export function computeErrorBudget(objectiveRatio: number, good: number, total: number): ErrorBudget {
  assertObjectiveRatio(objectiveRatio);
  if (!Number.isFinite(good) || !Number.isFinite(total) || total < 0) {
    throw new Error(`Error budget needs finite counts and total ≥ 0, got good=${good} total=${total}`);
  }
  if (total === 0) return { allowed: 0, bad: 0, consumedRatio: null, remainingRatio: null };
  const allowed = (1 - objectiveRatio) * total;
  const bad = total - clampGood(good, total);
  const consumedRatio = bad / allowed;
  return { allowed, bad, consumedRatio, remainingRatio: 1 - consumedRatio };
}

/**
 * Checks that an objective is a ratio strictly between 0 and 1 (99.9 % is 0.999).
 * @throws Error otherwise, mentioning percent in case a caller passed 99.9.
 */
export function assertObjectiveRatio(objectiveRatio: number): void {
  if (!(objectiveRatio > 0 && objectiveRatio < 1)) {
    throw new Error(
      `Objective must be a ratio strictly between 0 and 1 (0.999 for 99.9 %), got ${objectiveRatio}`,
    );
  }
}
