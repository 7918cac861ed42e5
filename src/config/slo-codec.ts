import { formatDuration, parseDuration } from '../domain/duration.js';
import { DEFAULT_MAX_GROUPS, type SliDefinition, type SloAlerting, type SloDefinition, type SloSeverityAlerting } from '../domain/slo.js';
import type { SloEntry } from './schema.js';

// An SLO in both directions, side by side: the file's form (snake_case, percent, duration strings)
// to the program's (ratios, milliseconds), and back for `config print`. A field added to one
// direction belongs in the other; test/config/print-config.test.ts checks the round trip.

/** Config percent (99.9) to ratio (0.999). Rounded so 99.9 → 0.999 exactly as the literal would be. */
export function percentToRatio(percent: number): number {
  return Number((percent / 100).toPrecision(15));
}

/** Ratio (0.999) back to config percent (99.9), without float noise like 99.90000000000001. */
export function ratioToPercent(ratio: number): number {
  return Number((ratio * 100).toPrecision(15));
}

/** An SLO of the config file as the program sees it. */
export function toSloDefinition(entry: SloEntry): SloDefinition {
  return {
    name: entry.name,
    service: entry.service,
    description: entry.description,
    objectiveRatio: percentToRatio(entry.objective),
    windowMs: parseDuration(entry.window),
    ...(entry.tiers === undefined
      ? {}
      : { tiers: { criticalRatio: percentToRatio(entry.tiers.critical), warningRatio: percentToRatio(entry.tiers.warning) } }),
    ...(entry.group_by === undefined ? {} : { groupBy: [...entry.group_by], maxGroups: entry.max_groups ?? DEFAULT_MAX_GROUPS }),
    ...(entry.alerting === undefined ? {} : { alerting: toSloAlerting(entry.alerting) }),
    sli: toSliDefinition(entry.sli),
  };
}

/** An SLO's `alerting` as the program sees it: only what the file gives (same shape, camelCase already). */
export function toSloAlerting(entry: NonNullable<SloEntry['alerting']>): SloAlerting {
  const severity = (part: NonNullable<typeof entry.page>): SloSeverityAlerting => ({
    ...(part.labels === undefined ? {} : { labels: { ...part.labels } }),
    ...(part.annotations === undefined ? {} : { annotations: { ...part.annotations } }),
    ...(part.disable === undefined ? {} : { disable: part.disable }),
  });
  return {
    ...(entry.labels === undefined ? {} : { labels: { ...entry.labels } }),
    ...(entry.annotations === undefined ? {} : { annotations: { ...entry.annotations } }),
    ...(entry.page === undefined ? {} : { page: severity(entry.page) }),
    ...(entry.ticket === undefined ? {} : { ticket: severity(entry.ticket) }),
  };
}

/** An SLO's `alerting` as the config file writes it. */
export function toSloAlertingEntry(alerting: SloAlerting): Record<string, unknown> {
  const severity = (part: SloSeverityAlerting): Record<string, unknown> => ({
    ...(part.labels === undefined ? {} : { labels: { ...part.labels } }),
    ...(part.annotations === undefined ? {} : { annotations: { ...part.annotations } }),
    ...(part.disable === undefined ? {} : { disable: part.disable }),
  });
  return {
    ...(alerting.labels === undefined ? {} : { labels: { ...alerting.labels } }),
    ...(alerting.annotations === undefined ? {} : { annotations: { ...alerting.annotations } }),
    ...(alerting.page === undefined ? {} : { page: severity(alerting.page) }),
    ...(alerting.ticket === undefined ? {} : { ticket: severity(alerting.ticket) }),
  };
}

/** An SLI of the config file as the program sees it. */
export function toSliDefinition(sli: SloEntry['sli']): SliDefinition {
  if (sli.latency !== undefined) {
    const { histogram, selector, threshold, quantile } = sli.latency;
    return { kind: 'latency', histogram, selector, thresholdSeconds: threshold, quantile };
  }
  // The schema guarantees exactly one kind.
  const events = sli.events!;
  return {
    kind: 'events',
    ...(events.good_query === undefined ? {} : { goodQuery: events.good_query }),
    ...(events.bad_query === undefined ? {} : { badQuery: events.bad_query }),
    totalQuery: events.total_query,
  };
}

/** An SLO as the config file writes it. */
export function toSloEntry(slo: SloDefinition): Record<string, unknown> {
  return {
    name: slo.name,
    service: slo.service,
    description: slo.description,
    objective: ratioToPercent(slo.objectiveRatio),
    ...(slo.objectiveRatio < 0.5 ? { allow_low_objective: true } : {}),
    window: formatDuration(slo.windowMs),
    ...(slo.tiers === undefined
      ? {}
      : { tiers: { critical: ratioToPercent(slo.tiers.criticalRatio), warning: ratioToPercent(slo.tiers.warningRatio) } }),
    ...(slo.groupBy === undefined ? {} : { group_by: [...slo.groupBy], max_groups: slo.maxGroups ?? DEFAULT_MAX_GROUPS }),
    ...(slo.alerting === undefined ? {} : { alerting: toSloAlertingEntry(slo.alerting) }),
    sli: toSliEntry(slo.sli),
  };
}

/** An SLI as the config file writes it. */
export function toSliEntry(sli: SliDefinition): Record<string, unknown> {
  if (sli.kind === 'latency') {
    return {
      latency: { histogram: sli.histogram, selector: sli.selector, threshold: sli.thresholdSeconds, quantile: sli.quantile },
    };
  }
  return {
    events: {
      ...(sli.goodQuery === undefined ? {} : { good_query: sli.goodQuery }),
      ...(sli.badQuery === undefined ? {} : { bad_query: sli.badQuery }),
      total_query: sli.totalQuery,
    },
  };
}
