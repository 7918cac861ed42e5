import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SloDefinition } from '../../src/domain/slo.js';
import { readSloFiles } from '../../src/interop/read-slo-files.js';
import { REPO_ROOT } from '../helpers/fixture.js';

// OpenSLO and Sloth documents to slo-ledger SLOs: documents written from the published specs
// (test/interop/documents/, every field mapped, accepted or refused) and the projects' own published
// examples (test/interop/fixtures/, each naming its source).
const DIR = 'test/interop';
const DAY = 86_400_000;

function read(...files: string[]) {
  return readSloFiles(files.map((file) => ({ file, text: readFileSync(join(REPO_ROOT, file), 'utf8') })));
}

/** The diagnostics as `LINE:COL PATH: MESSAGE` (all in one file). */
function problems(result: ReturnType<typeof read>): string[] {
  return result.diagnostics.map((d) => `${d.line}:${d.column} ${d.path}: ${d.message}`);
}

const events = (bad: string | undefined, total: string, good?: string): SloDefinition['sli'] => ({
  kind: 'events',
  ...(good === undefined ? {} : { goodQuery: good }),
  ...(bad === undefined ? {} : { badQuery: bad }),
  totalQuery: total,
});

describe('OpenSLO v1 documents written from the specification', () => {
  const file = `${DIR}/documents/openslo-v1-shop.yaml`;
  const result = read(file);

  it('reads every kind: the SLO with indicatorRef, the SLO with an inline indicator and two objectives', () => {
    expect(result.diagnostics).toEqual([]);
    expect(result.slos.map((s) => s.slo)).toEqual([
      {
        name: 'checkout-availability', service: 'shop', description: '99.9% of checkout requests are not 5xx', objectiveRatio: 0.999, windowMs: 28 * DAY,
        sli: events('sum(increase(http_requests_total{handler="/checkout",code=~"5.."}[{{.window}}]))', 'sum(increase(http_requests_total{handler="/checkout"}[{{.window}}]))'),
      },
      {
        name: 'search-search-available', service: 'shop', description: 'Search answers (objective "Search available")', objectiveRatio: 0.995, windowMs: 30 * DAY,
        sli: events(undefined, 'sum(increase(search_requests_total[{{.window}}]))', 'sum(increase(search_requests_total{result="ok"}[{{.window}}]))'),
      },
      {
        name: 'search-search-stellar', service: 'shop', description: 'Search answers (objective "Search stellar")', objectiveRatio: 0.9999, windowMs: 30 * DAY,
        sli: events(undefined, 'sum(increase(search_requests_total[{{.window}}]))', 'sum(increase(search_requests_total{result="ok"}[{{.window}}]))'),
      },
    ]);
    expect(result.slos.map((s) => s.label)).toEqual(['OpenSLO SLO "checkout-availability"', 'OpenSLO SLO "search", objective "Search available"', 'OpenSLO SLO "search", objective "Search stellar"']);
  });

  it('maps the calendar month to 30 days and keeps its time zone, the DataSource to the Prometheus URL', () => {
    expect(result.slos[1]!.timeZone).toEqual({ zone: 'Europe/Berlin', place: { file, line: 139, column: 19, path: 'spec.timeWindow[0].calendar.timeZone' } });
    expect(result.slos[0]!.timeZone).toBeUndefined();
    expect(result.prometheus).toEqual({ name: 'prometheus', url: 'http://prometheus:9090', place: { file, line: 20, column: 10, path: 'spec.connectionDetails.url' } });
  });

  it('maps the burnrate conditions (by reference and inline, in both SLOs) to one policy: factor = threshold, short window = lookbackWindow / 12', () => {
    expect(result.policy?.rules).toEqual([
      { severity: 'page', long_window: '1h', short_window: '5m', factor: 14.4 },
      { severity: 'ticket', long_window: '1d', short_window: '2h', factor: 3 },
    ]);
    expect(result.policy?.spec).toEqual([
      { severity: 'page', longWindowMs: 3_600_000, shortWindowMs: 300_000, factor: 14.4 },
      { severity: 'ticket', longWindowMs: DAY, shortWindowMs: 7_200_000, factor: 3 },
    ]);
  });
});

