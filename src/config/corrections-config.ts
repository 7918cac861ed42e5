import { DateTime } from 'luxon';
import rrule from 'rrule';
import { z } from 'zod';
import { CORRECTION_CATEGORIES, type Correction } from '../domain/correction.js';
import { formatDuration, parseDuration } from '../domain/duration.js';

// The `corrections` section: periods taken out of the error budget (maintenance windows, a bad
// deploy caught by a synthetic check), its schema and its mapping in both directions side by side.

const instantText = z.string().refine((text) => DateTime.fromISO(text, { zone: 'UTC' }).isValid, {
  message: 'must be an ISO 8601 time, e.g. 2026-10-14T03:00:00Z (without an offset: the configured timezone)',
});

const ruleText = z.string().superRefine((text, ctx) => {
  try {
    rrule.rrulestr(text.startsWith('RRULE:') ? text : `RRULE:${text}`);
  } catch (error) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `not an iCalendar RRULE (e.g. FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0): ${(error as Error).message}` });
  }
});

const durationText = z.string().superRefine((text, ctx) => {
  try {
    if (parseDuration(text) <= 0) throw new Error('must be positive');
  } catch (error) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `not a duration such as 2h or 90m: ${(error as Error).message}` });
  }
});

/** One correction as the config file writes it. */
export const correctionSchema = z
  .object({
    slo: z.string().min(1).optional(),
    service: z.string().min(1).optional(),
    group: z.record(z.string(), z.string()).optional(),
    from: instantText.optional(),
    to: instantText.optional(),
    every: ruleText.optional(),
    duration: durationText.optional(),
    category: z.enum(CORRECTION_CATEGORIES as [string, ...string[]]),
    reason: z.string().min(1, 'say why, for the report and the audit'),
  })
  .strict()
  .superRefine((entry, ctx) => {
    const once = entry.from !== undefined || entry.to !== undefined;
    const recurring = entry.every !== undefined || entry.duration !== undefined;
    if (once === recurring) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'give from and to (once), or every and duration (recurring)' });
      return;
    }
    if (once && (entry.from === undefined || entry.to === undefined)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [entry.from === undefined ? 'from' : 'to'], message: 'from and to go together' });
    if (recurring && (entry.every === undefined || entry.duration === undefined)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [entry.every === undefined ? 'every' : 'duration'], message: 'every and duration go together' });
    if (entry.from !== undefined && entry.to !== undefined && !(DateTime.fromISO(entry.to, { zone: 'UTC' }) > DateTime.fromISO(entry.from, { zone: 'UTC' }))) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['to'], message: 'must be after from' });
    }
  });

export type CorrectionEntry = z.output<typeof correctionSchema>;

/** A correction of the config file as the program sees it; times without an offset are read in `timeZone`. */
export function toCorrection(entry: CorrectionEntry, index: number, timeZone: string): Correction {
  const instant = (text: string) => DateTime.fromISO(text, { zone: timeZone }).toMillis();
  return {
    id: `config:${index}`,
    scope: {
      ...(entry.slo === undefined ? {} : { slo: entry.slo }),
      ...(entry.service === undefined ? {} : { service: entry.service }),
      ...(entry.group === undefined ? {} : { group: { ...entry.group } }),
    },
    timing:
      entry.every !== undefined
        ? { kind: 'recurring', rule: entry.every.startsWith('RRULE:') ? entry.every : `RRULE:${entry.every}`, durationMs: parseDuration(entry.duration!) }
        : { kind: 'once', fromMs: instant(entry.from!), toMs: instant(entry.to!) },
    category: entry.category as Correction['category'],
    reason: entry.reason,
  };
}

/** A correction as the config file writes it (`config print`): instants in UTC. */
export function toCorrectionEntry(correction: Correction): Record<string, unknown> {
  const { scope, timing } = correction;
  return {
    ...(scope.slo === undefined ? {} : { slo: scope.slo }),
    ...(scope.service === undefined ? {} : { service: scope.service }),
    ...(scope.group === undefined ? {} : { group: { ...scope.group } }),
    ...(timing.kind === 'once'
      ? { from: new Date(timing.fromMs).toISOString(), to: new Date(timing.toMs).toISOString() }
      : { every: timing.rule.replace(/^RRULE:/, ''), duration: formatDuration(timing.durationMs) }),
    category: correction.category,
    reason: correction.reason,
  };
}
