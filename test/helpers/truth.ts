import { sumTruth, type TrafficTruth } from '../../src/fixture/traffic.js';

/** The true good and total events of a default (Rendiff) SLO over (fromMs, toMs], minute-aligned. */
export function trueCounts(slo: string, truth: TrafficTruth, fromMs: number, toMs: number): { good: number; total: number } {
  const s = sumTruth(truth, fromMs, toMs);
  switch (slo) {
    case 'api-availability':
      return { good: s.requests - s.errors, total: s.requests };
    case 'api-latency':
      return { good: s.fastRequests, total: s.requests };
    case 'job-success':
      return { good: s.jobsCompleted, total: s.jobsCompleted + s.jobsFailed };
    default:
      throw new Error(`no truth for SLO ${slo}`);
  }
}

/** How far a count may be from the truth; see `countTolerance`. */
export interface Tolerance {
  /** Share of the true count. */
  relative: number;
  /** Scrape interval: Prometheus extrapolates up to one interval at each window edge. */
  scrapeIntervalMs: number;
  /** Set when the count is a sum of `increase()` over buckets of this width (the ledger). */
  bucketMs?: number;
}

/**
 * The tolerance of a count over (fromMs, toMs], as measured and documented in the README
 * ("Accuracy"). `increase()` sees only the samples inside its range and extrapolates from them to
 * the range's edges at the range's average rate:
 * - at each window edge it is off by about (local rate − average rate) × one scrape interval:
 *   nothing for steady traffic, a lot when traffic starts or stops right at the edge;
 * - a sum of 5-minute buckets also estimates, at every bucket edge, the events of the unscraped
 *   slice between two buckets' samples: unbiased, but with a spread of about
 *   √(N · I / (bucket − I)) events for N Poisson events and scrape interval I; four of those;
 * - plus a few events of rounding per edge and a small share of the whole (`relative`).
 * `events(from, to)` gives the true count of the series being checked over (from, to].
 */
export function countTolerance(
  fromMs: number,
  toMs: number,
  events: (fromMs: number, toMs: number) => number,
  tolerance: Tolerance,
): number {
  const trueCount = events(fromMs, toMs);
  const averagePerMs = trueCount / (toMs - fromMs);
  const intervalMs = tolerance.scrapeIntervalMs;
  const sliceMs = Math.ceil(intervalMs / 60_000) * 60_000;
  const edge = (at: number) => {
    const localPerMs = events(at - sliceMs, at + sliceMs) / (2 * sliceMs);
    // Twice the interval: the rate also varies inside the slice the edge falls in.
    return Math.abs(localPerMs - averagePerMs) * 2 * intervalMs + 3;
  };
  const bucketNoise = tolerance.bucketMs === undefined ? 0 : 4 * Math.sqrt((trueCount * intervalMs) / (tolerance.bucketMs - intervalMs));
  return tolerance.relative * trueCount + bucketNoise + edge(fromMs) + edge(toMs);
}

/** The tolerance of an SLI (good / total) from the tolerances of its bad and total counts. */
export function sliTolerance(trueGood: number, trueTotal: number, badTolerance: number, totalTolerance: number): number {
  const badRatio = (trueTotal - trueGood) / trueTotal;
  return (badTolerance + badRatio * totalTolerance) / (trueTotal - totalTolerance);
}

/** A function of (fromMs, toMs] giving a default SLO's true bad events. */
export function trueBad(slo: string, truth: TrafficTruth): (fromMs: number, toMs: number) => number {
  return (fromMs, toMs) => {
    const c = trueCounts(slo, truth, fromMs, toMs);
    return c.total - c.good;
  };
}

/** A function of (fromMs, toMs] giving a default SLO's true total events. */
export function trueTotal(slo: string, truth: TrafficTruth): (fromMs: number, toMs: number) => number {
  return (fromMs, toMs) => trueCounts(slo, truth, fromMs, toMs).total;
}
