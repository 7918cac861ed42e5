import { describe, expect, it } from 'vitest';
import { previousCronInstant } from '../../src/domain/cron-schedule.js';
import { dueReportMonth } from '../../src/app/monthly-job.js';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('previousCronInstant: the last instant node-cron would have fired at or before a time', () => {
  const cases: Array<[string, string, string, string, string | undefined]> = [
    ['the instant itself counts as due', '0 6 1 * *', 'UTC', '2026-11-01T06:00:00.000Z', '2026-11-01T06:00:00.000Z'],
    ['a second before, the previous month\'s instant', '0 6 1 * *', 'UTC', '2026-11-01T05:59:59.000Z', '2026-10-01T06:00:00.000Z'],
    ['days later, still the 1st of this month', '0 6 1 * *', 'UTC', '2026-11-03T09:00:00.000Z', '2026-11-01T06:00:00.000Z'],
    ['06:00 in Berlin is 05:00 UTC in winter', '0 6 1 * *', 'Europe/Berlin', '2026-11-03T00:00:00.000Z', '2026-11-01T05:00:00.000Z'],
    ['06:00 in Berlin is 04:00 UTC in summer', '0 6 1 * *', 'Europe/Berlin', '2026-07-15T00:00:00.000Z', '2026-07-01T04:00:00.000Z'],
    ['06:00 in New York on 1 November, the day DST ends', '0 6 1 * *', 'America/New_York', '2026-11-01T12:00:00.000Z', '2026-11-01T11:00:00.000Z'],
    ['02:30 on the Sunday Berlin skips 02:00–03:00 never happens', '30 2 * * 0', 'Europe/Berlin', '2026-03-30T00:00:00.000Z', '2026-03-22T01:30:00.000Z'],
    ['every minute: the minute started', '* * * * *', 'UTC', '2026-11-03T10:00:31.000Z', '2026-11-03T10:00:00.000Z'],
    ['weekday field: the last Monday 09:00', '0 9 * * 1', 'UTC', '2026-11-04T10:00:00.000Z', '2026-11-02T09:00:00.000Z'],
    ['29 February: the last one in the 400 days searched', '0 0 29 2 *', 'UTC', '2026-11-01T00:00:00.000Z', undefined],
  ];
  it.each(cases)('%s', (_name, expression, zone, at, expected) => {
    expect(iso(previousCronInstant(expression, zone, Date.parse(at)))).toBe(expected);
  });

  it('the month due is the calendar month before the due instant, in the configured zone', () => {
    expect(dueReportMonth('0 6 1 * *', 'UTC', Date.parse('2026-11-03T09:00:00Z'))).toEqual({ month: { year: 2026, month: 10 }, name: '2026-10', dueMs: Date.parse('2026-11-01T06:00:00Z') });
    expect(dueReportMonth('0 6 1 * *', 'UTC', Date.parse('2027-01-01T06:00:00Z'))?.name).toBe('2026-12');
    // 1 January 00:30 in Tokyo is still 31 December in UTC: the month is the zone's.
    expect(dueReportMonth('15 0 1 * *', 'Asia/Tokyo', Date.parse('2026-12-31T15:30:00Z'))?.name).toBe('2026-12');
  });
});