describe('OpenSLO v1alpha documents written from the specification', () => {
  it('reads ratioMetrics, timeWindows (4 weeks) and budgetingMethod', () => {
    const result = read(`${DIR}/documents/openslo-v1alpha-payments.yaml`);
    expect(result.diagnostics).toEqual([]);
    expect(result.slos.map((s) => s.slo)).toEqual([{
      name: 'payments', service: 'payments', description: 'Payment requests that succeed', objectiveRatio: 0.995, windowMs: 28 * DAY,
      sli: events(undefined, 'sum(increase(payments_total[{{.window}}]))', 'sum(increase(payments_total{status="ok"}[{{.window}}]))'),
    }]);
  });
});

describe('Sloth documents written from the specification', () => {
  it('reads a prometheus/v1 file: rates read as increases, labels and alerting into the SLO\'s alerting, severity labels remembered', () => {
    const file = `${DIR}/documents/sloth-prometheus-v1.yaml`;
    const result = read(file);
    expect(result.diagnostics).toEqual([]);
    expect(result.slos.map((s) => s.slo)).toEqual([
      {
        name: 'orders-requests-availability', service: 'orders', description: 'Order requests that are not 5xx.', objectiveRatio: 0.999, windowMs: 30 * DAY,
        alerting: {
          labels: { owner: 'orders-team', category: 'availability', tier: '1', alert_name: 'OrdersHighErrorRate' },
          annotations: { summary: 'High error rate on orders' },
          page: { labels: { routing_key: 'orders-oncall' }, annotations: { runbook: 'https://runbooks.example/orders' } },
          ticket: { annotations: { channel: '#orders' } },
        },
        sli: events('sum(increase(http_requests_total{job="orders",code=~"5.."}[{{.window}}]))', 'sum(increase(http_requests_total{job="orders"}[{{.window}}]))'),
      },
      {
        name: 'orders-requests-latency', service: 'orders', description: '', objectiveRatio: 0.99, windowMs: 30 * DAY,
        alerting: { labels: { owner: 'orders-team', alert_name: 'OrdersSlow' }, ticket: { disable: true } },
        sli: events(
          '(\n  sum(increase(http_request_duration_seconds_count{job="orders"}[{{.window}}]))\n  -\n  sum(increase(http_request_duration_seconds_bucket{job="orders",le="0.5"}[{{.window}}]))\n)\n',
          'sum(increase(http_request_duration_seconds_count{job="orders"}[{{.window}}]))',
        ),
      },
    ]);
    expect(result.slos[0]!.severityLabels).toEqual({
      page: { value: 'critical', place: { file, line: 25, column: 21, path: 'slos[0].alerting.page_alert.labels.severity' } },
      ticket: { value: 'warning', place: { file, line: 31, column: 21, path: 'slos[0].alerting.ticket_alert.labels.severity' } },
    });
    expect(result.policy).toBeUndefined();
  });

  it('reads a PrometheusServiceLevel object (camelCase)', () => {
    const result = read(`${DIR}/documents/sloth-k8s.yaml`);
    expect(result.diagnostics).toEqual([]);
    expect(result.slos.map((s) => s.slo)).toEqual([{
      name: 'inventory-requests-availability', service: 'inventory', description: 'Inventory lookups that are not 5xx.', objectiveRatio: 0.995, windowMs: 30 * DAY,
      alerting: {
        labels: { owner: 'inventory-team', category: 'availability', tier: '2', alert_name: 'InventoryErrors' },
        annotations: { summary: 'Inventory errors' },
        page: { disable: true },
        ticket: { labels: { slack_channel: '#inventory' }, annotations: { runbook: 'https://runbooks.example/inventory' } },
      },
      sli: events('sum(increase(inventory_requests_total{code=~"5.."}[{{.window}}]))', 'sum(increase(inventory_requests_total[{{.window}}]))'),
    }]);
  });

  it('refuses, at the field and saying why: the other form\'s spelling, irate, an own label, raw and plugin SLIs', () => {
    expect(problems(read(`${DIR}/documents/sloth-refused.yaml`))).toEqual([
      '9:9 slos[0].sli.events.errorQuery: unknown key "errorQuery": write error_query: a prometheus/v1 file (snake_case) spells it so',
      '15:22 slos[1].sli.events.error_query: cannot be read as a count of events: irate(…[{{.window}}]) returns no count of events; slo-ledger sums each 5-minute bucket\'s result, so use increase, rate (read as increase), sum_over_time or count_over_time',
      '26:9 slos[2].alerting.labels.alertname: slo-ledger names its alerts SloBurnRate and SloNoData (alerting.name is kept as the label alert_name)',
      '30:7 slos[3].sli.raw: a raw SLI is an error ratio, and a ratio cannot be summed into 5-minute buckets: an average of per-bucket ratios is wrong when traffic is uneven (a quiet hour would weigh as much as a busy one); give events queries (error and total counts) instead',
      '35:7 slos[4].sli.plugin: an SLI plugin writes its queries in Go code that slo-ledger cannot run; write the queries it produces as events (error_query and total_query)',
    ]);
  });
});

