import { describe, expect, it } from 'vitest';
import {
  BadParameterError, parseInstantParam, parseMonthParam, parseStepParam, parseWindowsParam, singleParam,
} from '../../src/server/query-params.js';

const NOW = Date.parse('2026-11-28T10:00:00Z');

function badParameter(fn: () => unknown): BadParameterError {
  try {
    fn();
  } catch (error) {
    if (error instanceof BadParameterError) return error;
    throw error;
  }
  throw new Error('expected a BadParameterError');
}

describe('parseInstantParam', () => {
  it.each([
    ['an absent value is the evaluation clock', undefined, 'UTC', NOW],
    ['"now" is the evaluation clock', 'now', 'UTC', NOW],
    ['an ISO time with Z is that instant', '2026-11-01T00:00:00Z', 'UTC', Date.parse('2026-11-01T00:00:00Z')],
    ['an ISO time without offset is read in the configured zone', '2026-11-01T01:00:00', 'Europe/Berlin', Date.parse('2026-11-01T00:00:00Z')],
    ['epoch seconds are accepted, as Prometheus does', '1793491200', 'UTC', Date.parse('2026-11-01T00:00:00Z')],
  ])('%s', (_name, text, zone, expected) => {
    expect(parseInstantParam('at', text, zone, NOW)).toBe(expected);
  });

  it('rejects text that is no time, naming the parameter', () => {
    const error = badParameter(() => parseInstantParam('from', 'yesterday', 'UTC', NOW));
    expect(error.parameter).toBe('from');
    expect(error.message).toMatch(/^from: "yesterday" is not an ISO 8601 time/);
  });
});

describe('parseWindowsParam', () => {
  it('uses the fallback when absent and keeps the names as typed', () => {
    expect(parseWindowsParam('window', undefined, ['24h', '7d']).map((w) => w.name)).toEqual(['24h', '7d']);
    expect(parseWindowsParam('window', '1h, 2026-10', []).map((w) => [w.kind, w.name])).toEqual([['rolling', '1h'], ['month', '2026-10']]);
  });

  it.each([
    ['a window that is not a multiple of 5 minutes', '7m'],
    ['a month that does not exist', '2026-13'],
    ['text that is no window', 'week'],
    ['an empty list', ' , '],
  ])('rejects %s', (_name, text) => {
    expect(badParameter(() => parseWindowsParam('window', text, ['24h'])).parameter).toBe('window');
  });
});

describe('parseStepParam', () => {
  it('accepts whole buckets and falls back when absent', () => {
    expect(parseStepParam('step', '1h', 5)).toBe(3_600_000);
    expect(parseStepParam('step', undefined, 300_000)).toBe(300_000);
  });
  it.each([['90s'], ['0m'], ['soon']])('rejects %s', (text) => {
    expect(badParameter(() => parseStepParam('step', text, 1)).parameter).toBe('step');
  });
});

describe('parseMonthParam and singleParam', () => {
  it('accepts YYYY-MM and rejects anything else, path tricks included', () => {
    expect(parseMonthParam('month', '2026-10')).toBe('2026-10');
    for (const text of ['2026-00', '2026-1', '../etc', '2026-10/..']) expect(badParameter(() => parseMonthParam('month', text)).parameter).toBe('month');
  });
  it('rejects a parameter given twice', () => {
    expect(badParameter(() => singleParam({ at: ['a', 'b'] }, 'at')).message).toBe('at: given more than once');
    expect(singleParam({ at: '' }, 'at')).toBeUndefined();
  });
});
