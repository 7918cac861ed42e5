import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../logging.js';
import type { Clock } from '../domain/clock.js';

/** One periodic job: what to run, when (a cron expression), and how long one run may take. */
export interface ScheduledJob {
  name: string;
  /** node-cron expression, e.g. every minute. */
  cron: string;
  /** A run still going after this long is reported as timed out (it is not started again until it ends). */
  timeoutMs: number;
  /** Run once right away when the scheduler starts, instead of waiting for the first cron instant. */
  runOnStart?: boolean;
  run(): Promise<void>;
}

/** How one run ended, for logs and metrics. */
export interface JobRunOutcome {
  job: string;
  durationMs: number;
  outcome: 'ok' | 'failed' | 'timed-out' | 'skipped';
  error?: string;
}

/** Options of {@link Scheduler}. */
export interface SchedulerOptions {
  logger: Logger;
  /** Wall clock for durations. */
  clock: Clock;
  /** IANA zone the cron expressions are read in (the config's `timezone`); default the host's. */
  timeZone?: string;
  /** Called after every run (and every skipped trigger). */
  onRun?: (outcome: JobRunOutcome) => void;
}

/**
 * Runs jobs on cron schedules, never two runs of one job at once: a trigger while the previous run
 * is still going is skipped and logged. Errors and timeouts are logged and reported, never thrown
 * (the background loop must not crash the service). `stop` ends scheduling, then waits for the runs
 * in progress, so a write in progress is finished before the caller closes the database.
 */
export class Scheduler {
  private readonly tasks = new Map<string, ScheduledTask>();
  private readonly running = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(private readonly options: SchedulerOptions) {}

  /** Schedules `job`; runs it at once when `runOnStart`. */
  add(job: ScheduledJob): void {
    if (!cron.validate(job.cron)) throw new Error(`job ${job.name}: invalid cron expression ${JSON.stringify(job.cron)}`);
    const task = cron.schedule(job.cron, () => void this.trigger(job), {
      name: job.name,
      logger: quietCronLogger(this.options.logger),
      ...(this.options.timeZone ? { timezone: this.options.timeZone } : {}),
    });
    this.tasks.set(job.name, task);
    if (job.runOnStart) void this.trigger(job);
  }

  /** Starts a run of `job` unless one is in progress or the scheduler is stopped; resolves when it ends. */
  trigger(job: ScheduledJob): Promise<void> {
    const log = this.options.logger;
    if (this.stopped) return Promise.resolve();
    const inProgress = this.running.get(job.name);
    if (inProgress) {
      log.warn({ job: job.name }, 'previous run still in progress; skipping this one');
      this.options.onRun?.({ job: job.name, durationMs: 0, outcome: 'skipped' });
      return inProgress;
    }
    const run = this.execute(job).finally(() => this.running.delete(job.name));
    this.running.set(job.name, run);
    return run;
  }

  private async execute(job: ScheduledJob): Promise<void> {
    const { logger: log, clock } = this.options;
    const startedMs = clock.nowMs();
    let timer: NodeJS.Timeout | undefined;
    const work = job.run();
    const timeout = new Promise<'timed-out'>((resolve) => {
      timer = setTimeout(() => resolve('timed-out'), job.timeoutMs);
    });
    let outcome: JobRunOutcome;
    try {
      const first = await Promise.race([work.then(() => 'ok' as const), timeout]);
      if (first === 'timed-out') {
        log.error({ job: job.name, timeout_ms: job.timeoutMs }, 'run timed out; the next run waits until this one ends');
        outcome = { job: job.name, durationMs: clock.nowMs() - startedMs, outcome: 'timed-out', error: `timed out after ${job.timeoutMs} ms` };
        this.options.onRun?.(outcome);
        await work.catch(() => undefined);
        return;
      }
      outcome = { job: job.name, durationMs: clock.nowMs() - startedMs, outcome: 'ok' };
      log.debug({ job: job.name, duration_ms: outcome.durationMs }, 'run finished');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      outcome = { job: job.name, durationMs: clock.nowMs() - startedMs, outcome: 'failed', error: message };
      log.error({ job: job.name, duration_ms: outcome.durationMs, error: message }, 'run failed');
    } finally {
      clearTimeout(timer);
    }
    this.options.onRun?.(outcome);
  }

  /** When the job's cron next fires (in the scheduler's time zone); undefined for an unknown job. */
  nextRun(jobName: string): Date | undefined {
    return this.tasks.get(jobName)?.getNextRun() ?? undefined;
  }

  /** Stops scheduling and waits for the runs in progress (at most `graceMs`); true when all ended. */
  async stop(graceMs: number): Promise<boolean> {
    this.stopped = true;
    for (const task of this.tasks.values()) await task.destroy();
    const pending = [...this.running.values()];
    if (pending.length === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      Promise.allSettled(pending).then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), graceMs);
      }),
    ]);
    clearTimeout(timer);
    return finished;
  }
}

/** node-cron's own messages (missed executions after a pause, etc.) go to our log at debug/warn. */
function quietCronLogger(log: Logger) {
  return {
    info: (message: string) => log.debug({ component: 'cron' }, message),
    warn: (message: string) => log.warn({ component: 'cron' }, message),
    error: (message: string | Error) => log.error({ component: 'cron' }, String(message)),
    debug: (message: string | Error) => log.debug({ component: 'cron' }, String(message)),
  };
}
