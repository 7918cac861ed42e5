import type { AlertingConfig } from '../config/alerting-config.js';
import { budgetExhaustionMs, type AlertNotification, type NotifiedRule } from '../domain/alert-notification.js';
import { alertNotificationKey, stepAlert, type AlertKind, type AlertRecord, type AlertStep, type AlertTransition } from '../domain/alert-state.js';
import type { BurnRateRuleResult, BurnRateSeverity } from '../domain/burn-rate.js';
import type { GroupLabels, SloDefinition } from '../domain/slo.js';
import type { BucketReader } from '../ledger/bucket-store.js';
import type { AlertStateStore } from '../ledger/alert-state-store.js';
import type { LedgerStores, LedgerTx } from '../ledger/ledger-stores.js';
import type { OutboxChannel, OutboxStore } from '../ledger/outbox-store.js';
import { toAlertmanagerAlerts, type AlertmanagerAlert, type AlertmanagerTarget } from '../notify/alertmanager.js';
import { formatJsonWebhook, formatSlackMessage } from '../notify/slack.js';
import { assessAlerts, type GroupAlertAssessment, type SloAlertAssessment } from './assess-alerts.js';
import type { Clock } from '../domain/clock.js';

/** The two alerts of every SLO and group. */
const ALERT_KINDS = ['burn-rate', 'no-data'] as const;

/** A notification not delivered within this time is given up (and logged loudly by the outbox). */
export const ALERT_DELIVERY_DEADLINE_MS = 24 * 3_600_000;

/** Where notifications are queued: a Slack incoming webhook (Block Kit) or a generic JSON webhook. */
export interface AlertTarget {
  format: 'slack' | 'json';
  /** Legacy Slack webhooks only. */
  channel?: string;
}

/** Options of {@link evaluateAndNotifyAlerts}. */
export interface EvaluateAlertsOptions {
  ledger: LedgerStores;
  /** The buckets the alerts are read from; default the ledger's as stored (no corrections). */
  figures?: BucketReader;
  slos: readonly SloDefinition[];
  alerting: AlertingConfig;
  timeZone: string;
  /** The evaluation instant (a tick's `--at`); floored to a bucket end. */
  atMs: number;
  /** Real time, for the outbox's attempt times and deadlines. */
  clock: Clock;
  /** Absent: states are kept, but nothing is queued (no `slack` section in the config). */
  target?: AlertTarget;
  /** Alertmanager (the `alertmanager` section): every evaluation queues the state of its alerts there. */
  alertmanager?: AlertmanagerTarget;
  /** Decide, but neither change state nor queue anything (`tick --dry-run`). */
  dryRun?: boolean;
}

/** One notification an evaluation decided on, with its outbox key. */
export interface DecidedNotification {
  key: string;
  notification: AlertNotification;
  /** False in a dry run, without a target, or when the key was already in the outbox. */
  queued: boolean;
}

/** What one evaluation saw and did. */
export interface AlertEvaluation {
  atMs: number;
  assessments: SloAlertAssessment[];
  /** The alert records after this evaluation (unchanged ones included), by SLO then kind. */
  records: AlertRecord[];
  notifications: DecidedNotification[];
}

/** Alert states advanced between two turns of the event loop. */
const STATES_PER_TURN = 100;

/**
 * The alert step of a tick: assesses every SLO from the ledger (after the sync), advances each
 * SLO's burn-rate and no-data alert, and queues a notification per transition in the outbox, in
 * the same transaction as the state change — so a restart neither repeats a sent notification nor
 * loses one. Delivery is the outbox's job. An evaluation at or before the last one changes nothing.
 */
