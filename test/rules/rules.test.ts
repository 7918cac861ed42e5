import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig, type AppConfig } from '../../src/config/load-config.js';
import { DEFAULT_ALERT_POLICY } from '../../src/domain/alert-policy.js';
import { BUCKET_MS } from '../../src/domain/duration.js';
import type { SloDefinition } from '../../src/domain/slo.js';
import { buildSliQueries } from '../../src/prometheus/promql.js';
import { BURN_ALERT_NAME, buildRuleGroups, GOOD_RECORD, TOTAL_RECORD, type AlertingRule, type RecordingRule, type RuleGroup } from '../../src/rules/build-rules.js';
import { boundPattern } from '../../src/rules/sli-records.js';
import { renderRules } from '../../src/rules/render-rules.js';
import { runPromtool } from './promtool.js';

const DAY = 86_400_000;

/** A grouped SLO whose group labels include `service`, which the rules set themselves. */
const GROUPED: SloDefinition = {
  name: 'tenant-availability', service: 'api', description: '', objectiveRatio: 0.999, windowMs: 30 * DAY, groupBy: ['tenant', 'service'], maxGroups: 1000,
  sli: {
    kind: 'events',
    badQuery: 'sum by (tenant, service) (increase(api_requests_total{code=~"5.."}[{{.window}}]))',
    totalQuery: 'sum by (tenant, service) (increase(api_requests_total[{{.window}}]))',
  },
};
const GROUPED_LATENCY: SloDefinition = {
  name: 'endpoint-latency', service: 'api', description: '', objectiveRatio: 0.99, windowMs: 28 * DAY, groupBy: ['endpoint'], maxGroups: 1000,
  sli: { kind: 'latency', histogram: 'api_request_duration_seconds', selector: 'job="api"', thresholdSeconds: 0.25, quantile: 0.99 },
};

