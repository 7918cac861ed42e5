import { assertObjectiveRatio } from './budget.js';

const MS_PER_MINUTE = 60_000;
const MS_PER_HOUR = 60 * MS_PER_MINUTE;
const MS_PER_DAY = 24 * MS_PER_HOUR;

/** How loudly a burn-rate alert calls for attention. */
export type BurnRateSeverity = 'page' | 'ticket';

/** One multi-window rule: fires when the burn rate over BOTH windows is above `factor`. */
export interface BurnRateRule {
  severity: BurnRateSeverity;
  longWindowMs: number;
  shortWindowMs: number;
  factor: number;
}

/** The burn-rate alerting rules of an SLO, as data a config can replace. */
export type BurnRatePolicy = ReadonlyArray<BurnRateRule>;

/**
 * Multiwindow, multi-burn-rate alerts for a 30-day SLO (Google SRE Workbook,
 * "Alerting on SLOs", with the 1d ticket step Sloth adds): page at 14.4× over 1h & 5m (2 % of
 * the budget in 1h) or 6× over 6h & 30m (5 % in 6h); ticket at 3× over 1d & 2h (10 % in 1d) or
 * 1× over 3d & 6h (10 % in 3d). See {@link burnFactorFromBudget} for the derivation; for an SLO
 * window other than 30 days, derive the factors from those budget shares.
 */
export const DEFAULT_BURN_RATE_POLICY: BurnRatePolicy = [
  { severity: 'page', longWindowMs: 1 * MS_PER_HOUR, shortWindowMs: 5 * MS_PER_MINUTE, factor: 14.4 },
  { severity: 'page', longWindowMs: 6 * MS_PER_HOUR, shortWindowMs: 30 * MS_PER_MINUTE, factor: 6 },
  { severity: 'ticket', longWindowMs: 1 * MS_PER_DAY, shortWindowMs: 2 * MS_PER_HOUR, factor: 3 },
  { severity: 'ticket', longWindowMs: 3 * MS_PER_DAY, shortWindowMs: 6 * MS_PER_HOUR, factor: 1 },
];

/**
 * Burn rate: how fast the error budget is spent relative to spending exactly all of it over the
 * SLO window, (1 − SLI) / (1 − objective) (Google SRE Workbook, "Alerting on SLOs"). 1 means the
 * budget lasts exactly the window; `null` when the SLI is `null` (no traffic).
 * @throws Error when `objectiveRatio` is not strictly between 0 and 1.
 */
export function computeBurnRate(sliRatio: number | null, objectiveRatio: number): number | null {
  assertObjectiveRatio(objectiveRatio);
  if (sliRatio === null) return null;
  return (1 - sliRatio) / (1 - objectiveRatio);
}

/**
 * The burn-rate factor that spends `budgetConsumedRatio` of the budget within `longWindowMs`:
 * consumed × sloWindow / longWindow (SRE Workbook, "Alerting on SLOs": 2 % of a 30-day budget in
 * 1h → 14.4). Lets a policy be written as "budget consumed" steps, as Sloth does.
 */
export function burnFactorFromBudget(budgetConsumedRatio: number, longWindowMs: number, sloWindowMs: number): number {
  if (!(longWindowMs > 0) || !(sloWindowMs > 0)) {
    throw new Error(`Burn factor needs positive windows, got long=${longWindowMs}ms slo=${sloWindowMs}ms`);
  }
  return (budgetConsumedRatio * sloWindowMs) / longWindowMs;
}

/** What a window contributes to a decision: its burn rate and the share of it that has data. */
export interface WindowBurn {
  burnRate: number | null;
  coverageRatio: number;
}

/** One rule's outcome. `unknown` rules never fire. */
export interface BurnRateRuleResult {
  rule: BurnRateRule;
  long: WindowBurn;
  short: WindowBurn;
  firing: boolean;
  unknown: boolean;
}

/** The outcome of a policy: the most severe firing rule, and every rule's detail. */
export interface BurnRateDecision {
  severity: BurnRateSeverity | null;
  state: 'firing' | 'inactive' | 'unknown';
  rules: BurnRateRuleResult[];
}

/** Options of {@link evaluateBurnRate}. */
export interface BurnRateOptions {
  /** A window with less data than this share cannot be trusted to fire or to stay quiet. Default 0.9. */
  minCoverageRatio?: number;
}

// A burn rate within float rounding of the factor counts as equal, so it does not fire:
// (1 − 0.9856) / (1 − 0.999) is 14.39999…956, and a neighbouring input could round above 14.4.
const FACTOR_RELATIVE_TOLERANCE = 1e-9;

const SEVERITY_RANK: Record<BurnRateSeverity, number> = { ticket: 1, page: 2 };

/**
 * Decides multiwindow, multi-burn-rate alerts (SRE Workbook, "Alerting on SLOs",
 * "Multiwindow, Multi-Burn-Rate Alerts"): a rule fires when the burn rate over its
 * long AND its short window strictly exceeds its factor. A window without traffic (`burnRate: null`) cannot fire; a window whose
 * coverage is below the minimum makes its rule `unknown` instead. The severity is that of the
 * most severe firing rule; the state is `unknown` when nothing fires and some rule is unknown.
 * `burnByWindow` is called once per distinct window length.
 */
export function evaluateBurnRate(
  policy: BurnRatePolicy,
  burnByWindow: (windowMs: number) => WindowBurn,
  options: BurnRateOptions = {},
): BurnRateDecision {
  const minCoverageRatio = options.minCoverageRatio ?? 0.9;
  const cache = new Map<number, WindowBurn>();
  const burnOf = (windowMs: number): WindowBurn => {
    let burn = cache.get(windowMs);
    if (burn === undefined) {
      burn = burnByWindow(windowMs);
      cache.set(windowMs, burn);
    }
    return burn;
  };

  const rules = policy.map((rule): BurnRateRuleResult => {
    const long = burnOf(rule.longWindowMs);
    const short = burnOf(rule.shortWindowMs);
    const unknown = long.coverageRatio < minCoverageRatio || short.coverageRatio < minCoverageRatio;
    const firing = !unknown && exceeds(long.burnRate, rule.factor) && exceeds(short.burnRate, rule.factor);
    return { rule, long, short, firing, unknown };
  });

  let severity: BurnRateSeverity | null = null;
  for (const result of rules) {
    if (result.firing && (severity === null || SEVERITY_RANK[result.rule.severity] > SEVERITY_RANK[severity])) {
      severity = result.rule.severity;
    }
  }
  const state = severity !== null ? 'firing' : rules.some((r) => r.unknown) ? 'unknown' : 'inactive';
  return { severity, state, rules };
}

function exceeds(burnRate: number | null, factor: number): boolean {
  return burnRate !== null && burnRate > factor * (1 + FACTOR_RELATIVE_TOLERANCE);
}