describe('OpenSLO refusals written from the specification', () => {
  it('names the field and why, at its line and column: counter false, Timeslices, thresholdMetric, other sources, composite, raw ratios, a rolling month, odd alert conditions', () => {
    const timeslice = 'belongs to Timeslices budgeting; slo-ledger counts occurrences (good and total events), so a time slice has no meaning here';
    const raw = 'cannot be summed into 5-minute buckets (an average of per-bucket ratios is wrong when traffic is uneven); give good or bad, and total, as counters';
    expect(problems(read(`${DIR}/documents/openslo-v1-refused.yaml`))).toEqual([
      '14:18 spec.indicator.spec.ratioMetric.counter: counter: false means the metrics are gauges that go up and down; slo-ledger counts events from counters (counter: true) and cannot sum gauge samples into buckets',
      '36:20 spec.budgetingMethod: Timeslices budgeting counts good time slices, not events; slo-ledger\'s budgets are occurrences (good and total events summed over the window): use budgetingMethod: Occurrences',
      `39:7 spec.objectives[0].timeSliceTarget: timeSliceTarget ${timeslice}`,
      `40:7 spec.objectives[0].timeSliceWindow: timeSliceWindow ${timeslice}`,
      '70:7 spec.indicator.spec.thresholdMetric: a thresholdMetric compares one value (a latency, a CPU load) with the objective\'s value; slo-ledger counts good and total events: give a ratioMetric (for latency: the histogram\'s _bucket{le="…"} as good and its _count as total)',
      '95:19 spec.indicator.spec.ratioMetric.good.metricSource.type: a metric source of type Datadog: slo-ledger reads Prometheus (or anything with its query API) only',
      '117:7 spec.objectives[0].compositeWeight: compositeWeight makes this a composite SLO (objectives with their own indicators, weighted into one); slo-ledger has no composite SLOs: write one SLO per indicator',
      `131:9 spec.indicator.spec.ratioMetric.rawType: a precomputed ratio (rawType) ${raw}`,
      `132:9 spec.indicator.spec.ratioMetric.raw: a precomputed ratio (raw) ${raw}`,
      '149:17 spec.timeWindow[0].duration: a rolling 1M has no fixed length; write it in days (e.g. 30d) or make it calendar-aligned (1M with a calendar)',
      '164:25 spec.alertPolicies[0].spec.conditions[0].spec.severity: severity "sev1": slo-ledger has page (critical or page) and ticket (warning or ticket) alerts',
      '167:21 spec.alertPolicies[0].spec.conditions[0].spec.condition.op: op lte: slo-ledger alerts when the burn rate exceeds the threshold (gt or gte; a burn rate within 1e-9 of it counts as not exceeding)',
      '169:33 spec.alertPolicies[0].spec.conditions[0].spec.condition.lookbackWindow: must be a whole number of hours (e.g. 1h, 6h, 1d, 3d): the short window is lookbackWindow / 12 (the SRE Workbook\'s ratio, 1h and 5m) and must be a whole number of 5-minute buckets',
    ]);
  });
});

