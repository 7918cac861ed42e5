import { burnFactorFromBudget, DEFAULT_BURN_RATE_POLICY, type BurnRatePolicy, type BurnRateSeverity } from './burn-rate.js';

const THIRTY_DAYS_MS = 30 * 24 * 3_600_000;

/**
 * One burn-rate rule as a config writes it: a fixed `factor`, or the share of the SLO's error
 * budget spent within the long window (`budgetConsumedRatio`), which becomes a factor only once
 * the SLO's window is known (Sloth's "error budget percent" tiers).
 */
export type AlertRuleSpec = {
  severity: BurnRateSeverity;
  longWindowMs: number;
  shortWindowMs: number;
} & ({ factor: number; budgetConsumedRatio?: undefined } | { budgetConsumedRatio: number; factor?: undefined });

/** A burn-rate alerting policy as data: the rules every SLO is evaluated with. */
export type AlertPolicySpec = ReadonlyArray<AlertRuleSpec>;

/**
 * The default policy (SRE Workbook, "Alerting on SLOs"), written as
 * budget shares so it scales with the SLO's window: 2 % of the budget in 1h and 5 % in 6h page,
 * 10 % in 1d and 10 % in 3d file a ticket. For a 30-day SLO these are 14.4×, 6×, 3× and 1×.
 */
export const DEFAULT_ALERT_POLICY: AlertPolicySpec = DEFAULT_BURN_RATE_POLICY.map((rule) => ({
  severity: rule.severity,
  longWindowMs: rule.longWindowMs,
  shortWindowMs: rule.shortWindowMs,
  budgetConsumedRatio: roundSignificant((rule.factor * rule.longWindowMs) / THIRTY_DAYS_MS),
}));

/**
 * The burn-rate rules of one SLO: factors as given, or derived from the budget share and the
 * SLO's window by {@link burnFactorFromBudget}. Rounded to 12 significant digits so 2 % of 30 days
 * in 1h is 14.4, not 14.400000000000002.
 */
export function resolveAlertPolicy(spec: AlertPolicySpec, sloWindowMs: number): BurnRatePolicy {
  return spec.map((rule) => ({
    severity: rule.severity,
    longWindowMs: rule.longWindowMs,
    shortWindowMs: rule.shortWindowMs,
    factor:
      rule.factor !== undefined
        ? rule.factor
        : roundSignificant(burnFactorFromBudget(rule.budgetConsumedRatio, rule.longWindowMs, sloWindowMs)),
  }));
}

function roundSignificant(value: number): number {
  return Number(value.toPrecision(12));
}
