import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { evaluateAndNotifyAlerts, type AlertEvaluation } from '../../src/app/evaluate-alerts.js';
import type { GroupAlertAssessment, SloAlertAssessment } from '../../src/app/assess-alerts.js';
import { syncLedger } from '../../src/app/sync-ledger.js';
import { loadConfig, type AppConfig } from '../../src/config/load-config.js';
import type { BurnRateSeverity } from '../../src/domain/burn-rate.js';
import { BUCKET_MS, formatDuration } from '../../src/domain/duration.js';
import type { SloDefinition } from '../../src/domain/slo.js';
import { openLedger } from '../../src/ledger/open-ledger.js';
import { BURN_ALERT_NAME, buildRuleGroups, burnRateRecord, type AlertingRule, type RuleGroup } from '../../src/rules/build-rules.js';
import { renderRules } from '../../src/rules/render-rules.js';
import { InMemoryMetricsSource, ManualClock } from '../helpers/in-memory-source.js';
import { counterValues, runPromtool, type PromtoolRun } from './promtool.js';

// The same synthetic traffic goes to promtool (as counters scraped every minute, under the
// generated rules) and to slo-ledger's own evaluator (as 5-minute buckets in an in-memory ledger).
// promtool evaluates the rules every 5 minutes from 0, so their buckets end where the ledger's do:
// at every 5-minute step the rules must page (and ticket) exactly when the ledger's policy does,
// and every recorded burn rate must equal the ledger's, bit for bit.
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** promtool's time 0 (the Unix epoch) is this instant in the ledger: the minute grids coincide. */
const BASE_MS = Date.parse('2026-10-01T00:00:00Z');
/** Minutes of traffic: three days before the first outage fill the longest window (3d) of the policy. */
const END_MINUTE = 80 * 60;
/** The ledger and the rules are compared at every 5-minute step from here to END_MINUTE. */
const FIRST_CHECK_MINUTE = 72 * 60;
/** api-availability: 30 minutes at 10 % errors (a burn rate of 100 against 99.9 %), from 73:00. */
const OUTAGE = { fromMinute: 73 * 60, toMinute: 73 * 60 + 30 };
/** tenant-availability: tenant b fails 20 % of its requests for 20 minutes from 76:00; tenant a never does. */
const TENANT_B_OUTAGE = { fromMinute: 76 * 60, toMinute: 76 * 60 + 20 };

const TENANT_SLO: SloDefinition = {
  name: 'tenant-availability', service: 'api', description: '', objectiveRatio: 0.999, windowMs: 30 * DAY, groupBy: ['tenant'], maxGroups: 1000,
  sli: {
    kind: 'events',
    goodQuery: 'sum by (tenant) (increase(api_requests_total{code!~"5.."}[{{.window}}]))',
    totalQuery: 'sum by (tenant) (increase(api_requests_total[{{.window}}]))',
  },
};

/** Requests and errors of one minute (the minute ending at `minute`). */
interface MinuteTraffic {
  total: number;
  bad: number;
}

const within = (minute: number, span: { fromMinute: number; toMinute: number }) => minute > span.fromMinute && minute <= span.toMinute;
/** 2,000 requests a minute, one of them a 5xx (a burn rate of 0.5); 200 during the outage. */
const apiTraffic = (minute: number): MinuteTraffic => ({ total: 2000, bad: within(minute, OUTAGE) ? 200 : 1 });
const tenantTraffic: Record<string, (minute: number) => MinuteTraffic> = {
  a: () => ({ total: 3000, bad: 1 }),
  b: (minute) => ({ total: 1000, bad: within(minute, TENANT_B_OUTAGE) ? 200 : 0 }),
};
const minutes = Array.from({ length: END_MINUTE }, (_, i) => i + 1);

/** What either side says about one series (an SLO's own, or a group's) at one instant. */
interface SeriesState {
  labels: Record<string, string>;
  firing: Record<BurnRateSeverity, boolean>;
  /** Burn rate by window length (ms). */
  burns: Map<number, number | null>;
}

interface Checkpoint {
  minute: number;
  evaluation: AlertEvaluation;
  series: SeriesState[];
}

