import { describe, expect, it } from 'vitest';
import { Scheduler, type JobRunOutcome, type ScheduledJob } from '../../src/runtime/scheduler.js';
import { systemClock } from '../../src/domain/clock.js';
import { memoryLogger } from './helpers.js';

/** A job whose runs end only when the test says so. */
function controlledJob(overrides: Partial<ScheduledJob> = {}) {
  const releases: Array<(error?: Error) => void> = [];
  let started = 0;
  const job: ScheduledJob = {
    name: 'test-job',
    cron: '0 0 1 1 *', // never fires during a test; runs are triggered by hand
    timeoutMs: 60_000,
    run: () => {
      started++;
      return new Promise<void>((resolve, reject) => releases.push((error) => (error ? reject(error) : resolve())));
    },
    ...overrides,
  };
  return { job, releases, started: () => started };
}

function scheduler() {
  const outcomes: JobRunOutcome[] = [];
  const { logger, lines } = memoryLogger([]);
  return { s: new Scheduler({ logger, clock: systemClock, onRun: (o) => outcomes.push(o) }), outcomes, lines };
}

describe('Scheduler', () => {
  it('skips and logs a trigger while the previous run is still going', async () => {
    const { s, outcomes, lines } = scheduler();
    const { job, releases, started } = controlledJob();
    s.add(job);
    const first = s.trigger(job);
    void s.trigger(job);
    expect(started()).toBe(1);
    expect(outcomes.map((o) => o.outcome)).toEqual(['skipped']);
    expect(lines.some((l) => l.includes('previous run still in progress'))).toBe(true);
    releases[0]!();
    await first;
    void s.trigger(job);
    expect(started()).toBe(2);
    releases[1]!();
    await s.stop(1000);
    expect(outcomes.map((o) => o.outcome)).toEqual(['skipped', 'ok', 'ok']);
  });

  it('reports a failed run and keeps going', async () => {
    const { s, outcomes } = scheduler();
    const { job, releases } = controlledJob();
    const run = s.trigger(job);
    releases[0]!(new Error('prometheus down'));
    await expect(run).resolves.toBeUndefined();
    expect(outcomes[0]).toMatchObject({ outcome: 'failed', error: 'prometheus down' });
    const again = s.trigger(job);
    releases[1]!();
    await again;
    expect(outcomes[1]).toMatchObject({ outcome: 'ok' });
  });

  it('reports a timeout, and starts no new run until the slow one ends', async () => {
    const { s, outcomes } = scheduler();
    const { job, releases, started } = controlledJob({ timeoutMs: 20 });
    const run = s.trigger(job);
    const deadline = Date.now() + 5_000;
    while (outcomes.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(outcomes[0]).toMatchObject({ outcome: 'timed-out' });
    void s.trigger(job);
    expect(started()).toBe(1);
    releases[0]!();
    await run;
  });

  it('on stop, schedules nothing more and waits for the run in progress', async () => {
    const { s } = scheduler();
    const { job, releases, started } = controlledJob();
    s.add(job);
    void s.trigger(job);
    let stopped = false;
    const stopping = s.stop(5_000).then((finished) => {
      stopped = true;
      return finished;
    });
    // Let everything that is ready run: stop must still be waiting for the run.
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    releases[0]!();
    await expect(stopping).resolves.toBe(true);
    void s.trigger(job);
    expect(started()).toBe(1);
  });

  it('gives up waiting after the grace period', async () => {
    const { s } = scheduler();
    const { job, releases } = controlledJob();
    void s.trigger(job);
    await expect(s.stop(20)).resolves.toBe(false);
    releases[0]!();
  });

  it('rejects an invalid cron expression', () => {
    const { s } = scheduler();
    expect(() => s.add(controlledJob({ cron: 'every minute' }).job)).toThrow(/invalid cron expression/);
  });

  it('reads cron expressions in the configured time zone (the monthly report at 06:00 Berlin time)', async () => {
    const { logger } = memoryLogger([]);
    const zoned = new Scheduler({ logger, clock: systemClock, timeZone: 'Europe/Berlin' });
    const utc = new Scheduler({ logger, clock: systemClock, timeZone: 'UTC' });
    const { job } = controlledJob({ cron: '0 6 1 * *' });
    zoned.add(job);
    utc.add(job);
    const berlin = zoned.nextRun(job.name)!;
    const inUtc = utc.nextRun(job.name)!;
    expect(inUtc.getUTCHours()).toBe(6);
    // Berlin is UTC+1 or UTC+2: the same wall-clock instant comes one or two hours earlier.
    expect([3_600_000, 7_200_000]).toContain(inUtc.getTime() - berlin.getTime());
    await zoned.stop(1000);
    await utc.stop(1000);
  });
});
