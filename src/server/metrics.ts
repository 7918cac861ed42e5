import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { GroupStatus, SloStatus, StatusWindow } from '../domain/slo-status.js';
import { evaluateSlos } from '../app/evaluate-slos.js';
import type { SyncRunRecord } from './ports.js';
import { formatDuration } from '../domain/duration.js';
import { DEFAULT_MAX_GROUPS, type SloDefinition, type Tier } from '../domain/slo.js';
import { parseWindowSpec, type WindowSpec } from '../domain/window.js';
import { groupMetricLabels, metricGroupLabelNames } from './metric-labels.js';
import type { AlertState, HttpServerDeps } from './ports.js';

/** Windows /metrics reports for every SLO, besides the SLO's own window. */
export const METRICS_WINDOWS = ['1h', '24h', '7d', '30d'] as const;

const TIER_VALUE: Record<Tier, number> = { ok: 0, warning: 1, critical: 2 };

/** One sample of an SLO gauge; labels are low-cardinality (Rendiff monitoring guide, "Metrics Best Practices"). */
export interface SloSample {
  metric: 'sli_ratio' | 'objective_ratio' | 'error_budget_remaining_ratio' | 'burn_rate' | 'events_total' | 'tier' | 'alert_firing';
  labels: Record<string, string>;
  value: number;
}

/** The windows an SLO is reported over: {@link METRICS_WINDOWS} and its own (e.g. 28d → "4w"). */
export function metricsWindowsFor(windowMs: number): WindowSpec[] {
  const names = [...new Set<string>([...METRICS_WINDOWS, formatDuration(windowMs)])];
  return names.map(parseWindowSpec);
}

/**
 * The SLO gauges' samples from evaluated statuses. A window without traffic has no SLI, budget or
 * burn rate: those samples are left out (absent means unknown), never written as 0 or NaN. The
 * tier is the one of the SLO's own window; alert samples exist only when alert states are known.
 * A status with groups adds the same samples per group, the group's labels beside the SLO's (see
 * {@link metricGroupLabelNames}); alerts are the SLO's, so they have no group samples.
 */
export function sloSamples(statuses: readonly SloStatus[], alerts: ReadonlyMap<string, AlertState> | undefined): SloSample[] {
  const samples: SloSample[] = [];
  for (const { slo, windows, groups } of statuses) {
    const base = { slo: slo.name, service: slo.service };
    seriesSamples(slo, base, windows, samples);
    const names = metricGroupLabelNames(slo.groupBy ?? []);
    for (const group of boundGroups(slo, groups ?? [])) {
      const labels = groupMetricLabels(group.labels, names);
      if (labels !== undefined) seriesSamples(slo, { ...base, ...labels }, group.windows, samples);
    }
    const alert = alerts?.get(slo.name);
    if (alert) {
      for (const severity of ['page', 'ticket'] as const) {
        samples.push({ metric: 'alert_firing', labels: { ...base, severity }, value: alert.state === 'firing' && alert.severity === severity ? 1 : 0 });
      }
    }
  }
  return samples;
}

/**
 * At most `max_groups` groups of an SLO. A sync refuses more groups than that at once, but groups
 * that came and went over the retention add up in the ledger; past the limit, those with the most
 * events in the SLO's own window are kept (ties in the ledger's order), so /metrics stays bounded.
 */
export function boundGroups(slo: SloDefinition, groups: readonly GroupStatus[]): readonly GroupStatus[] {
  const limit = slo.maxGroups ?? DEFAULT_MAX_GROUPS;
  if (groups.length <= limit) return groups;
  const own = formatDuration(slo.windowMs);
  const events = (g: GroupStatus) => g.windows.find((w) => w.window === own)?.total ?? 0;
  const kept = new Set(groups.map((g, index) => ({ index, events: events(g) })).sort((a, b) => b.events - a.events || a.index - b.index).slice(0, limit).map((g) => g.index));
  return groups.filter((_, index) => kept.has(index));
}

/** The samples of one series (the SLO's own or one group's) under `base` labels. */
function seriesSamples(slo: SloDefinition, base: Record<string, string>, windows: readonly StatusWindow[], samples: SloSample[]): void {
  for (const w of windows) {
    const labels = { ...base, window: w.window };
    samples.push({ metric: 'objective_ratio', labels, value: slo.objectiveRatio });
    samples.push({ metric: 'events_total', labels: { ...labels, kind: 'good' }, value: w.good });
    samples.push({ metric: 'events_total', labels: { ...labels, kind: 'total' }, value: w.total });
    if (w.sliRatio !== null) samples.push({ metric: 'sli_ratio', labels, value: w.sliRatio });
    if (w.errorBudget.remainingRatio !== null) samples.push({ metric: 'error_budget_remaining_ratio', labels, value: w.errorBudget.remainingRatio });
    if (w.burnRate !== null) samples.push({ metric: 'burn_rate', labels, value: w.burnRate });
  }
  const own = windows.find((w) => w.window === formatDuration(slo.windowMs));
  if (own) samples.push({ metric: 'tier', labels: base, value: TIER_VALUE[own.tier] });
}

