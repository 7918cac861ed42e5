import { describe, expect, it } from 'vitest';
import { BUCKET_MS } from '../../src/domain/duration.js';
import {
  isValidTimeZone,
  monthName,
  monthOf,
  monthWindowSpec,
  nextMonth,
  parseWindowSpec,
  previousMonth,
  resolveWindow,
  type WindowSpec,
} from '../../src/domain/window.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('parseWindowSpec', () => {
  const rolling: Array<{ name: string; text: string; durationMs: number }> = [
    { name: 'five minutes is a rolling window of one bucket', text: '5m', durationMs: 5 * MINUTE },
    { name: 'thirty minutes is a rolling window', text: '30m', durationMs: 30 * MINUTE },
    { name: 'one hour is a rolling window', text: '1h', durationMs: HOUR },
    { name: 'six hours is a rolling window', text: '6h', durationMs: 6 * HOUR },
    { name: 'twenty-four hours keeps its name as typed', text: '24h', durationMs: DAY },
    { name: 'one day is a rolling window', text: '1d', durationMs: DAY },
    { name: 'three days is a rolling window', text: '3d', durationMs: 3 * DAY },
    { name: 'thirty days is a rolling window', text: '30d', durationMs: 30 * DAY },
    { name: 'a compound multiple of five minutes is a rolling window', text: '1h35m', durationMs: 95 * MINUTE },
  ];
  for (const c of rolling) {
    it(c.name, () => {
      expect(parseWindowSpec(c.text)).toEqual({ kind: 'rolling', name: c.text, durationMs: c.durationMs });
    });
  }

  it('a year and month is a calendar month window', () => {
    expect(parseWindowSpec('2026-10')).toEqual({ kind: 'month', name: '2026-10', year: 2026, month: 10 });
  });

  const invalid: Array<{ name: string; text: string; message: RegExp }> = [
    { name: 'a month thirteen is rejected', text: '2026-13', message: /01\.\.12/ },
    { name: 'a month zero is rejected', text: '2026-00', message: /01\.\.12/ },
    { name: 'a duration that is not a multiple of five minutes is rejected', text: '7m', message: /multiple of 5m/ },
    { name: 'a zero duration is rejected', text: '0s', message: /positive multiple/ },
    { name: 'an unknown text is rejected with the accepted forms', text: 'last week', message: /YYYY-MM/ },
    { name: 'a month with one digit is rejected', text: '2026-1', message: /YYYY-MM/ },
    { name: 'an empty text is rejected', text: '', message: /Invalid window/ },
  ];
  for (const c of invalid) {
    it(c.name, () => {
      expect(() => parseWindowSpec(c.text)).toThrow(c.message);
    });
  }
});

describe('resolveWindow for rolling windows', () => {
  it('ends at the last bucket end at or before the evaluation time and spans the duration', () => {
    const at = Date.UTC(2026, 9, 15, 12, 7, 30);
    const window = resolveWindow(parseWindowSpec('1h'), at, 'UTC');
    expect(window).toEqual({ name: '1h', startMs: Date.UTC(2026, 9, 15, 11, 5), endMs: Date.UTC(2026, 9, 15, 12, 5) });
  });

  it('includes the bucket that ends exactly at the evaluation time', () => {
    const at = Date.UTC(2026, 9, 15, 12, 5);
    expect(resolveWindow(parseWindowSpec('5m'), at, 'Europe/Berlin').endMs).toBe(at);
  });

  it('rejects a hand-built rolling spec that is not whole buckets', () => {
    const spec: WindowSpec = { kind: 'rolling', name: '7m', durationMs: 7 * MINUTE };
    expect(() => resolveWindow(spec, Date.UTC(2026, 0, 1), 'UTC')).toThrow(/multiple of 5m/);
  });
});

