import type { Steps } from '../app/steps.js';

/** How long one slice of a request's heavy work may run before the event loop gets a turn. */
export const SLICE_MS = 8;

/**
 * Where the heavy work of requests runs (evaluating SLOs from the ledger, reading a series, writing
 * a large answer): as {@link Steps}, one slice at a time, round robin between the jobs, a slice of
 * about {@link SLICE_MS} per turn of the event loop. Between two slices the loop polls I/O, so
 * /healthz, /readyz and new connections are answered while a thousand SLOs are evaluated; a slice
 * overruns only by the step it is in (one `sumWindow`, one chunk of buckets). Under `serve` the
 * SQLite ledger's bucket reads run on read threads (ledger/sqlite/read-pool.ts), so a step that
 * awaits one leaves the loop free until the answer comes; what the lane bounds is the computation
 * between reads, and the steps of a ledger that answers at once (in memory). One slice runs at a
 * time; a step that waits (for a read, or for a ledger transaction of the tick to end) holds the
 * lane, not the loop.
 */
export class WorkLane {
  private readonly jobs: Array<(deadlineMs: number) => Promise<boolean>> = [];
  private scheduled = false;
  /**
   * Slices run, the longest one (ms, wall clock) and the most CPU time one took (ms, the process's,
   * read threads included), since the start or the last {@link resetStats}: what the benchmark
   * reports. A slice much longer than its CPU time was waiting for a read or a core, not holding the loop.
   */
  readonly stats = { slices: 0, longestSliceMs: 0, mostSliceCpuMs: 0 };

  constructor(private readonly sliceMs = SLICE_MS) {}

  /** Runs `steps` to its end, a slice per event-loop turn; starts no sooner than the next turn. */
  run<T>(steps: Steps<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.jobs.push(async (deadlineMs) => {
        try {
          for (;;) {
            const next = await steps.next();
            if (next.done === true) {
              resolve(next.value);
              return true;
            }
            if (performance.now() >= deadlineMs) return false;
          }
        } catch (error) {
          reject(error);
          return true;
        }
      });
      this.schedule();
    });
  }

  /** Jobs started and not finished. */
  get pending(): number {
    return this.jobs.length;
  }

  private schedule(): void {
    if (this.scheduled || this.jobs.length === 0) return;
    this.scheduled = true;
    // setImmediate, not a microtask: the callback runs after the loop has polled I/O.
    setImmediate(() => void this.slice());
  }

  resetStats(): void {
    this.stats.slices = 0;
    this.stats.longestSliceMs = 0;
    this.stats.mostSliceCpuMs = 0;
  }

  private async slice(): Promise<void> {
    const job = this.jobs.shift();
    const started = performance.now();
    const cpu = process.cpuUsage();
    // `scheduled` stays set while the slice runs, so slices never overlap; a job never rejects.
    if (job !== undefined && !(await job(started + this.sliceMs))) this.jobs.push(job);
    this.scheduled = false;
    const used = process.cpuUsage(cpu);
    this.stats.slices++;
    this.stats.longestSliceMs = Math.max(this.stats.longestSliceMs, performance.now() - started);
    this.stats.mostSliceCpuMs = Math.max(this.stats.mostSliceCpuMs, (used.user + used.system) / 1000);
    this.schedule();
  }
}

/** The lane every route of the process shares: the event loop is the process's, so its turns are too. */
export const requestLane = new WorkLane();

/**
 * At most `max` of one route's computations at a time; the others wait their turn in order. Bounds
 * the memory and the share of the lane a burst of requests to one route can take.
 */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly max: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active < this.max) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next in line, or free it.
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.active--;
    }
  }
}