describe('the projects\' own published examples', () => {
  const gettingStarted = {
    name: 'myservice-requests-availability', service: 'myservice', description: 'Common SLO based on availability for HTTP request responses.', objectiveRatio: 0.999, windowMs: 30 * DAY,
    alerting: {
      labels: { owner: 'myteam', repo: 'myorg/myservice', tier: '2', category: 'availability', alert_name: 'MyServiceHighErrorRate' },
      annotations: { summary: "High error rate on 'myservice' requests responses" },
      page: { labels: { routing_key: 'myteam' } },
      ticket: { labels: { slack_channel: '#alerts-myteam' } },
    },
    sli: events(
      'sum(increase(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[{{.window}}]))',
      'sum(increase(http_request_duration_seconds_count{job="myservice"}[{{.window}}]))',
    ),
  };

  it('Sloth getting-started, in both forms, gives the same SLO', () => {
    for (const example of ['getting-started.yml', 'k8s-getting-started.yml']) {
      const result = read(`${DIR}/fixtures/sloth/${example}`);
      expect(result.diagnostics).toEqual([]);
      expect(result.slos.map((s) => s.slo)).toEqual([gettingStarted]);
      expect(result.slos[0]!.severityLabels?.page?.value).toBe('pageteam');
      expect(result.slos[0]!.severityLabels?.ticket?.value).toBe('slack');
    }
  });

  it('Sloth multifile: one SLO per service, named service-slo as Sloth\'s own sloth_id', () => {
    const result = read(`${DIR}/fixtures/sloth/multifile.yml`);
    expect(result.diagnostics).toEqual([]);
    expect(result.slos.map((s) => [s.slo.name, s.slo.objectiveRatio])).toEqual([['myservice-requests-availability', 0.999], ['myservice2-requests-availability', 0.9999]]);
  });

  it('Sloth kubernetes-apiserver, home-wifi and no-alerts', () => {
    const apiserver = read(`${DIR}/fixtures/sloth/kubernetes-apiserver.yml`);
    expect(apiserver.diagnostics).toEqual([]);
    expect(apiserver.slos.map((s) => s.slo.name)).toEqual(['k8s-apiserver-requests-availability', 'k8s-apiserver-requests-latency']);
    expect(apiserver.slos[1]!.slo.sli).toEqual(events(
      '(\n  sum(increase(apiserver_request_duration_seconds_count{verb!="WATCH"}[{{.window}}]))\n  -\n  sum(increase(apiserver_request_duration_seconds_bucket{le="0.4",verb!="WATCH"}[{{.window}}]))\n)\n',
      'sum(increase(apiserver_request_duration_seconds_count{verb!="WATCH"}[{{.window}}]))',
    ));
    expect(apiserver.slos[0]!.slo.alerting?.annotations).toEqual({ runbook: 'https://github.com/kubernetes-monitoring/kubernetes-mixin/tree/master/runbook.md#alert-name-kubeapierrorshigh' });

    const wifi = read(`${DIR}/fixtures/sloth/home-wifi.yml`);
    expect(wifi.diagnostics).toEqual([]);
    // sum_over_time of a subquery adds up across buckets: kept as written.
    expect(wifi.slos[0]!.slo).toMatchObject({ name: 'home-wifi-good-wifi-client-satisfaction', objectiveRatio: 0.95, sli: events(
      'sum_over_time((count(unifipoller_client_satisfaction_ratio < 0.75))[{{.window}}:]) OR on() vector(0)',
      'sum_over_time((count(unifipoller_client_satisfaction_ratio))[{{.window}}:])',
    ) });

    const quiet = read(`${DIR}/fixtures/sloth/no-alerts.yml`);
    expect(quiet.diagnostics).toEqual([]);
    expect(quiet.slos[0]!.slo.alerting).toEqual({ labels: { owner: 'myteam' }, page: { disable: true }, ticket: { disable: true } });
  });

  it('Sloth\'s OpenSLO v1alpha example: window queries without counter read like Sloth\'s', () => {
    const result = read(`${DIR}/fixtures/openslo/sloth-openslo-getting-started.yml`);
    expect(result.diagnostics).toEqual([]);
    expect(result.slos.map((s) => s.slo)).toEqual([{
      name: 'sloth-slo-my-service', service: 'my-service', description: 'Common SLO based on availability for HTTP request responses.', objectiveRatio: 0.999, windowMs: 30 * DAY,
      sli: events(undefined, 'sum(increase(http_request_duration_seconds_count{job="myservice"}[{{.window}}]))', 'sum(increase(http_request_duration_seconds_count{job="myservice",code!~"(5..|429)"}[{{.window}}]))'),
    }]);
  });

  it('refuses the published examples slo-ledger cannot keep the books of, saying why', () => {
    expect(problems(read(`${DIR}/fixtures/sloth/raw-home-wifi.yml`))).toEqual([expect.stringMatching(/^16:7 slos\[0\]\.sli\.raw: a raw SLI is an error ratio, and a ratio cannot be summed/)]);
    expect(problems(read(`${DIR}/fixtures/sloth/plugin-getting-started.yml`))).toEqual([expect.stringMatching(/^15:7 slos\[0\]\.sli\.plugin: an SLI plugin/)]);
    expect(problems(read(`${DIR}/fixtures/sloth/getting-started-plugins.yml`))).toEqual([
      "10:1 slo_plugins: SLO plugins change the rules Sloth generates, and slo-ledger does not run them; remove them, or write the resulting SLO in the config",
    ]);
    expect(problems(read(`${DIR}/fixtures/sloth/alert-windows-custom-30d.yaml`))).toEqual([
      "4:7 kind: Sloth AlertWindows are not SLOs; write these windows as the config's alerting.policy (severity, long_window, short_window, budget_consumed = errorBudgetPercent)",
    ]);
    expect(problems(read(`${DIR}/fixtures/openslo/occurences-slo.yaml`))).toEqual([expect.stringMatching(/^18:7 spec\.indicator\.spec\.thresholdMetric: a thresholdMetric compares/)]);
    expect(problems(read(`${DIR}/fixtures/openslo/ratio-timeslices.yaml`))).toEqual([
      expect.stringMatching(/^21:19 spec\.indicator\.spec\.ratioMetric\.good\.metricSource\.type: a metric source of type Any:/),
      expect.stringMatching(/^32:20 spec\.budgetingMethod: RatioTimeslices budgeting counts good time slices/),
      expect.stringMatching(/^36:7 spec\.objectives\[0\]\.timeSliceWindow: timeSliceWindow belongs to Timeslices/),
    ]);
    expect(problems(read(`${DIR}/fixtures/openslo/timeslices-slo.yaml`))).toEqual([
      expect.stringMatching(/^21:19 .*type Any/),
      '30:17 spec.timeWindow[0].duration: a calendar-aligned window of 1m: slo-ledger reads only 1M (as its 30-day window; its monthly reports follow calendar months in the config\'s timezone)',
      expect.stringMatching(/^35:20 spec\.budgetingMethod: Timeslices/),
      expect.stringMatching(/^40:7 spec\.objectives\[0\]\.timeSliceTarget/),
      expect.stringMatching(/^41:7 spec\.objectives\[0\]\.timeSliceWindow/),
      expect.stringMatching(/^44:7 spec\.objectives\[1\]\.timeSliceTarget/),
      expect.stringMatching(/^45:7 spec\.objectives\[1\]\.timeSliceWindow/),
    ]);
    expect(problems(read(`${DIR}/fixtures/openslo/oslo-multi.yaml`))).toEqual([
      expect.stringMatching(/^30:3 spec\.thresholdMetric: a thresholdMetric/),
      '48:9 spec.type: DataSource "foo-cloudwatch" is of type CloudWatch: slo-ledger reads Prometheus (or anything with its query API) only',
    ]);
    expect(problems(read(`${DIR}/fixtures/openslo/oslo-composite.yaml`))).toEqual(expect.arrayContaining([
      expect.stringMatching(/^19:7 spec\.objectives\[0\]\.compositeWeight: compositeWeight makes this a composite SLO/),
      expect.stringMatching(/^13:17 spec\.timeWindow\[0\]\.duration: a rolling 1M has no fixed length/),
    ]));
    expect(problems(read(`${DIR}/fixtures/openslo/oslo-v1alpha-ratio.yaml`))).toEqual([expect.stringMatching(/^9:20 spec\.budgetingMethod: Timeslices budgeting/)]);
  });

  it('reads a lone AlertPolicy (oslo\'s example) as no SLO and no policy: a policy counts once an SLO uses it', () => {
    const result = read(`${DIR}/fixtures/openslo/oslo-alert-policy-inline-cond.yaml`);
    expect(result).toEqual({ slos: [], diagnostics: [] });
  });
});

