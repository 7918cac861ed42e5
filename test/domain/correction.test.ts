import { describe, expect, it } from 'vitest';
import { correctionApplies, correctionIntervals, excludedRuns, type Correction } from '../../src/domain/correction.js';
import { BUCKET_MS } from '../../src/domain/duration.js';
import type { SloDefinition } from '../../src/domain/slo.js';

const at = (iso: string) => Date.parse(iso);
const HOUR = 3_600_000;
const weekly = (rule: string, durationMs: number): Correction => ({
  id: 'config:0', scope: {}, timing: { kind: 'recurring', rule, durationMs }, category: 'planned-maintenance', reason: 'weekly window',
});
const SLO: SloDefinition = {
  name: 'api', service: 'web', description: '', objectiveRatio: 0.999, windowMs: 30 * 24 * HOUR, groupBy: ['tenant'],
  sli: { kind: 'events', badQuery: 'b', totalQuery: 't' },
};

describe('corrections', () => {
  it('covers the local hours a weekly window names, three of them on the night the clocks go back in Berlin', () => {
    const sunday = weekly('RRULE:FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0', 2 * HOUR);
    const intervals = correctionIntervals(sunday, at('2026-10-01T00:00:00Z'), at('2026-11-01T00:00:00Z'), 'Europe/Berlin');
    expect(intervals.map((i) => [new Date(i.startMs).toISOString(), (i.endMs - i.startMs) / HOUR])).toEqual([
      ['2026-10-04T00:00:00.000Z', 2],
      ['2026-10-11T00:00:00.000Z', 2],
      ['2026-10-18T00:00:00.000Z', 2],
      // 02:00 CEST (00:00Z) … 04:00 CET (03:00Z): 02:00–03:00 happens twice.
      ['2026-10-25T00:00:00.000Z', 3],
    ]);
  });

  it('covers one hour on the night the clocks go forward, when 02:00–03:00 does not exist', () => {
    const intervals = correctionIntervals(weekly('RRULE:FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0', 2 * HOUR), at('2026-03-28T00:00:00Z'), at('2026-03-30T00:00:00Z'), 'Europe/Berlin');
    expect(intervals.map((i) => [new Date(i.startMs).toISOString(), new Date(i.endMs).toISOString()])).toEqual([['2026-03-29T01:00:00.000Z', '2026-03-29T02:00:00.000Z']]);
  });

  it('widens a one-off correction outward to whole buckets and merges what overlaps', () => {
    const once = (from: string, to: string): Correction => ({ id: 'x', scope: {}, timing: { kind: 'once', fromMs: at(from), toMs: at(to) }, category: 'deployment', reason: '' });
    const runs = excludedRuns([once('2026-10-14T02:03:00Z', '2026-10-14T03:58:00Z'), once('2026-10-14T03:50:00Z', '2026-10-14T04:10:00Z')], at('2026-10-01T00:00:00Z'), at('2026-11-01T00:00:00Z'), 'UTC');
    expect(runs).toEqual([{ firstEndMs: at('2026-10-14T02:05:00Z'), lastEndMs: at('2026-10-14T04:10:00Z') }]);
    // Cut to the range asked for.
    expect(excludedRuns([once('2026-10-14T02:00:00Z', '2026-10-14T03:00:00Z')], at('2026-10-14T02:30:00Z'), at('2026-10-14T04:00:00Z'), 'UTC')).toEqual([
      { firstEndMs: at('2026-10-14T02:30:00Z') + BUCKET_MS, lastEndMs: at('2026-10-14T03:00:00Z') },
    ]);
  });

  it('applies by SLO, by service, to every SLO, and to one group only where a group is asked for', () => {
    const c = (scope: Correction['scope']): Correction => ({ id: 'x', scope, timing: { kind: 'once', fromMs: 0, toMs: 1 }, category: 'other', reason: '' });
    expect(correctionApplies(c({ slo: 'api' }), SLO)).toBe(true);
    expect(correctionApplies(c({ slo: 'other' }), SLO)).toBe(false);
    expect(correctionApplies(c({ service: 'web' }), SLO)).toBe(true);
    expect(correctionApplies(c({}), SLO, { tenant: 'a' })).toBe(true);
    expect(correctionApplies(c({ group: { tenant: 'a' } }), SLO, { tenant: 'a' })).toBe(true);
    expect(correctionApplies(c({ group: { tenant: 'a' } }), SLO, { tenant: 'b' })).toBe(false);
    expect(correctionApplies(c({ group: { tenant: 'a' } }), SLO)).toBe(false);
  });
});
