import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertStateProvider } from '../../src/app/alert-state-provider.js';
import { evaluateAndNotifyAlerts, type AlertEvaluation } from '../../src/app/evaluate-alerts.js';
import { systemClock } from '../../src/domain/clock.js';
import { syncLedger } from '../../src/app/sync-ledger.js';
import type { AlertingConfig } from '../../src/config/alerting-config.js';
import { DEFAULT_SLOS } from '../../src/config/defaults.js';
import { DEFAULT_ALERT_POLICY } from '../../src/domain/alert-policy.js';
import { DEFAULT_BURN_RATE_POLICY } from '../../src/domain/burn-rate.js';
import { BUCKET_MS } from '../../src/domain/duration.js';
import { shortScenario } from '../../src/fixture/scenarios.js';
import { openLedger } from '../../src/ledger/open-ledger.js';
import type { LedgerStores } from '../../src/ledger/ledger-stores.js';
import { deliverOutbox } from '../../src/notify/outbox-delivery.js';
import { createWebhookSender } from '../../src/notify/webhook-sender.js';
import { PrometheusClient } from '../../src/prometheus/prometheus-client.js';
import { PrometheusMetricsSource } from '../../src/prometheus/metrics-source.js';
import { startFixturePrometheus, type FixturePrometheus } from '../helpers/fixture.js';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver.js';
import { countTolerance, sliTolerance, trueBad, trueCounts, trueTotal, type Tolerance } from '../helpers/truth.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

// Steady 0.05 % errors (a burn of 0.5 against 99.9 %), then 5 % (a burn of 50) for 30 minutes,
// then a 50-minute scrape gap. 1200 requests a minute keep Poisson noise near 3 % of an hour's errors.
const BURN_START = at('2026-10-31T21:00:00Z');
const BURN_END = at('2026-10-31T21:30:00Z');
const GAP_START = at('2026-10-31T23:00:00Z');
const GAP_END = at('2026-10-31T23:50:00Z');
const SCENARIO = shortScenario({
  requestsPerMinute: 1200,
  errorRatio: 0.0005,
  events: [
    { kind: 'errors', startMs: BURN_START, endMs: BURN_END, errorRatio: 0.05 },
    { kind: 'scrape-gap', startMs: GAP_START, endMs: GAP_END },
  ],
});
const FIRST_TICK = at('2026-10-31T20:00:00Z');
const LAST_TICK = at('2026-10-31T23:55:00Z');
/** The ledger is closed and opened again (a restart) right after this tick. */
const RESTART_AFTER = at('2026-10-31T21:25:00Z');
const SLO = structuredClone(DEFAULT_SLOS.find((s) => s.name === 'api-availability')!);
const ALERTING: AlertingConfig = {
  policy: DEFAULT_ALERT_POLICY, minCoverageRatio: 0.9, noDataAfterMs: 30 * MINUTE, repeatIntervalMs: 4 * HOUR, linkBaseUrl: 'https://slo.example.com',
};
const SECRET_PATH = '/services/T0/B0/alertsE2eSeCrEt';
/** Summing 5-minute buckets: the ledger's measured tolerance (README, "Accuracy"). */
const TOLERANCE: Tolerance = { relative: 1e-4, scrapeIntervalMs: SCENARIO.scrapeIntervalMs, bucketMs: BUCKET_MS };

interface TickRecord {
  atMs: number;
  evaluation: AlertEvaluation;
  bodies: Array<{ text: string; blocks: unknown[] }>;
}