describe('slo-ledger rules under promtool: the generated alerts fire and resolve where slo-ledger pages and resolves', () => {
  let dir: string;
  let config: AppConfig;
  let slos: SloDefinition[];
  let groups: RuleGroup[];
  const checkpoints: Checkpoint[] = [];
  let promtool: PromtoolRun;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-rules-promtool-'));
    config = loadConfig({ env: {} });
    slos = [config.slos.find((s) => s.name === 'api-availability')!, TENANT_SLO];

    // slo-ledger's side: the minutes summed into 5-minute buckets, synced into a ledger once.
    const source = new InMemoryMetricsSource();
    const bucketOf = (traffic: (minute: number) => MinuteTraffic, endMinute: number) => {
      const inBucket = minutes.slice(endMinute - 5, endMinute).map(traffic);
      const total = inBucket.reduce((n, t) => n + t.total, 0);
      return { good: total - inBucket.reduce((n, t) => n + t.bad, 0), total };
    };
    for (let end = 5; end <= END_MINUTE; end += 5) {
      source.set('api-availability', BASE_MS + end * MINUTE, bucketOf(apiTraffic, end));
      for (const [tenant, traffic] of Object.entries(tenantTraffic)) source.set(TENANT_SLO.name, BASE_MS + end * MINUTE, bucketOf(traffic, end), { tenant });
    }
    const ledger = openLedger(':memory:');
    const clock = new ManualClock(BASE_MS + END_MINUTE * MINUTE + 3 * MINUTE);
    const sync = await syncLedger({ buckets: ledger.buckets, source, slos, clock, timeZone: 'UTC', atMs: BASE_MS + END_MINUTE * MINUTE, retentionMs: 4 * DAY });
    expect(sync.slos.map((s) => s.error)).toEqual([undefined, undefined]);
    for (let minute = FIRST_CHECK_MINUTE; minute <= END_MINUTE; minute += 5) {
      const evaluation = await evaluateAndNotifyAlerts({ ledger, slos, alerting: config.alerting, timeZone: 'UTC', atMs: BASE_MS + minute * MINUTE, clock });
      checkpoints.push({ minute, evaluation, series: evaluation.assessments.flatMap(seriesStates) });
    }
    await ledger.close();

    // The rules' side: the same minutes as counters, the generated rules, and a promtool test
    // that expects at every checkpoint exactly the alerts and burn rates the ledger has.
    groups = buildRuleGroups(slos, config.alerting.policy);
    writeFileSync(join(dir, 'rules.yaml'), renderRules(groups, 'prometheus'));
    writeFileSync(join(dir, 'test.yaml'), stringify(promtoolTest(join(dir, 'rules.yaml'), groups, checkpoints), { lineWidth: 0, aliasDuplicateObjects: false }));
    promtool = await runPromtool(['test', 'rules', join(dir, 'test.yaml')]);
  }, 60_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The minutes at which a series' alert of `severity` started and stopped firing, as [from, to) spans. */
  const firingSpans = (slo: string, severity: BurnRateSeverity, group: Record<string, string> = {}) => {
    const spans: Array<[string, string]> = [];
    let since: number | null = null;
    for (const c of checkpoints) {
      const state = c.series.find((s) => s.labels.slo === slo && sameGroup(s.labels, group))!;
      if (state.firing[severity] && since === null) since = c.minute;
      if (!state.firing[severity] && since !== null) {
        spans.push([clockOf(since), clockOf(c.minute)]);
        since = null;
      }
    }
    if (since !== null) spans.push([clockOf(since), 'end']);
    return spans;
  };

  it('slo-ledger pages at 73:10 for the outage of 73:00–73:30, steps down to a ticket at 74:00 and resolves at 79:30', () => {
    // 1h & 5m above 14.4× once 10 of the outage's minutes are in the hour; 6h & 30m above 6× until
    // 74:00, when the 30 minutes no longer hold an outage minute. Ticket: 3d & 6h above 1× from
    // 73:25 until the outage leaves the 6 hours. Every window had all its buckets (no unknown rule).
    expect(firingSpans('api-availability', 'page')).toEqual([['73:10', '74:00']]);
    expect(firingSpans('api-availability', 'ticket')).toEqual([['73:25', '79:30']]);
    const transitions = checkpoints.flatMap((c) =>
      c.evaluation.notifications
        .filter((n) => n.notification.slo === 'api-availability' && n.notification.kind === 'burn-rate')
        .map((n) => `${clockOf(c.minute)} ${n.notification.transition} ${n.notification.severity}`),
    );
    // The ticket is repeated 4 hours (repeat_interval) after the step down.
    expect(transitions).toEqual(['73:10 firing page', '74:00 deescalated ticket', '78:00 reminder ticket', '79:30 resolved ticket']);
    expect(checkpoints.every((c) => c.evaluation.assessments.every((a) => a.decision.state !== 'unknown'))).toBe(true);
  });

  it('a grouped SLO pages for the failing group and for the SLO as a whole, never for the healthy group', () => {
    expect(firingSpans(TENANT_SLO.name, 'page', { tenant: 'b' })).toEqual([['76:05', '76:50']]);
    // The SLO as a whole (b is a quarter of its traffic): 1h & 5m above 14.4× only at 76:20.
    expect(firingSpans(TENANT_SLO.name, 'page')).toEqual([['76:20', '76:25']]);
    expect(firingSpans(TENANT_SLO.name, 'page', { tenant: 'a' })).toEqual([]);
    expect(firingSpans(TENANT_SLO.name, 'ticket', { tenant: 'a' })).toEqual([]);
  });

  it('promtool: the generated rules fire and resolve at the same 5-minute steps, with the same burn rate over every window', () => {
    expect(promtool.code, promtool.stdout + promtool.stderr).toBe(0);
    expect(promtool.stdout).toContain('SUCCESS');
  });
});

