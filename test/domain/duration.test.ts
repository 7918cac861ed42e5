import { describe, expect, it } from 'vitest';
import {
  BUCKET_MS,
  ceilToBucket,
  floorToBucket,
  formatDuration,
  parseDuration,
  toPromQlRange,
} from '../../src/domain/duration.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('parseDuration', () => {
  const cases: Array<{ name: string; text: string; ms: number }> = [
    { name: 'milliseconds are read as milliseconds', text: '250ms', ms: 250 },
    { name: 'seconds are read as thousands of milliseconds', text: '30s', ms: 30 * SECOND },
    { name: 'minutes are read as sixty seconds each', text: '5m', ms: 5 * MINUTE },
    { name: 'an hour is sixty minutes', text: '1h', ms: HOUR },
    { name: 'a compound duration adds its parts', text: '1h30m', ms: 90 * MINUTE },
    { name: 'days are twenty-four hours', text: '7d', ms: 7 * DAY },
    { name: 'weeks are seven days', text: '2w', ms: 14 * DAY },
    { name: 'a year is 365 days as in Prometheus', text: '1y', ms: 365 * DAY },
    { name: 'every unit can appear once, largest first', text: '1y2w3d4h5m6s7ms', ms: 365 * DAY + 14 * DAY + 3 * DAY + 4 * HOUR + 5 * MINUTE + 6 * SECOND + 7 },
    { name: 'a bare zero is zero, as Prometheus accepts it', text: '0', ms: 0 },
    { name: 'zero seconds is zero', text: '0s', ms: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(parseDuration(c.text)).toBe(c.ms);
    });
  }

  const invalid: Array<{ name: string; text: string }> = [
    { name: 'an empty text is rejected', text: '' },
    { name: 'a negative duration is rejected', text: '-5m' },
    { name: 'an unknown unit is rejected', text: '5x' },
    { name: 'a space between number and unit is rejected', text: '5 m' },
    { name: 'a number without a unit is rejected', text: '5' },
    { name: 'units out of order are rejected', text: '30m1h' },
    { name: 'a repeated unit is rejected', text: '1h1h' },
    { name: 'a fractional number is rejected', text: '1.5h' },
    { name: 'upper-case units are rejected', text: '5M' },
  ];
  for (const c of invalid) {
    it(c.name, () => {
      expect(() => parseDuration(c.text)).toThrow(/Invalid duration/);
    });
  }
});

describe('formatDuration', () => {
  const cases: Array<{ name: string; ms: number; text: string }> = [
    { name: 'five minutes is "5m"', ms: 5 * MINUTE, text: '5m' },
    { name: 'an hour is "1h"', ms: HOUR, text: '1h' },
    { name: 'twenty-four hours is "1d"', ms: 24 * HOUR, text: '1d' },
    { name: 'thirty days stays "30d" because weeks are used only when exact', ms: 30 * DAY, text: '30d' },
    { name: 'fourteen days is "2w"', ms: 14 * DAY, text: '2w' },
    { name: '365 days is "1y"', ms: 365 * DAY, text: '1y' },
    { name: 'ninety minutes is "1h30m"', ms: 90 * MINUTE, text: '1h30m' },
    { name: '9300 seconds is "2h35m"', ms: 9300 * SECOND, text: '2h35m' },
    { name: 'sub-second parts are kept exactly', ms: 1500, text: '1s500ms' },
    { name: 'zero is "0s"', ms: 0, text: '0s' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(formatDuration(c.ms)).toBe(c.text);
    });
  }

  it('formats back to a text that parses to the same duration', () => {
    for (const ms of [250, 90 * SECOND, 5 * MINUTE, 745 * HOUR, 30 * DAY, 400 * DAY + 1]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
  });

  it('rejects negative and fractional milliseconds', () => {
    expect(() => formatDuration(-1)).toThrow(/non-negative whole/);
    expect(() => formatDuration(1.5)).toThrow(/non-negative whole/);
  });
});

describe('toPromQlRange', () => {
  const cases: Array<{ name: string; ms: number; text: string }> = [
    { name: 'five minutes is "5m"', ms: 5 * MINUTE, text: '5m' },
    { name: 'ninety minutes is a single unit "90m", not a compound', ms: 90 * MINUTE, text: '90m' },
    { name: 'a duration that is not a whole minute is in seconds', ms: 90 * SECOND, text: '90s' },
    { name: 'thirty days is "30d"', ms: 30 * DAY, text: '30d' },
    { name: 'a month with a DST change is in hours', ms: 745 * HOUR, text: '745h' },
    { name: 'a duration that is not a whole second is in milliseconds', ms: 1500, text: '1500ms' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(toPromQlRange(c.ms)).toBe(c.text);
      expect(parseDuration(toPromQlRange(c.ms))).toBe(c.ms);
    });
  }

  it('rejects a zero range, which PromQL does not accept', () => {
    expect(() => toPromQlRange(0)).toThrow(/positive/);
  });
});

describe('bucket rounding', () => {
  const t = Date.UTC(2026, 9, 15, 12, 7, 30);
  const cases: Array<{ name: string; ms: number; floor: number; ceil: number }> = [
    { name: 'an instant inside a bucket floors to the bucket before and ceils to the one after', ms: t, floor: Date.UTC(2026, 9, 15, 12, 5), ceil: Date.UTC(2026, 9, 15, 12, 10) },
    { name: 'a bucket boundary stays where it is', ms: Date.UTC(2026, 9, 15, 12, 5), floor: Date.UTC(2026, 9, 15, 12, 5), ceil: Date.UTC(2026, 9, 15, 12, 5) },
    { name: 'an instant one millisecond after a boundary floors to that boundary', ms: Date.UTC(2026, 9, 15, 12, 5) + 1, floor: Date.UTC(2026, 9, 15, 12, 5), ceil: Date.UTC(2026, 9, 15, 12, 10) },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(floorToBucket(c.ms)).toBe(c.floor);
      expect(ceilToBucket(c.ms)).toBe(c.ceil);
    });
  }

  it('a bucket is five minutes', () => {
    expect(BUCKET_MS).toBe(300_000);
  });
});