describe('burn-rate alerts end to end: a real Prometheus, the ledger on a SQLite file, a webhook receiver on 127.0.0.1', () => {
  let fixture: FixturePrometheus;
  let receiver: HttpReceiver;
  let dir: string;
  const ticks: TickRecord[] = [];
  let replayedRestartTick: TickRecord;
  /** What the status page and /metrics would show at some instants (the server's AlertStateProvider). */
  const shown = new Map<string, unknown>();
  /** The same ticks on a second ledger whose repeat interval is 10 minutes, keys of what each decided. */
  const remindingKeys: string[] = [];

  /** The true burn rate of the SLO over the `windowMs` ending at `endMs`, with its tolerance. */
  const truthBurn = (endMs: number, windowMs: number) => {
    const truth = fixture.fixture.truth;
    const { good, total } = trueCounts(SLO.name, truth, endMs - windowMs, endMs);
    const badTolerance = countTolerance(endMs - windowMs, endMs, trueBad(SLO.name, truth), TOLERANCE);
    const totalTolerance = countTolerance(endMs - windowMs, endMs, trueTotal(SLO.name, truth), TOLERANCE);
    const budget = 1 - SLO.objectiveRatio;
    return { burn: (1 - good / total) / budget, tolerance: sliTolerance(good, total, badTolerance, totalTolerance) / budget };
  };
  /** What the default policy decides from the true counts: the severity, or null. */
  const truthSeverity = (endMs: number) =>
    DEFAULT_BURN_RATE_POLICY.find((rule) => truthBurn(endMs, rule.longWindowMs).burn > rule.factor && truthBurn(endMs, rule.shortWindowMs).burn > rule.factor)?.severity ?? null;
  const bodiesAt = (atMs: number) => ticks.filter((t) => t.atMs === atMs).flatMap((t) => t.bodies);

  beforeAll(async () => {
    fixture = await startFixturePrometheus(SCENARIO);
    receiver = await startHttpReceiver();
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-alerts-'));
    const path = join(dir, 'ledger.db');
    const source = new PrometheusMetricsSource(new PrometheusClient({ url: fixture.prometheus.url, timeoutMs: 30_000 }));
    const sender = createWebhookSender({ url: receiver.url(SECRET_PATH), name: 'Slack webhook', timeoutMs: 5_000 });
    /** One tick, as `slo-ledger tick --at` runs it: sync, alerts, deliver. */
    const tick = async (ledger: LedgerStores, atMs: number): Promise<TickRecord> => {
      const seen = receiver.requests.length;
      await syncLedger({ buckets: ledger.buckets, source, slos: [SLO], clock: systemClock, timeZone: 'UTC', atMs, retentionMs: 400 * 24 * HOUR });
      const evaluation = await evaluateAndNotifyAlerts({ ledger, slos: [SLO], alerting: ALERTING, timeZone: 'UTC', atMs, clock: systemClock, target: { format: 'slack' } });
      await deliverOutbox({ outbox: ledger.outbox, senders: { slack: sender }, clock: systemClock });
      return { atMs, evaluation, bodies: receiver.requests.slice(seen).map((r) => JSON.parse(r.body) as TickRecord['bodies'][number]) };
    };
    let ledger = openLedger(path);
    for (let atMs = FIRST_TICK; atMs <= LAST_TICK; atMs += 5 * MINUTE) {
      ticks.push(await tick(ledger, atMs));
      if (atMs === RESTART_AFTER) {
        await ledger.close();
        ledger = openLedger(path);
        // The restarted service runs the tick it was at once more, then goes on.
        replayedRestartTick = await tick(ledger, atMs);
      }
    }
    await ledger.close();

    const reminding = openLedger(join(dir, 'reminding.db'));
    for (let atMs = at('2026-10-31T21:00:00Z'); atMs <= at('2026-10-31T21:40:00Z'); atMs += 5 * MINUTE) {
      await syncLedger({ buckets: reminding.buckets, source, slos: [SLO], clock: systemClock, timeZone: 'UTC', atMs, retentionMs: 400 * 24 * HOUR });
      const evaluation = await evaluateAndNotifyAlerts({
        ledger: reminding, slos: [SLO], alerting: { ...ALERTING, repeatIntervalMs: 10 * MINUTE }, timeZone: 'UTC', atMs, clock: systemClock,
      });
      remindingKeys.push(...evaluation.notifications.map((n) => `${n.key} queued=${n.queued}`));
    }
    await reminding.close();

    const reader = openLedger(path);
    const provider = createAlertStateProvider({ buckets: reader.buckets, slos: [SLO], alerting: ALERTING, timeZone: 'UTC' });
    for (const instant of ['2026-10-31T21:15:00Z', '2026-10-31T21:20:00Z', '2026-10-31T21:40:00Z', '2026-10-31T23:20:00Z']) {
      shown.set(instant, (await provider.alertStates(at(instant))).get(SLO.name));
    }
    await reader.close();
  });
  afterAll(async () => {
    await receiver?.close();
    await fixture?.prometheus.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the truth: the page condition first holds at 21:20 (20 minutes of 5 % errors), clearly on both sides of the threshold', () => {
    const first = ticks.find((t) => truthSeverity(t.atMs) === 'page')!.atMs;
    expect(iso(first)).toBe('2026-10-31T21:20:00.000Z');
    const before = truthBurn(first - 5 * MINUTE, HOUR);
    expect(before.burn + before.tolerance).toBeLessThan(14.4);
    for (const windowMs of [HOUR, 5 * MINUTE]) {
      const { burn, tolerance } = truthBurn(first, windowMs);
      expect(burn - tolerance, `${windowMs / MINUTE} min`).toBeGreaterThan(14.4);
    }
  });

  it('ticks before the burn send nothing', () => {
    const before = ticks.filter((t) => t.atMs < BURN_START + 20 * MINUTE);
    expect(before.length).toBe(16);
    expect(before.flatMap((t) => t.bodies)).toEqual([]);
  });

  it('the first tick at which 1h and 5m both exceed 14.4 sends exactly one page, with the true burn rates', () => {
    const firing = ticks.find((t) => t.bodies.length > 0)!;
    expect(iso(firing.atMs)).toBe('2026-10-31T21:20:00.000Z');
    expect(firing.bodies).toHaveLength(1);
    expect(firing.bodies[0]!.text).toMatch(/^\[PAGE\] api-availability \(rendiff-api\) is burning its error budget at \d+\.\d\d× over 1h/);
    const [decided] = firing.evaluation.notifications;
    expect(decided).toMatchObject({ key: 'alert/api-availability/burn-rate/firing/page/2026-10-31T21:20:00.000Z', queued: true });
    const rule = decided!.notification.rule!;
    expect(rule).toMatchObject({ severity: 'page', longWindowMs: HOUR, shortWindowMs: 5 * MINUTE, factor: 14.4 });
    const long = truthBurn(firing.atMs, HOUR);
    const short = truthBurn(firing.atMs, 5 * MINUTE);
    // About 17 over 1h (20 of 60 minutes at 50, the rest at 0.5) and 50 over 5m.
    expect(Math.abs(rule.longBurnRate! - long.burn), `1h: ${rule.longBurnRate} vs true ${long.burn} ± ${long.tolerance}`).toBeLessThanOrEqual(long.tolerance);
    expect(Math.abs(rule.shortBurnRate! - short.burn), `5m: ${rule.shortBurnRate} vs true ${short.burn} ± ${short.tolerance}`).toBeLessThanOrEqual(short.tolerance);
    expect(firing.bodies[0]!.text).toContain(`${rule.longBurnRate!.toFixed(2)}× over 1h, ${rule.shortBurnRate!.toFixed(2)}× over 5m (page above 14.40× over both)`);
    expect(firing.bodies[0]!.text).toContain('https://slo.example.com/?at=2026-10-31T21%3A20%3A00.000Z');
  });

  it('further ticks within the repeat interval send nothing, and neither does a restart', () => {
    expect(bodiesAt(at('2026-10-31T21:25:00Z'))).toEqual([]);
    expect(bodiesAt(at('2026-10-31T21:30:00Z'))).toEqual([]);
    expect(replayedRestartTick.bodies).toEqual([]);
    expect(replayedRestartTick.evaluation.notifications).toEqual([]);
    // The restarted ledger still knows the alert fires, and since when.
    expect(replayedRestartTick.evaluation.records.find((r) => r.kind === 'burn-rate')).toMatchObject({
      phase: 'firing', severity: 'page', firingSinceMs: at('2026-10-31T21:20:00Z'),
    });
  });

  it('after the errors stop, the tick at which the condition clears sends one resolved message', () => {
    const cleared = ticks.find((t) => t.atMs > at('2026-10-31T21:20:00Z') && truthSeverity(t.atMs) === null)!.atMs;
    expect(iso(cleared)).toBe('2026-10-31T21:35:00.000Z');
    const bodies = bodiesAt(cleared);
    expect(bodies).toHaveLength(1);
    expect(bodies[0]!.text).toMatch(/^\[RESOLVED\] api-availability \(rendiff-api\): the page burn-rate alert is over/);
    expect(bodies[0]!.text).toContain('Fired: 2026-10-31 21:20 – 2026-10-31 21:35 (15 min)');
  });

  it('while the metric is missing, the burn-rate alert is unknown (never fires nor resolves); after 30 minutes a no-data alert fires once, and resolves when data is back', () => {
    const between = ticks.filter((t) => t.atMs > at('2026-10-31T21:35:00Z') && t.atMs < at('2026-10-31T23:30:00Z'));
    expect(between.flatMap((t) => t.bodies)).toEqual([]);
    const inGap = ticks.filter((t) => t.atMs > GAP_START + 5 * MINUTE && t.atMs <= GAP_END);
    expect(inGap.map((t) => t.evaluation.assessments[0]!.decision.state)).toEqual(inGap.map(() => 'unknown'));
    const noData = bodiesAt(at('2026-10-31T23:30:00Z'));
    expect(noData.map((b) => b.text.split('\n')[0])).toEqual(['[NO DATA] api-availability (rendiff-api): no data for 30 min']);
    expect(ticks.filter((t) => t.atMs > at('2026-10-31T23:30:00Z') && t.atMs <= GAP_END).flatMap((t) => t.bodies)).toEqual([]);
    const back = bodiesAt(at('2026-10-31T23:55:00Z'));
    expect(back.map((b) => b.text.split('\n')[0])).toEqual(['[RESOLVED] api-availability (rendiff-api): data is back']);
  });

  it('with a 10-minute repeat interval a firing alert is repeated 10 minutes after it was sent; without a slack target nothing is queued', () => {
    expect(remindingKeys).toEqual([
      'alert/api-availability/burn-rate/firing/page/2026-10-31T21:20:00.000Z queued=false',
      'alert/api-availability/burn-rate/reminder/page/2026-10-31T21:30:00.000Z queued=false',
      'alert/api-availability/burn-rate/resolved/page/2026-10-31T21:35:00.000Z queued=false',
    ]);
  });

  it('the status page and /metrics are given the decision at the asked instant (read after the run, when the gap has been reconciled)', () => {
    expect(Object.fromEntries(shown)).toEqual({
      '2026-10-31T21:15:00Z': { state: 'inactive', severity: null },
      '2026-10-31T21:20:00Z': { state: 'firing', severity: 'page' },
      '2026-10-31T21:40:00Z': { state: 'inactive', severity: null },
      // Unknown while the gap was open (see above); once closed, its events were booked to its buckets.
      '2026-10-31T23:20:00Z': { state: 'inactive', severity: null },
    });
  });

  it('over the whole run the receiver got exactly four messages, none of them twice', () => {
    expect(receiver.requests).toHaveLength(4);
    expect(receiver.requests.every((r) => r.path === SECRET_PATH)).toBe(true);
  });
});