export async function evaluateAndNotifyAlerts(options: EvaluateAlertsOptions): Promise<AlertEvaluation> {
  const { ledger, alerting } = options;
  const assessments = await assessAlerts(options.figures ?? ledger.buckets, options.slos, alerting, options.atMs, options.timeZone);
  const atMs = assessments[0]?.atMs ?? options.atMs;
  const records: AlertRecord[] = [];
  const notifications: DecidedNotification[] = [];
  /** For Alertmanager: this evaluation's transitions, and the alerts that go on firing without one. */
  const forAlertmanager: AlertNotification[] = [];
  // What follows reads and writes the alert state and the outbox: inside one transaction (its `tx`),
  // or, in a dry run, reading the ledger's own stores and writing nothing.
  const queue = async (outbox: OutboxStore, name: string, kind: AlertKind, transition: AlertTransition, notification: AlertNotification) => {
    const key = alertNotificationKey(name, kind, transition, notification.severity, atMs);
    let queued = false;
    if (options.dryRun !== true && options.target !== undefined) {
      const nowMs = options.clock.nowMs();
      queued = (await outbox.enqueue({
        key, channel: channelOf(options.target), payload: formatPayload(notification, options.target, options.timeZone),
        nowMs, deadlineMs: nowMs + ALERT_DELIVERY_DEADLINE_MS,
      })).created;
    }
    notifications.push({ key, notification, queued });
    forAlertmanager.push(notification);
  };
  /** An alert that fires on without a transition is renewed at Alertmanager with a new `endsAt`. */
  const renew = (step: AlertStep, build: (step: AlertStep) => AlertNotification) => {
    if (options.alertmanager === undefined || step.notify !== null || step.record.phase !== 'firing') return;
    forAlertmanager.push(build({ record: step.record, notify: { transition: 'reminder', previousSeverity: step.record.severity } }));
  };
  let advanced = 0;
  const advance = async (store: AlertStateStore, assessment: Omit<SloAlertAssessment, 'groups'>, kind: AlertKind, group?: GroupLabels): Promise<AlertStep> => {
    // The transaction stays open, but the event loop gets a turn now and then (a server answers
    // /healthz meanwhile): thousands of states are otherwise written without one.
    if (++advanced % STATES_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
    const name = assessment.slo.name;
    const observation = kind === 'burn-rate' ? assessment.burnObservation : assessment.noDataObservation;
    const identity = { slo: name, kind, ...(group === undefined ? {} : { group }) };
    const step = stepAlert(await store.get(name, kind, group), identity, observation, atMs, alerting.repeatIntervalMs);
    records.push(step.record);
    if (options.dryRun !== true) await store.save(step.record);
    return step;
  };
  const apply = async ({ alertState, outbox }: Pick<LedgerTx, 'alertState' | 'outbox'>) => {
    for (const assessment of assessments) {
      for (const kind of ALERT_KINDS) {
        const step = await advance(alertState, assessment, kind);
        if (step.notify !== null) await queue(outbox, assessment.slo.name, kind, step.notify.transition, buildNotification(assessment, kind, step, alerting));
        renew(step, (renewal) => buildNotification(assessment, kind, renewal, alerting));
      }
      // Groups: state per group, but one notification per SLO, alert, transition and severity.
      for (const kind of ALERT_KINDS) {
        const batches = new Map<string, Array<{ group: GroupAlertAssessment; step: AlertStep }>>();
        for (const group of assessment.groups ?? []) {
          const step = await advance(alertState, group, kind, group.labels);
          renew(step, (renewal) => buildGroupsNotification([{ group, step: renewal }], kind, alerting));
          if (step.notify === null) continue;
          const batchKey = `${step.notify.transition}/${notifiedSeverity(kind, step) ?? 'none'}`;
          batches.set(batchKey, [...(batches.get(batchKey) ?? []), { group, step }]);
        }
        for (const batch of batches.values()) {
          await queue(outbox, `${assessment.slo.name}/groups`, kind, batch[0]!.step.notify!.transition, buildGroupsNotification(batch, kind, alerting));
        }
      }
    }
  };
  if (options.dryRun === true) await apply(ledger);
  else {
    // The work reads and writes the ledger only: everything it queues is delivered after it commits.
    await ledger.transaction(async (tx) => {
      await apply(tx);
      if (options.alertmanager !== undefined) await queueAlertmanager(tx.outbox, options.alertmanager, forAlertmanager, atMs, options.clock.nowMs());
    });
  }
  return { atMs, assessments, records, notifications };
}

/** A delivery to Alertmanager is given up when its firing alerts would have expired anyway. */
function alertmanagerKey(atMs: number): string {
  return `alertmanager/${new Date(atMs).toISOString()}`;
}

/**
 * Queues one delivery to Alertmanager per evaluation: every alert that fires (renewing its
 * `endsAt`) and every alert that resolved. It supersedes any earlier one still pending (Alertmanager
 * down): that one's resolves are carried over unless the alert fires again, and its firing alerts
 * are replaced by this evaluation's. So a stale delivery can never re-fire an alert after its
 * resolve, and at most one delivery to Alertmanager waits in the outbox.
 */
async function queueAlertmanager(outbox: OutboxStore, target: AlertmanagerTarget, notifications: readonly AlertNotification[], atMs: number, nowMs: number): Promise<void> {
  const alerts = notifications.flatMap((n) => toAlertmanagerAlerts(n, target, nowMs));
  const identity = (alert: AlertmanagerAlert) => JSON.stringify(Object.entries(alert.labels).sort(([a], [b]) => (a < b ? -1 : 1)));
  const present = new Set(alerts.map(identity));
  const key = alertmanagerKey(atMs);
  for (const pending of await outbox.list('pending')) {
    if (pending.channel !== 'alertmanager' || pending.key === key) continue;
    for (const alert of pending.payload as AlertmanagerAlert[]) {
      const resolved = Date.parse(alert.endsAt) <= pending.createdMs;
      if (resolved && !present.has(identity(alert))) {
        alerts.push(alert);
        present.add(identity(alert));
      }
    }
    await outbox.drop(pending.id);
  }
  if (alerts.length === 0) return;
  await outbox.enqueue({ key, channel: 'alertmanager', payload: alerts, nowMs, deadlineMs: nowMs + target.expireAfterMs });
}

function channelOf(target: AlertTarget): OutboxChannel {
  return target.format === 'slack' ? 'slack' : 'webhook';
}

function formatPayload(notification: AlertNotification, target: AlertTarget, timeZone: string): unknown {
  return target.format === 'slack' ? formatSlackMessage(notification, timeZone, target.channel) : formatJsonWebhook(notification);
}

/** The severity a notification shows: none for no-data; for a resolve, the severity that was firing. */
function notifiedSeverity(kind: AlertKind, step: AlertStep): BurnRateSeverity | null {
  if (kind === 'no-data') return null;
  return step.notify!.transition === 'resolved' ? step.notify!.previousSeverity : step.record.severity;
}

/**
 * The one notification of several groups of an SLO that made the same transition: the worst group's
 * figures (by long-window burn, or by time without data) as the headline's, and every group listed.
 */
function buildGroupsNotification(batch: Array<{ group: GroupAlertAssessment; step: AlertStep }>, kind: AlertKind, alerting: AlertingConfig): AlertNotification {
  const severity = notifiedSeverity(kind, batch[0]!.step);
  const listed = batch.map(({ group }) => {
    const rule = kind === 'burn-rate' && severity !== null ? shownRule(group.decision.rules, severity) : null;
    return {
      labels: group.labels, longBurnRate: rule?.longBurnRate ?? null, shortBurnRate: rule?.shortBurnRate ?? null,
      budgetRemainingRatio: group.budgetRemainingRatio, noDataForMs: kind === 'no-data' ? group.noDataForMs : null,
    };
  });
  const order = listed.map((g, i) => i).sort((a, b) => {
    const x = listed[a]!;
    const y = listed[b]!;
    return kind === 'no-data' ? (y.noDataForMs ?? -1) - (x.noDataForMs ?? -1) : (y.longBurnRate ?? -1) - (x.longBurnRate ?? -1);
  });
  const worst = batch[order[0]!]!;
  return { ...buildNotification(worst.group, kind, worst.step, alerting), groups: order.map((i) => listed[i]!) };
}

function buildNotification(assessment: Omit<SloAlertAssessment, 'groups'>, kind: AlertKind, step: AlertStep, alerting: AlertingConfig): AlertNotification {
  const { slo, atMs } = assessment;
  const transition = step.notify!.transition;
  const severity = notifiedSeverity(kind, step);
  const rule = kind === 'burn-rate' && severity !== null ? shownRule(assessment.decision.rules, severity) : null;
  return {
    slo: slo.name,
    service: slo.service,
    description: slo.description,
    kind,
    transition,
    severity,
    previousSeverity: kind === 'no-data' || transition === 'firing' ? null : step.notify!.previousSeverity,
    atMs,
    firingSinceMs: step.record.firingSinceMs,
    objectiveRatio: slo.objectiveRatio,
    sloWindowMs: slo.windowMs,
    rule,
    budgetRemainingRatio: assessment.budgetRemainingRatio,
    budgetExhaustedInMs: budgetExhaustionMs(assessment.budgetRemainingRatio, rule?.longBurnRate ?? null, slo.windowMs),
    noDataForMs: kind === 'no-data' ? assessment.noDataForMs : null,
    link: alerting.linkBaseUrl === undefined ? null : `${alerting.linkBaseUrl.replace(/\/+$/, '')}/?at=${encodeURIComponent(new Date(atMs).toISOString())}`,
  };
}

/**
 * The rule a notification shows: the first firing rule of the severity; else (resolved, or a
 * rule gone unknown) the rule of that severity whose long window burns closest to its factor.
 */
function shownRule(rules: readonly BurnRateRuleResult[], severity: BurnRateSeverity): NotifiedRule | null {
  const candidates = rules.filter((r) => r.rule.severity === severity);
  const firing = candidates.find((r) => r.firing);
  const pick =
    firing ??
    [...candidates].sort((a, b) => (b.long.burnRate ?? -1) / b.rule.factor - (a.long.burnRate ?? -1) / a.rule.factor)[0];
  if (pick === undefined) return null;
  return {
    severity: pick.rule.severity,
    longWindowMs: pick.rule.longWindowMs,
    shortWindowMs: pick.rule.shortWindowMs,
    factor: pick.rule.factor,
    longBurnRate: pick.long.burnRate,
    shortBurnRate: pick.short.burnRate,
  };
}