describe('slo-ledger rules: the rule file', () => {
  let dir: string;
  let config: AppConfig;
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  /** promtool's verdict on a rule file; lint findings (duplicate rules) fail too. */
  const check = async (path: string) => {
    const run = await runPromtool(['check', 'rules', '--lint-fatal', path]);
    return { ...run, output: run.stdout + run.stderr };
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-rules-'));
    config = loadConfig({ env: {} });
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('passes promtool check rules for the built-in SLOs, for grouped SLOs, and for the operator format\'s spec.groups', async () => {
    const builtIn = await check(write('built-in.yaml', renderRules(buildRuleGroups(config.slos, config.alerting.policy), 'prometheus')));
    expect(builtIn.output).toContain('SUCCESS: 33 rules found');
    expect(builtIn.code).toBe(0);

    const grouped = await check(write('grouped.yaml', renderRules(buildRuleGroups([GROUPED, GROUPED_LATENCY], DEFAULT_ALERT_POLICY), 'prometheus')));
    expect(grouped.output).toContain('SUCCESS: 22 rules found');
    expect(grouped.code).toBe(0);

    const operator = parse(renderRules(buildRuleGroups([...config.slos, GROUPED], config.alerting.policy), 'prometheus-operator')) as {
      apiVersion: string; kind: string; metadata: { name: string }; spec: { groups: unknown[] };
    };
    expect({ apiVersion: operator.apiVersion, kind: operator.kind, name: operator.metadata.name }).toEqual({
      apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', name: 'slo-ledger',
    });
    const spec = await check(write('operator-spec.yaml', JSON.stringify({ groups: operator.spec.groups })));
    expect(spec.output).toContain('SUCCESS: 44 rules found');
    expect(spec.code).toBe(0);
  });

  it('one group per SLO, evaluated every 5 minutes, with stable names; the same groups in both formats', () => {
    const groups = buildRuleGroups(config.slos, config.alerting.policy);
    expect(groups.map((g) => [g.name, g.interval])).toEqual([
      ['slo-ledger-api-availability', '5m'], ['slo-ledger-api-latency', '5m'], ['slo-ledger-job-success', '5m'],
    ]);
    const plain = parse(renderRules(groups, 'prometheus')) as { groups: unknown[] };
    const operator = parse(renderRules(groups, 'prometheus-operator')) as { spec: { groups: unknown[] } };
    expect(operator.spec.groups).toEqual(plain.groups);
    expect(plain.groups).toEqual(groups.map(({ name, interval, rules }) => ({ name, interval, rules })));
    // The header says why the interval is 5m; no YAML aliases hide an SLO's labels.
    const text = renderRules(groups, 'prometheus');
    expect(text).toMatch(/^# Prometheus rules written by `slo-ledger rules`/);
    expect(text).toContain('disjoint 5-minute buckets');
    expect(text).not.toMatch(/[&*]a\d/);
  });

  it('records the 5-minute good and total events with the queries the ledger syncs, summed to one series per group', () => {
    const builtIn = buildRuleGroups(config.slos, config.alerting.policy).map(recordsOf);
    const [availability, latency, jobs] = [builtIn[0]!, builtIn[1]!, builtIn[2]!];
    const sli = (slo: SloDefinition) => buildSliQueries(slo.sli, BUCKET_MS, slo.groupBy);
    const [a, l, j] = config.slos.map(sli) as [ReturnType<typeof sli>, ReturnType<typeof sli>, ReturnType<typeof sli>];
    if (a.kind !== 'events' || l.kind !== 'latency' || j.kind !== 'events') throw new Error('unexpected built-in SLIs');

    expect(availability.get(TOTAL_RECORD)).toBe(`sum(${a.total})`);
    // good = total − bad, and no 5xx series means no bad events (as the ledger reads a missing bad).
    expect(availability.get(GOOD_RECORD)).toBe(`sum(${a.total}) - (sum(${a.bad}) or sum(${a.total}) * 0)`);
    expect(jobs.get(GOOD_RECORD)).toBe(`sum(${j.good}) or sum(${j.total}) * 0`);
    // Latency: the builder's own per-le query, narrowed to the threshold's bucket ("2" or "2.0").
    expect(latency.get(TOTAL_RECORD)).toBe(l.total);
    expect(latency.get(GOOD_RECORD)).toBe('sum(sum by (le) (increase(rendiff_api_request_duration_seconds_bucket{le=~"2([.]0+)?"}[5m])))');
    for (const records of [availability, latency, jobs]) expect(records.get(`labels:${GOOD_RECORD}`)).toEqual(records.get(`labels:${TOTAL_RECORD}`));
    expect(availability.get(`labels:${GOOD_RECORD}`)).toEqual({ slo: 'api-availability', service: 'rendiff-api' });

    const groupedRecords = buildRuleGroups([GROUPED, GROUPED_LATENCY], DEFAULT_ALERT_POLICY).map(recordsOf);
    const [grouped, groupedLatency] = [groupedRecords[0]!, groupedRecords[1]!];
    // A group label named like one the rules set (service) is kept as group_service.
    expect(grouped.get(TOTAL_RECORD)).toBe(
      'sum by (tenant, group_service) (label_replace(sum by (tenant, service) (increase(api_requests_total[5m])), "group_service", "$1", "service", "(.*)"))',
    );
    expect(groupedLatency.get(TOTAL_RECORD)).toBe('sum by (endpoint)(increase(api_request_duration_seconds_count{job="api"}[5m]))');
    expect(groupedLatency.get(GOOD_RECORD)).toBe(
      'sum by (endpoint) (sum by (le, endpoint) (increase(api_request_duration_seconds_bucket{job="api", le=~"0[.]250*"}[5m])))',
    );
  });

  it('burn rates are ratios of sums of the recorded buckets, over each window of the policy less one second', () => {
    const [availability] = buildRuleGroups(config.slos, config.alerting.policy).map(recordsOf);
    expect(availability!.get('slo:burn_rate:1d')).toBe(
      '(1 - sum by (slo, service) (sum_over_time(slo:sli_good:increase5m{slo="api-availability"}[86399s]))' +
        ' / sum by (slo, service) (sum_over_time(slo:sli_total:increase5m{slo="api-availability"}[86399s]))) / (1 - 0.999)',
    );
    expect([...availability!.keys()].filter((k) => k.startsWith('slo:burn_rate:'))).toEqual(
      ['5m', '30m', '1h', '2h', '6h', '1d', '3d'].map((w) => `slo:burn_rate:${w}`),
    );
    const [grouped] = buildRuleGroups([GROUPED], DEFAULT_ALERT_POLICY).map(recordsOf);
    // The SLO's own burn rate or each group's, in one rule.
    expect(grouped!.get('slo:burn_rate:1h')).toBe(
      '(1 - sum by (slo, service) (sum_over_time(slo:sli_good:increase5m{slo="tenant-availability"}[3599s])) / sum by (slo, service) (sum_over_time(slo:sli_total:increase5m{slo="tenant-availability"}[3599s]))) / (1 - 0.999)\nor\n' +
        '(1 - sum by (slo, service, tenant, group_service) (sum_over_time(slo:sli_good:increase5m{slo="tenant-availability"}[3599s])) / sum by (slo, service, tenant, group_service) (sum_over_time(slo:sli_total:increase5m{slo="tenant-availability"}[3599s]))) / (1 - 0.999)',
    );
  });

  it('alerts per severity from the policy the service resolves for each SLO window, labelled as slo-ledger labels them', () => {
    const twoWeeks: SloDefinition = { ...config.slos[0]!, name: 'two-weeks', windowMs: 14 * DAY };
    const [own, short] = buildRuleGroups([config.slos[0]!, twoWeeks], config.alerting.policy).map((g) => g.rules.filter(isAlert));
    expect(own!.map((a) => [a.alert, a.labels])).toEqual([
      [BURN_ALERT_NAME, { severity: 'page', slo: 'api-availability', service: 'rendiff-api' }],
      [BURN_ALERT_NAME, { severity: 'ticket', slo: 'api-availability', service: 'rendiff-api' }],
    ]);
    expect(own![0]!.expr).toBe(
      '(slo:burn_rate:1h{slo="api-availability"} > 14.4 and slo:burn_rate:5m{slo="api-availability"} > 14.4)\nor\n' +
        '(slo:burn_rate:6h{slo="api-availability"} > 6 and slo:burn_rate:30m{slo="api-availability"} > 6)',
    );
    expect(own![1]!.expr).toContain('(slo:burn_rate:3d{slo="api-availability"} > 1 and slo:burn_rate:6h{slo="api-availability"} > 1)');
    expect(own![0]!.annotations.summary).toBe('api-availability (rendiff-api) is burning its error budget');
    // Budget shares scale with the SLO's window: 2 % of a 14-day budget in 1h is 6.72×.
    expect(short![0]!.expr).toContain('slo:burn_rate:1h{slo="two-weeks"} > 6.72 and');

    const custom = buildRuleGroups([GROUPED], [{ severity: 'page', longWindowMs: 3_600_000, shortWindowMs: 300_000, factor: 10 }], {
      severityLabels: { page: 'critical', ticket: 'warning' },
    })[0]!.rules.filter(isAlert);
    expect(custom.map((a) => a.labels.severity)).toEqual(['critical']);
    expect(custom[0]!.annotations.summary).toBe(
      'tenant-availability (api){{ with $labels.tenant }} tenant={{ . }}{{ end }}{{ with $labels.group_service }} service={{ . }}{{ end }} is burning its error budget',
    );
  });

  it('matches a histogram bound however it is written', () => {
    const matches = (seconds: number, le: string) => new RegExp(`^(?:${boundPattern(seconds)})$`).test(le);
    expect(['2', '2.0', '2.00'].every((le) => matches(2, le))).toBe(true);
    expect(['0.25', '0.250'].every((le) => matches(0.25, le))).toBe(true);
    expect(['20', '2.5', '0.2', '12'].some((le) => matches(2, le))).toBe(false);
    expect(['0.2', '0.255', '0x25'].some((le) => matches(0.25, le))).toBe(false);
  });
});

function isAlert(rule: RecordingRule | AlertingRule): rule is AlertingRule {
  return 'alert' in rule;
}

/** A group's recording rules by name (and their labels under `labels:<name>`). */
function recordsOf(group: RuleGroup): Map<string, unknown> {
  const records = new Map<string, unknown>();
  for (const rule of group.rules) {
    if (isAlert(rule)) continue;
    records.set(rule.record, rule.expr);
    records.set(`labels:${rule.record}`, rule.labels);
  }
  return records;
}