/** Each series of an assessment (the SLO's own, then its groups) as the rules would label it. */
function seriesStates(assessment: SloAlertAssessment): SeriesState[] {
  const one = (a: SloAlertAssessment | GroupAlertAssessment, group: Record<string, string>): SeriesState => {
    const firing = (severity: BurnRateSeverity) => a.decision.rules.some((r) => r.rule.severity === severity && r.firing);
    const lengths = [...new Set(a.policy.flatMap((r) => [r.shortWindowMs, r.longWindowMs]))].sort((x, y) => x - y);
    return {
      labels: { slo: a.slo.name, service: a.slo.service, ...group },
      firing: { page: firing('page'), ticket: firing('ticket') },
      burns: new Map(lengths.map((ms, i) => [ms, a.windows[i]!.burnRate])),
    };
  };
  return [one(assessment, {}), ...(assessment.groups ?? []).map((g) => one(g, { ...g.labels }))];
}

/**
 * A promtool unit test over the generated rules: the counters of the traffic above, scraped every
 * minute, and at every checkpoint the alerts and burn rates the ledger decided.
 */
function promtoolTest(rulesPath: string, groups: readonly RuleGroup[], checkpoints: readonly Checkpoint[]): unknown {
  const alerts = groups.flatMap((g) => g.rules).filter((r): r is AlertingRule => 'alert' in r);
  const alertOf = (slo: string, severity: string) => alerts.find((a) => a.labels.slo === slo && a.labels.severity === severity)!;
  const inputSeries = [
    { series: 'rendiff_api_requests_total{status_code="200"}', values: counterValues(minutes.map((m) => apiTraffic(m).total - apiTraffic(m).bad)) },
    { series: 'rendiff_api_requests_total{status_code="500"}', values: counterValues(minutes.map((m) => apiTraffic(m).bad)) },
    ...Object.entries(tenantTraffic).flatMap(([tenant, traffic]) => [
      { series: `api_requests_total{tenant="${tenant}",code="200"}`, values: counterValues(minutes.map((m) => traffic(m).total - traffic(m).bad)) },
      { series: `api_requests_total{tenant="${tenant}",code="500"}`, values: counterValues(minutes.map((m) => traffic(m).bad)) },
    ]),
  ];
  const windows = [...checkpoints[0]!.series[0]!.burns.keys()];
  return {
    rule_files: [rulesPath],
    // promtool evaluates every group at the test's interval, not the group's own (5m, as in Prometheus):
    // every 5m from 0, which also puts the rules' buckets on the ledger's grid.
    evaluation_interval: formatDuration(BUCKET_MS),
    tests: [
      {
        interval: '1m',
        input_series: inputSeries,
        alert_rule_test: checkpoints.map((c) => ({
          eval_time: `${c.minute}m`,
          alertname: BURN_ALERT_NAME,
          exp_alerts: c.series.flatMap((s) =>
            (['page', 'ticket'] as const)
              .filter((severity) => s.firing[severity])
              .map((severity) => {
                const rule = alertOf(s.labels.slo!, severity);
                return { exp_labels: { ...s.labels, ...rule.labels }, exp_annotations: expandAnnotations(rule.annotations, s.labels) };
              }),
          ),
        })),
        promql_expr_test: checkpoints.flatMap((c) =>
          windows.map((windowMs) => ({
            expr: burnRateRecord(windowMs),
            eval_time: `${c.minute}m`,
            exp_samples: c.series.map((s) => ({ labels: `${burnRateRecord(windowMs)}${labelText(s.labels)}`, value: s.burns.get(windowMs) })),
          })),
        ),
      },
    ],
  };
}

/** The annotations as Prometheus expands them for an alert with these labels (the rules use only `with $labels.X`). */
function expandAnnotations(annotations: Record<string, string>, labels: Record<string, string>): Record<string, string> {
  const expand = (text: string) =>
    text.replace(/\{\{ with \$labels\.(\w+) \}\}(.*?)\{\{ \. \}\}\{\{ end \}\}/g, (_, label: string, prefix: string) => (labels[label] ? `${prefix}${labels[label]}` : ''));
  return Object.fromEntries(Object.entries(annotations).map(([k, v]) => [k, expand(v)]));
}

function labelText(labels: Record<string, string>): string {
  return `{${Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}}`;
}

function sameGroup(labels: Record<string, string>, group: Record<string, string>): boolean {
  const own = Object.keys(labels).filter((k) => k !== 'slo' && k !== 'service');
  return own.length === Object.keys(group).length && own.every((k) => labels[k] === group[k]);
}

/** Minutes since promtool's 0 as hh:mm. */
function clockOf(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}