describe('resolveWindow for calendar months', () => {
  const afterAll = Date.UTC(2030, 0, 1);
  const cases: Array<{ name: string; zone: string; year: number; month: number; start: string; end: string; hours: number }> = [
    { name: 'October 2026 in Berlin has 745 hours because summer time ends on the 25th', zone: 'Europe/Berlin', year: 2026, month: 10, start: '2026-09-30T22:00:00Z', end: '2026-10-31T23:00:00Z', hours: 31 * 24 + 1 },
    { name: 'March 2026 in Berlin has 743 hours because summer time starts on the 29th', zone: 'Europe/Berlin', year: 2026, month: 3, start: '2026-02-28T23:00:00Z', end: '2026-03-31T22:00:00Z', hours: 31 * 24 - 1 },
    { name: 'March 2026 in New York has 743 hours because daylight time starts on the 8th', zone: 'America/New_York', year: 2026, month: 3, start: '2026-03-01T05:00:00Z', end: '2026-04-01T04:00:00Z', hours: 31 * 24 - 1 },
    { name: 'November 2026 in New York has 721 hours because daylight time ends on the 1st', zone: 'America/New_York', year: 2026, month: 11, start: '2026-11-01T04:00:00Z', end: '2026-12-01T05:00:00Z', hours: 30 * 24 + 1 },
    { name: 'October 2026 in UTC has 744 hours', zone: 'UTC', year: 2026, month: 10, start: '2026-10-01T00:00:00Z', end: '2026-11-01T00:00:00Z', hours: 31 * 24 },
    { name: 'February 2028 in UTC has 29 days because 2028 is a leap year', zone: 'UTC', year: 2028, month: 2, start: '2028-02-01T00:00:00Z', end: '2028-03-01T00:00:00Z', hours: 29 * 24 },
    { name: 'October 2026 in Kolkata starts at 18:30 UTC, on a bucket boundary', zone: 'Asia/Kolkata', year: 2026, month: 10, start: '2026-09-30T18:30:00Z', end: '2026-10-31T18:30:00Z', hours: 31 * 24 },
    { name: 'October 2026 in Kathmandu starts at 18:15 UTC, on a bucket boundary', zone: 'Asia/Kathmandu', year: 2026, month: 10, start: '2026-09-30T18:15:00Z', end: '2026-10-31T18:15:00Z', hours: 31 * 24 },
    { name: 'December 2026 in Kathmandu ends at the start of January 2027', zone: 'Asia/Kathmandu', year: 2026, month: 12, start: '2026-11-30T18:15:00Z', end: '2026-12-31T18:15:00Z', hours: 31 * 24 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const window = resolveWindow(monthWindowSpec({ year: c.year, month: c.month }), afterAll, c.zone);
      expect(new Date(window.startMs).toISOString()).toBe(c.start.replace('Z', '.000Z'));
      expect(new Date(window.endMs).toISOString()).toBe(c.end.replace('Z', '.000Z'));
      expect((window.endMs - window.startMs) / HOUR).toBe(c.hours);
      expect(window.startMs % BUCKET_MS).toBe(0);
      expect(window.endMs % BUCKET_MS).toBe(0);
    });
  }

  it('every month start of 2026 in Kathmandu and Kolkata is a bucket boundary', () => {
    for (const zone of ['Asia/Kathmandu', 'Asia/Kolkata', 'Australia/Adelaide', 'Pacific/Chatham']) {
      for (let month = 1; month <= 12; month += 1) {
        const window = resolveWindow(monthWindowSpec({ year: 2026, month }), afterAll, zone);
        expect(window.startMs % BUCKET_MS).toBe(0);
        expect(window.endMs % BUCKET_MS).toBe(0);
      }
    }
  });

  it('a month not over yet ends at the last bucket end before the evaluation time', () => {
    const at = Date.UTC(2026, 9, 15, 12, 7, 30);
    const window = resolveWindow(parseWindowSpec('2026-10'), at, 'Europe/Berlin');
    expect(window).toEqual({ name: '2026-10', startMs: Date.UTC(2026, 8, 30, 22), endMs: Date.UTC(2026, 9, 15, 12, 5) });
  });

  it('a month that has not begun is an empty window at its start', () => {
    const at = Date.UTC(2026, 8, 30, 21, 59);
    const window = resolveWindow(parseWindowSpec('2026-10'), at, 'Europe/Berlin');
    expect(window.endMs).toBe(window.startMs);
    expect(window.startMs).toBe(Date.UTC(2026, 8, 30, 22));
  });

  it('a month evaluated exactly at its end is complete', () => {
    const end = Date.UTC(2026, 9, 31, 23);
    expect(resolveWindow(parseWindowSpec('2026-10'), end, 'Europe/Berlin').endMs).toBe(end);
  });

  it('rejects an unknown time zone', () => {
    expect(() => resolveWindow(parseWindowSpec('2026-10'), afterAll, 'Mars/Olympus')).toThrow(/Unknown time zone/);
  });
});