/** A small OpenSLO v1 SLO with a burnrate condition and a calendar or rolling window. */
function openSloSlo(name: string, options: { threshold: number; zone?: string; dataSource?: string }): string {
  return [
    ...(options.dataSource === undefined ? [] : [
      'apiVersion: openslo/v1', 'kind: DataSource', `metadata: {name: ${name}-prometheus}`,
      `spec: {type: Prometheus, connectionDetails: {url: "${options.dataSource}"}}`, '---',
    ]),
    'apiVersion: openslo/v1',
    'kind: SLO',
    `metadata: {name: ${name}}`,
    'spec:',
    '  service: shop',
    '  indicator:',
    '    spec:',
    '      ratioMetric:',
    '        counter: true',
    '        bad: {metricSource: {type: Prometheus, spec: {query: "sum(errors_total)"}}}',
    '        total: {metricSource: {type: Prometheus, spec: {query: "sum(requests_total)"}}}',
    options.zone === undefined ? '  timeWindow: [{duration: 30d, isRolling: true}]' : `  timeWindow: [{duration: 1M, calendar: {startTime: "2026-01-01 00:00:00", timeZone: ${options.zone}}}]`,
    '  objectives: [{target: 0.99}]',
    '  alertPolicies:',
    '    - kind: AlertPolicy',
    '      metadata: {name: p}',
    '      spec:',
    '        conditions:',
    '          - kind: AlertCondition',
    '            metadata: {name: c}',
    `            spec: {severity: page, condition: {kind: burnrate, threshold: ${options.threshold}, lookbackWindow: 1h}}`,
    '',
  ].join('\n');
}

