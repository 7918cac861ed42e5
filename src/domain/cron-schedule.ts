import { DateTime } from 'luxon';
import cron from 'node-cron';

const SEARCH_DAYS = 400;

/**
 * The latest instant at or before `atMs` that the cron expression matches in `timeZone`, or
 * undefined when none falls in the 400 days before. Uses node-cron's own parser and matcher, so
 * "due" here means exactly what node-cron would have fired; local times skipped by a DST change
 * never match.
 */
export function previousCronInstant(expression: string, timeZone: string, atMs: number): number | undefined {
  const fields = cron.parse(expression);
  const task = cron.createTask(expression, () => undefined, { timezone: timeZone });
  const desc = (values: number[]) => [...values].sort((a, b) => b - a);
  const [seconds, minutes, hours] = [desc(fields.second), desc(fields.minute), desc(fields.hour)];
  const months = new Set(fields.month);
  let day = DateTime.fromMillis(atMs, { zone: timeZone }).startOf('day');
  days: for (let i = 0; i <= SEARCH_DAYS; i++, day = day.minus({ days: 1 })) {
    if (!months.has(day.month)) continue;
    for (const hour of hours) {
      for (const minute of minutes) {
        for (const second of seconds) {
          const local = day.set({ hour, minute, second, millisecond: 0 });
          // A local time a DST change skipped is moved by luxon; it is not an instant of the schedule.
          if (local.hour !== hour || local.minute !== minute) continue;
          const ms = local.toMillis();
          if (ms > atMs) continue;
          // Hour, minute and second come from the expression: only its day fields can refuse the day.
          if (!task.match(new Date(ms))) continue days;
          return ms;
        }
      }
    }
  }
  return undefined;
}
