/**
 * Work done in steps: a generator that yields between units of work (one window of one series, one
 * chunk of buckets) and returns its result. Run to its end at once with {@link finishSteps}; the
 * HTTP server spreads the same steps over event-loop turns, so one request's evaluation never holds
 * the process for long, and both ways compute the same numbers by the same code.
 */
export type Steps<T> = Generator<void, T, void>;

/** Runs `steps` to its end now and returns the result. */
export function finishSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
  }
}
