import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { GroupStatus, SloStatus, StatusWindow } from '../domain/slo-status.js';
import { evaluateSloSteps } from '../app/evaluate-slos.js';
import { finishPureSteps, parallelSteps, SERIES_AT_ONCE, type PureSteps, type Steps } from '../app/steps.js';
import type { SyncRunRecord } from './ports.js';
import { floorToBucket, formatDuration } from '../domain/duration.js';
import { DEFAULT_MAX_GROUPS, type SloDefinition, type Tier } from '../domain/slo.js';
import { parseWindowSpec, type WindowSpec } from '../domain/window.js';
import { groupMetricLabels, metricGroupLabelNames } from './metric-labels.js';
import type { AlertState, HttpServerDeps } from './ports.js';
import { SnapshotCache } from './snapshot-cache.js';
import { ConcurrencyLimit, requestLane, type WorkLane } from './work-lane.js';

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
  for (const status of statuses) finishPureSteps(statusSampleSteps(status, alerts?.get(status.slo.name), samples));
  return samples;
}

/** Where samples go as they are made. */
interface SampleSink {
  push(sample: SloSample): void;
}

/** Groups whose samples one step of {@link statusSampleSteps} makes. */
const GROUPS_PER_STEP = 100;

/** The samples of one SLO's status (see {@link sloSamples}), a step per {@link GROUPS_PER_STEP} groups. */
function* statusSampleSteps({ slo, windows, groups }: SloStatus, alert: AlertState | undefined, samples: SampleSink): PureSteps<void> {
  const base = { slo: slo.name, service: slo.service };
  seriesSamples(slo, base, windows, samples);
  const names = metricGroupLabelNames(slo.groupBy ?? []);
  let made = 0;
  for (const group of boundGroups(slo, groups ?? [])) {
    const labels = groupMetricLabels(group.labels, names);
    if (labels !== undefined) seriesSamples(slo, { ...base, ...labels }, group.windows, samples);
    if (++made % GROUPS_PER_STEP === 0) yield;
  }
  if (alert) {
    for (const severity of ['page', 'ticket'] as const) {
      samples.push({ metric: 'alert_firing', labels: { ...base, severity }, value: alert.state === 'firing' && alert.severity === severity ? 1 : 0 });
    }
  }
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
function seriesSamples(slo: SloDefinition, base: Record<string, string>, windows: readonly StatusWindow[], samples: SampleSink): void {
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

/** Sample lines one step of {@link SloGaugeText.textSteps} writes (a thousand SLOs make about 40,000). */
const LINES_PER_STEP = 2_000;

/** The SLO gauges, in the order /metrics writes them, with their help texts. */
const SLO_GAUGES: ReadonlyArray<[SloSample['metric'], string]> = [
  ['sli_ratio', 'SLI over the window: good / total events (0..1); absent without traffic.'],
  ['objective_ratio', 'The SLO objective (0..1).'],
  ['error_budget_remaining_ratio', 'Share of the error budget left over the window; negative when overspent.'],
  ['burn_rate', 'Burn rate over the window: (1 - SLI) / (1 - objective).'],
  ['events_total', 'Events in the window from the ledger, by kind (good, total). A windowed sum, so a gauge.'],
  ['tier', 'Breach tier over the SLO window: 0 ok, 1 warning, 2 critical.'],
  ['alert_firing', 'Burn-rate alert firing (1) or not (0), by severity; absent until alerting is configured.'],
];

/**
 * The SLO gauges' samples as Prometheus text, written as prom-client writes a gauge (same escaping,
 * same number format, a label set given twice keeps its first place and its last value), so the
 * text is the one a registry of these gauges would give.
 */
class SloGaugeText implements SampleSink {
  private readonly lines = new Map<SloSample['metric'], Map<string, number>>(SLO_GAUGES.map(([metric]) => [metric, new Map()]));

  push(sample: SloSample): void {
    const labels = Object.entries(sample.labels).map(([name, value]) => `${name}="${escapeText(value).replace(/"/g, '\\"')}"`).join(',');
    this.lines.get(sample.metric)!.set(labels, sample.value);
  }

  /** The gauges' families, separated by blank lines, without a final newline; a step per {@link LINES_PER_STEP} samples. */
  *textSteps(): PureSteps<string> {
    const families: string[] = [];
    for (const [metric, help] of SLO_GAUGES) {
      const name = `slo_ledger_${metric}`;
      const lines = [`# HELP ${name} ${escapeText(help)}`, `# TYPE ${name} gauge`];
      for (const [labels, value] of this.lines.get(metric)!) {
        lines.push(`${name}${labels === '' ? '' : `{${labels}}`} ${valueText(value)}`);
        if (lines.length % LINES_PER_STEP === 0) yield;
      }
      families.push(lines.join('\n'));
    }
    return families.join('\n\n');
  }
}

function escapeText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function valueText(value: number): string {
  if (Number.isNaN(value)) return 'Nan';
  if (!Number.isFinite(value)) return value < 0 ? '-Inf' : '+Inf';
  return `${value}`;
}

/**
 * The SLO gauges' text at `atMs`, in steps: each SLO over its windows (and its groups), then its
 * alert state, up to {@link SERIES_AT_ONCE} SLOs at once; then the samples, SLO by SLO in config
 * order. The alert states are asked one SLO at a time, after the SLO's windows, so their longest
 * sums are the ones just read (see app/window-sums-memo.ts).
 */
async function* sloGaugeSteps(deps: HttpServerDeps, atMs: number): Steps<string> {
  const { config, buckets, alerts } = deps;
  const options = config.server.metricsGroups ? { groups: {} } : {};
  const evaluated = yield* parallelSteps(config.slos, SERIES_AT_ONCE, async function* (slo) {
    const [status] = yield* evaluateSloSteps(buckets, [slo], metricsWindowsFor(slo.windowMs), atMs, config.timeZone, options);
    return { status: status!, alert: (await alerts?.alertStates(atMs, [slo]))?.get(slo.name) };
  });
  const text = new SloGaugeText();
  for (const { status, alert } of evaluated) {
    yield;
    yield* statusSampleSteps(status, alert, text);
  }
  return yield* text.textSteps();
}

/** How often the server looks whether to evaluate the SLO gauges ahead of the next scrape. */
const AHEAD_CHECK_MS = 2_000;
/** The gauges are evaluated ahead only while scrapes come: within this long of the last one. */
const AHEAD_AFTER_SCRAPE_MS = 10 * 60_000;

/**
 * The /metrics registry of one server: SLO gauges (and, unless `server.metrics_groups` is false,
 * their groups) computed from the ledger, and the service's own health (sync duration, Prometheus
 * query errors, outbox backlog, last sync time). The SLO gauges are evaluated in steps on the
 * request lane (server/work-lane.ts) and kept for the bucket-floored instant until the ledger
 * changes (server/snapshot-cache.ts); the service's own metrics are read at every scrape. With a
 * ledger revision, the gauges are also evaluated ahead of the next scrape once the ledger has
 * stopped changing (a tick over) or a new bucket began, while something scrapes.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  /** The metrics with a sample per SLO (thousands of lines for a thousand SLOs), after {@link registry} in the text. */
  private readonly perSloRegistry = new Registry();
  private perSloText: Promise<Buffer> | undefined;
  /** The SLO gauges' text and the blank line after it, encoded once for every scrape that sends it. */
  private readonly sloText: SnapshotCache<Buffer>;
  /** One evaluation of the SLO gauges at a time: concurrent scrapes of one instant share it anyway. */
  private readonly evaluations = new ConcurrencyLimit(1);
  private readonly ahead: NodeJS.Timeout | undefined;
  private lastScrapeMs = -Infinity;
  private revisionSeen: string | undefined;
  /** The registry's text to be written: the scrapes of one turn of the event loop share it (it is per SLO too, thousands of lines). */
  private registryText: Promise<Buffer> | undefined;

  constructor(
    private readonly deps: HttpServerDeps,
    private readonly lane: WorkLane = requestLane,
  ) {
    const r = [this.registry];
    this.sloText = new SnapshotCache(deps.ledgerRevision, 2);
    if (deps.ledgerRevision !== undefined) {
      this.ahead = setInterval(() => this.evaluateAhead(), AHEAD_CHECK_MS);
      this.ahead.unref();
    }
    const tickSeconds = new Histogram({
      name: 'slo_ledger_tick_duration_seconds',
      help: 'Duration of one scheduled ledger sync.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 240],
      registers: r,
    });
    // The metrics with a sample per SLO change only when a sync ends: their text is kept until then.
    const perSlo = [this.perSloRegistry];
    const queryErrors = new Counter({ name: 'slo_ledger_prometheus_query_errors_total', help: 'SLO syncs whose Prometheus queries failed.', labelNames: ['slo'], registers: perSlo });
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
    const cluster = deps.cluster;
    if (cluster !== undefined) {
      new Gauge({
        name: 'slo_ledger_leader',
        help: 'Whether this replica leads (1), doing the alert notifications, monthly reports and deliveries, or not (0).',
        registers: r,
        collect() {
          this.set(cluster.leading() ? 1 : 0);
        },
      });
      new Gauge({
        name: 'slo_ledger_lease_holder',
        help: "The replica holding the leader lease, as this replica last read it (1); no sample while nobody holds it.",
        labelNames: ['replica'],
        registers: r,
        collect() {
          this.reset();
          const leader = cluster.leader();
          if (leader !== undefined) this.set({ replica: leader }, 1);
        },
      });
    }
    const noSeries = new Gauge({
      name: 'slo_ledger_slo_no_series',
      help: 'Whether the last sync found no data at all for the SLO (1: its queries match no series in Prometheus), else 0.',
      labelNames: ['slo'],
      registers: perSlo,
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
      this.perSloText = undefined;
      if (!run.ok) runErrors.inc();
    });
    // process_* and nodejs_* under their usual names, so stock Node.js dashboards work.
    collectDefaultMetrics({ register: this.registry });
  }

  /** Prometheus text format: the SLO gauges at the current bucket (evaluated now, or kept from a scrape since the last ledger change), then the registry. */
  async render(): Promise<string> {
    return Buffer.concat(await this.renderChunks()).toString('utf8');
  }

  /**
   * {@link render} as the chunks of the answer, the SLO gauges' first: a scrape sends the one kept
   * buffer of the gauges as it is (megabytes for a thousand SLOs) instead of a copy of its own.
   */
  async renderChunks(): Promise<Buffer[]> {
    // `server.slo_metrics: leader`: the other replicas leave the SLO gauges to the leader.
    if (this.deps.config.server.sloMetrics === 'leader' && this.deps.cluster?.leading() === false) return [await this.registryMetrics()];
    this.lastScrapeMs = performance.now();
    const slo = await this.sloGauges();
    return [slo, await this.registryMetrics(), await this.perSloMetrics()];
  }

  /** The text of the metrics with a sample per SLO, written once per sync. */
  private perSloMetrics(): Promise<Buffer> {
    if (this.perSloText === undefined) {
      // Read when asked for: a sync that ends while it is written drops it, and the next scrape writes it again.
      const text = this.perSloRegistry.metrics().then((t) => Buffer.from(t, 'utf8'));
      text.catch(() => {
        if (this.perSloText === text) this.perSloText = undefined;
      });
      this.perSloText = text;
    }
    return this.perSloText;
  }

  /**
   * The registry's text, written on the next turn of the event loop: every scrape read in this one
   * gets the same (under load, many are), each figure still read after the scrape came.
   */
  private registryMetrics(): Promise<Buffer> {
    this.registryText ??= new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.registry.metrics())
      .then((text) => Buffer.from(text, 'utf8'))
      .finally(() => {
        this.registryText = undefined;
      });
    return this.registryText;
  }

  /** Stops evaluating ahead; the server calls it when it closes. */
  close(): void {
    clearInterval(this.ahead);
  }

  /** The SLO gauges' text at the current bucket: kept, being evaluated, or evaluated now. */
  private sloGauges(): Promise<Buffer> {
    // Every window is floored to a bucket, so the figures are those of the bucket-floored instant.
    const atMs = floorToBucket(this.deps.clock.nowMs());
    return this.sloText.get(String(atMs), () => this.evaluations.run(async () => Buffer.from(`${await this.lane.run(sloGaugeSteps(this.deps, atMs))}\n\n`, 'utf8')));
  }

  /** Evaluates the gauges for the next scrape when the ledger did not change since the last check (a tick is over) and scrapes come. */
  private evaluateAhead(): void {
    try {
      const revision = this.deps.ledgerRevision!();
      const settled = revision === this.revisionSeen;
      this.revisionSeen = revision;
      if (settled && performance.now() - this.lastScrapeMs < AHEAD_AFTER_SCRAPE_MS) this.sloGauges().catch(() => undefined);
    } catch {
      // The ledger is closing, or a read failed: the next scrape computes, and reports any error.
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
