/**
 * Work done in steps: an async generator that yields between units of work (one window of one
 * series, one chunk of buckets) and returns its result. Run to its end at once with
 * {@link finishSteps}; the HTTP server spreads the same steps over event-loop turns (an await of a
 * ledger that answers at once, as SQLite on the main thread does, never lets the loop poll I/O), so
 * one request's evaluation never holds the process for long, and both ways compute the same numbers
 * by the same code.
 */
export type Steps<T> = AsyncGenerator<void, T, void>;

/** Runs `steps` to its end now and returns the result. */
export async function finishSteps<T>(steps: Steps<T>): Promise<T> {
  for (;;) {
    const next = await steps.next();
    if (next.done === true) return next.value;
  }
}

/**
 * How many series (SLOs, or groups of one) an evaluation works on at once: while one waits for a
 * ledger read, the reads of the others are under way, so both of the server's read threads stay busy.
 */
export const SERIES_AT_ONCE = 4;

/**
 * The steps of `each(item)` for every item, up to `width` of them under way at once, and their
 * results in the order of `items`. Every step one of them takes is a step. Where the ledger answers
 * off the main thread (read threads, PostgreSQL), their reads run side by side; where it answers at
 * once, they take turns. Either way each result is the one `each(item)` alone gives.
 */
export async function* parallelSteps<I, T>(items: readonly I[], width: number, each: (item: I) => Steps<T>): Steps<T[]> {
  const results = new Array<T>(items.length);
  const running = new Map<number, { steps: Steps<T>; next: Promise<{ index: number; next: IteratorResult<void, T> }> }>();
  const advance = (index: number, steps: Steps<T>) => {
    const next = steps.next().then((result) => ({ index, next: result }));
    // A failure is thrown where it is awaited (the race below); one after it is not left unhandled.
    next.catch(() => undefined);
    running.set(index, { steps, next });
  };
  let started = 0;
  while (started < items.length || running.size > 0) {
    while (running.size < Math.max(1, width) && started < items.length) {
      advance(started, each(items[started]!));
      started++;
    }
    const { index, next } = await Promise.race([...running.values()].map((r) => r.next));
    if (next.done === true) {
      results[index] = next.value;
      running.delete(index);
    } else {
      advance(index, running.get(index)!.steps);
    }
    yield;
  }
  return results;
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