/**
 * The /metrics registry of one server: SLO gauges (and, unless `server.metrics_groups` is false,
 * their groups) computed from the ledger at scrape time, and the service's own health (sync
 * duration, Prometheus query errors, outbox backlog, last sync time).
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly gauges: Record<SloSample['metric'], Gauge>;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: HttpServerDeps) {
    const r = [this.registry];
    const gauge = (name: string, help: string, labelNames: string[]) => new Gauge({ name: `slo_ledger_${name}`, help, labelNames, registers: r });
    // Every label a group sample may carry must be declared up front; the config is fixed for the server's life.
    const groupLabels = deps.config.server.metricsGroups ? [...new Set(deps.config.slos.flatMap((slo) => [...metricGroupLabelNames(slo.groupBy ?? []).values()]))] : [];
    const windowLabels = ['slo', 'service', 'window', ...groupLabels];
    this.gauges = {
      sli_ratio: gauge('sli_ratio', 'SLI over the window: good / total events (0..1); absent without traffic.', windowLabels),
      objective_ratio: gauge('objective_ratio', 'The SLO objective (0..1).', windowLabels),
      error_budget_remaining_ratio: gauge('error_budget_remaining_ratio', 'Share of the error budget left over the window; negative when overspent.', windowLabels),
      burn_rate: gauge('burn_rate', 'Burn rate over the window: (1 - SLI) / (1 - objective).', windowLabels),
      events_total: gauge('events_total', 'Events in the window from the ledger, by kind (good, total). A windowed sum, so a gauge.', [...windowLabels, 'kind']),
      tier: gauge('tier', 'Breach tier over the SLO window: 0 ok, 1 warning, 2 critical.', ['slo', 'service', ...groupLabels]),
      alert_firing: gauge('alert_firing', 'Burn-rate alert firing (1) or not (0), by severity; absent until alerting is configured.', ['slo', 'service', 'severity']),
    };
    const tickSeconds = new Histogram({
      name: 'slo_ledger_tick_duration_seconds',
      help: 'Duration of one scheduled ledger sync.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 240],
      registers: r,
    });
    const queryErrors = new Counter({ name: 'slo_ledger_prometheus_query_errors_total', help: 'SLO syncs whose Prometheus queries failed.', labelNames: ['slo'], registers: r });
    const runErrors = new Counter({
      name: 'slo_ledger_sync_failures_total',
      help: 'Scheduled syncs that did not sync every SLO: failed as a whole, timed out, or failed for some SLOs (slo_ledger_prometheus_query_errors_total names them).',
      registers: r,
    });
    new Gauge({
      name: 'slo_ledger_outbox_backlog',
      help: 'Deliveries (emails, Slack messages) waiting in the outbox.',
      registers: r,
      async collect() {
        this.set((await deps.outboxBacklog?.()) ?? 0);
      },
    });
    new Gauge({
      name: 'slo_ledger_last_successful_sync_timestamp_seconds',
      help: 'Unix time of the last sync in which every SLO synced; 0 before the first.',
      registers: r,
      collect() {
        this.set((deps.health.lastSuccessfulSyncMs() ?? 0) / 1000);
      },
    });
    const noSeries = new Gauge({
      name: 'slo_ledger_slo_no_series',
      help: 'Whether the last sync found no data at all for the SLO (1: its queries match no series in Prometheus), else 0.',
      labelNames: ['slo'],
      registers: r,
    });
    for (const slo of deps.config.slos) {
      queryErrors.inc({ slo: slo.name }, 0);
      noSeries.set({ slo: slo.name }, 0);
    }
    deps.health.onRun((run: SyncRunRecord) => {
      tickSeconds.observe(run.durationMs / 1000);
      // A failed run says nothing new about the SLOs it could not sync.
      if (run.error === undefined) {
        const empty = new Set((run.noSeries ?? []).map((s) => s.slo));
        const failed = new Set(run.failures.map((f) => f.slo));
        for (const slo of deps.config.slos) if (!failed.has(slo.name)) noSeries.set({ slo: slo.name }, empty.has(slo.name) ? 1 : 0);
      }
      for (const f of run.failures) queryErrors.inc({ slo: f.slo });
      if (!run.ok) runErrors.inc();
    });
    // process_* and nodejs_* under their usual names, so stock Node.js dashboards work.
    collectDefaultMetrics({ register: this.registry });
  }

  /** The registry rendered in Prometheus text format, with the SLO gauges evaluated now. */
  render(): Promise<string> {
    // Scrapes are serialised: the gauges are reset and refilled per scrape, so two must not interleave.
    const next = this.queue.then(() => this.renderNow());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async renderNow(): Promise<string> {
    const { config, buckets, clock, alerts } = this.deps;
    const atMs = clock.nowMs();
    const options = config.server.metricsGroups ? { groups: {} } : {};
    const statuses = (await Promise.all(config.slos.map((slo) => evaluateSlos(buckets, [slo], metricsWindowsFor(slo.windowMs), atMs, config.timeZone, options)))).flat();
    const alertStates = await alerts?.alertStates(atMs);
    for (const g of Object.values(this.gauges)) g.reset();
    for (const s of sloSamples(statuses, alertStates)) this.gauges[s.metric].set(s.labels, s.value);
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
