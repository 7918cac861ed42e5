/**
 * Work done in steps: an async generator that yields between units of work (one window of one
 * series, one chunk of buckets) and returns its result. Run to its end at once with
 * {@link finishSteps}; the HTTP server spreads the same steps over event-loop turns (an await of a
 * ledger that answers at once, as SQLite does, never lets the loop poll I/O), so one request's
 * evaluation never holds the process for long, and both ways compute the same numbers by the same code.
 */
export type Steps<T> = AsyncGenerator<void, T, void>;

/** Runs `steps` to its end now and returns the result. */
export async function finishSteps<T>(steps: Steps<T>): Promise<T> {
  for (;;) {
    const next = await steps.next();
    if (next.done === true) return next.value;
  }
}

/** Steps that read nothing (computation only): a plain generator, which steps can also `yield*`. */
export type PureSteps<T> = Generator<void, T, void>;

/** Runs `steps` that read nothing to their end now and returns the result. */
export function finishPureSteps<T>(steps: PureSteps<T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
  }
}