describe('several files read together', () => {
  it('refuses SLOs with different alert policies, DataSources with different URLs and calendars in different time zones, naming both', () => {
    const result = readSloFiles([
      { file: 'a.yaml', text: openSloSlo('a', { threshold: 14.4, zone: 'Europe/Berlin', dataSource: 'http://prometheus:9090' }) },
      { file: 'b.yaml', text: openSloSlo('b', { threshold: 10, zone: 'America/New_York', dataSource: 'http://other:9090' }) },
      { file: 'c.yaml', text: openSloSlo('c', { threshold: 14.4 }) },
    ]);
    expect(result.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`)).toEqual([
      'b.yaml:4:51: DataSource "b-prometheus" is http://other:9090, but DataSource "a-prometheus" at a.yaml:4:51 is http://prometheus:9090; slo-ledger reads one Prometheus',
      'b.yaml:17:86: time zone America/New_York differs from Europe/Berlin of OpenSLO SLO "a" at a.yaml:17:86; slo-ledger has one timezone for every calendar month',
      'b.yaml:20:5: the alert policy of OpenSLO SLO "b" differs from that of OpenSLO SLO "a" at a.yaml:20:5; slo-ledger has one alerting policy for all SLOs (alerting.policy): give them the same burn-rate conditions',
    ]);
    expect(result.slos.map((s) => s.slo.name)).toEqual(['a', 'b', 'c']);
  });

  it('refuses an SLO name defined twice, naming both places', () => {
    const file = `${DIR}/fixtures/sloth/getting-started.yml`;
    const result = read(file, `${DIR}/fixtures/sloth/k8s-getting-started.yml`);
    expect(result.diagnostics).toEqual([{
      file: `${DIR}/fixtures/sloth/k8s-getting-started.yml`, line: 20, column: 7, path: 'spec.slos[0]',
      message: `SLO name "myservice-requests-availability" (Sloth SLO "requests-availability" of service "myservice") is also defined at ${file}:11:5 (Sloth SLO "requests-availability" of service "myservice")`,
    }]);
  });
});