describe('resolveWindow for ranges', () => {
  it('widens a range outwards to bucket boundaries', () => {
    const spec: WindowSpec = { kind: 'range', name: 'incident', startMs: Date.UTC(2026, 9, 1, 10, 3), endMs: Date.UTC(2026, 9, 1, 10, 52) };
    expect(resolveWindow(spec, Date.UTC(2027, 0, 1), 'UTC')).toEqual({
      name: 'incident',
      startMs: Date.UTC(2026, 9, 1, 10, 0),
      endMs: Date.UTC(2026, 9, 1, 10, 55),
    });
  });

  it('rejects a range that ends before it starts', () => {
    const spec: WindowSpec = { kind: 'range', name: 'backwards', startMs: 2 * HOUR, endMs: HOUR };
    expect(() => resolveWindow(spec, 0, 'UTC')).toThrow(/ends before it starts/);
  });
});

describe('months', () => {
  const cases: Array<{ name: string; at: number; zone: string; year: number; month: number }> = [
    { name: 'an instant late on the last day of September in UTC is October in Berlin', at: Date.UTC(2026, 8, 30, 22, 30), zone: 'Europe/Berlin', year: 2026, month: 10 },
    { name: 'the same instant is still September in New York', at: Date.UTC(2026, 8, 30, 22, 30), zone: 'America/New_York', year: 2026, month: 9 },
    { name: 'New Year in Kathmandu comes before New Year in UTC', at: Date.UTC(2026, 11, 31, 18, 15), zone: 'Asia/Kathmandu', year: 2027, month: 1 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(monthOf(c.at, c.zone)).toEqual({ year: c.year, month: c.month });
    });
  }

  it('the month before January is December of the previous year', () => {
    expect(previousMonth({ year: 2026, month: 1 })).toEqual({ year: 2025, month: 12 });
    expect(previousMonth({ year: 2026, month: 10 })).toEqual({ year: 2026, month: 9 });
  });

  it('the month after December is January of the next year', () => {
    expect(nextMonth({ year: 2025, month: 12 })).toEqual({ year: 2026, month: 1 });
  });

  it('names a month in English with its year', () => {
    expect(monthName({ year: 2026, month: 10 })).toBe('October 2026');
    expect(monthName({ year: 2027, month: 1 })).toBe('January 2027');
  });

  it('a month spec is named YYYY-MM with a zero-padded month', () => {
    expect(monthWindowSpec({ year: 2026, month: 3 })).toEqual({ kind: 'month', name: '2026-03', year: 2026, month: 3 });
  });

  it('rejects a month outside 1..12', () => {
    expect(() => previousMonth({ year: 2026, month: 13 })).toThrow(/month must be 1\.\.12/);
  });
});

describe('isValidTimeZone', () => {
  const cases: Array<{ name: string; zone: string; valid: boolean }> = [
    { name: 'Europe/Berlin is a time zone', zone: 'Europe/Berlin', valid: true },
    { name: 'UTC is a time zone', zone: 'UTC', valid: true },
    { name: 'Asia/Kathmandu is a time zone', zone: 'Asia/Kathmandu', valid: true },
    { name: 'a made-up name is not a time zone', zone: 'Mars/Olympus', valid: false },
    { name: 'an empty name is not a time zone', zone: '', valid: false },
    { name: 'a bare offset is not an IANA time zone', zone: '+02:00', valid: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(isValidTimeZone(c.zone)).toBe(c.valid);
    });
  }
});
