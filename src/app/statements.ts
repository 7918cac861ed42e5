import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { correctionApplies, excludedRuns, type Correction } from '../domain/correction.js';
import { BUCKET_MS } from '../domain/duration.js';
import type { ReportPeriod } from '../domain/period.js';
import type { GroupLabels, SloDefinition } from '../domain/slo.js';
import { evaluateWindow } from '../domain/window-result.js';
import type { BucketReader } from '../ledger/bucket-store.js';
import type { ChangeCause, FigureChange, Statement, StatedCorrection, StatedFigures, StatedFile, StatedSlo } from '../domain/statement.js';
import { eventsIn } from './correction-effects.js';
import { listCorrections, type ListedCorrection } from './correction-request.js';
import type { Adapters } from './ports.js';
import { finishSteps, type Steps } from './steps.js';

/**
 * A month's figures as a statement keeps them: per SLO (and per group of a grouped SLO) the
 * period's sums, SLI, budget consumed, coverage and tier, read through the corrected view, as
 * the report shows them.
 */
export async function statedFigures(figures: BucketReader, slos: readonly SloDefinition[], period: ReportPeriod): Promise<StatedSlo[]> {
  const stated: StatedSlo[] = [];
  for (const slo of slos) {
    const own = await figuresOf(figures, slo, await figures.findSeries(slo), period);
    if (slo.groupBy === undefined) {
      stated.push({ slo: slo.name, ...own });
      continue;
    }
    const groups = await Promise.all((await figures.listGroups(slo)).map(async (g) => ({ labels: g.labels, ...(await figuresOf(figures, slo, g.seriesId, period)) })));
    stated.push({ slo: slo.name, ...own, groups: groups.filter((g) => g.total > 0 || g.coverageRatio > 0) });
  }
  return stated;
}

async function figuresOf(reader: BucketReader, slo: SloDefinition, seriesId: number | undefined, period: ReportPeriod): Promise<StatedFigures> {
  const sums = seriesId === undefined ? { good: 0, total: 0, coveredBuckets: 0, expectedBuckets: 1 } : await reader.sumWindow(seriesId, period.startMs, period.endMs, false);
  const coverageRatio = sums.expectedBuckets === 0 ? 0 : sums.coveredBuckets / sums.expectedBuckets;
  const w = evaluateWindow(slo, { name: period.name, startMs: period.startMs, endMs: period.endMs }, { good: sums.good, total: sums.total, coverageRatio });
  return { good: w.good, total: w.total, sliRatio: w.sliRatio, consumedRatio: w.errorBudget.consumedRatio, coverageRatio, tier: w.tier };
}

/** The corrections in force as a statement records them. */
export function statedCorrections(listed: readonly ListedCorrection[]): StatedCorrection[] {
  return listed.map(({ source, correction }) => ({ id: correction.id, source, category: correction.category, reason: correction.reason, fingerprint: fingerprintOf(correction) }));
}

function fingerprintOf(correction: Correction): string {
  return JSON.stringify({ scope: correction.scope, timing: correction.timing });
}

/** sha256 of the stated figures: two statements with the same figures have the same hash. */
export function contentHashOf(slos: readonly StatedSlo[]): string {
  return createHash('sha256').update(JSON.stringify(slos)).digest('hex');
}

/** The report files by name, size and sha256, as produced. */
export function statedFiles(paths: readonly string[]): StatedFile[] {
  return paths.map((path) => {
    const bytes = readFileSync(path);
    return { name: basename(path), sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
  });
}

/** What `statements diff` shows: the latest statement of a month against the ledger now. */
export interface StatementDiff {
  statement: Statement;
  /** sha256 of the figures now; equal to the statement's when nothing changed. */
  contentHash: string;
  changes: FigureChange[];
}

/**
 * Compares a month's latest statement with its figures now, SLO by SLO and group by group, and
 * looks for the causes of every change: corrections added, deleted or edited since (with what they
 * exclude), scrape gaps reconciled since, buckets fetched again since (late data), and SLOs added
 * to or removed from the config.
 */
export async function diffStatement(adapters: Adapters, statement: Statement, period: ReportPeriod): Promise<StatementDiff> {
  const { config } = adapters;
  const now = await statedFigures(adapters.figures, config.slos, period);
  const contentHash = contentHashOf(now);
  const changes: FigureChange[] = [];
  if (contentHash === statement.contentHash) return { statement, contentHash, changes };
  const corrections = await correctionChanges(adapters, statement);
  const bySlo = new Map(statement.slos.map((s) => [s.slo, s]));
  for (const current of now) {
    const slo = config.slos.find((s) => s.name === current.slo)!;
    const stated = bySlo.get(current.slo);
    bySlo.delete(current.slo);
    if (stated === undefined) {
      changes.push({ slo: slo.name, stated: null, now: pick(current), causes: [{ kind: 'definition', text: 'the SLO was added to the config after the statement' }] });
      continue;
    }
    const explain = (group?: GroupLabels) => causesFor(adapters, slo, group, statement, period, corrections);
    if (!sameFigures(stated, current)) changes.push({ slo: slo.name, stated: pick(stated), now: pick(current), causes: await explain() });
    const statedGroups = new Map((stated.groups ?? []).map((g) => [JSON.stringify(g.labels), g]));
    for (const group of current.groups ?? []) {
      const key = JSON.stringify(group.labels);
      const before = statedGroups.get(key);
      statedGroups.delete(key);
      if (before === undefined || !sameFigures(before, group)) {
        changes.push({ slo: slo.name, group: group.labels, stated: before === undefined ? null : pick(before), now: pick(group), causes: await explain(group.labels) });
      }
    }
    for (const gone of statedGroups.values()) changes.push({ slo: slo.name, group: gone.labels, stated: pick(gone), now: null, causes: await explain(gone.labels) });
  }
  for (const gone of bySlo.values()) {
    changes.push({ slo: gone.slo, stated: pick(gone), now: null, causes: [{ kind: 'definition', text: 'the SLO is no longer in the config' }] });
  }
  return { statement, contentHash, changes };
}

function pick(f: StatedFigures): StatedFigures {
  return { good: f.good, total: f.total, sliRatio: f.sliRatio, consumedRatio: f.consumedRatio, coverageRatio: f.coverageRatio, tier: f.tier };
}

/** Equal up to the rounding of sums read in another order. */
function sameFigures(a: StatedFigures, b: StatedFigures): boolean {
  const close = (x: number | null, y: number | null) => (x === null || y === null ? x === y : Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y)));
  return a.tier === b.tier && close(a.good, b.good) && close(a.total, b.total) && close(a.coverageRatio, b.coverageRatio);
}

interface CorrectionChange {
  kind: 'correction-added' | 'correction-deleted' | 'correction-changed';
  correction: Correction;
  source: 'config' | 'ledger';
  by?: { author: string; changedAtMs: number };
}

/** The corrections added, deleted or edited since the statement. */
async function correctionChanges(adapters: Adapters, statement: Statement): Promise<CorrectionChange[]> {
  const now = await listCorrections(adapters.config, adapters.ledger);
  const stated = new Map(statement.corrections.map((c) => [c.id, c]));
  const changes: CorrectionChange[] = [];
  for (const listed of now) {
    const { correction, source } = listed;
    const before = stated.get(correction.id);
    stated.delete(correction.id);
    const by = listed.source === 'ledger' ? { author: listed.correction.author, changedAtMs: listed.correction.createdMs } : undefined;
    if (before === undefined) changes.push({ kind: 'correction-added', correction, source, ...(by ? { by } : {}) });
    else if (before.fingerprint !== fingerprintOf(correction)) changes.push({ kind: 'correction-changed', correction, source });
  }
  for (const gone of stated.values()) {
    const { scope, timing } = JSON.parse(gone.fingerprint) as Pick<Correction, 'scope' | 'timing'>;
    const stored = gone.source === 'ledger' ? await adapters.ledger.corrections.get(gone.id) : undefined;
    changes.push({
      kind: 'correction-deleted',
      correction: { id: gone.id, scope, timing, category: gone.category, reason: gone.reason },
      source: gone.source,
      ...(stored?.deleted ? { by: { author: stored.deleted.author, changedAtMs: stored.deleted.atMs } } : {}),
    });
  }
  return changes;
}

async function causesFor(
  adapters: Adapters,
  slo: SloDefinition,
  group: GroupLabels | undefined,
  statement: Statement,
  period: ReportPeriod,
  corrections: readonly CorrectionChange[],
): Promise<ChangeCause[]> {
  const { buckets } = adapters.ledger;
  const causes: ChangeCause[] = [];
  const seriesId = await buckets.findSeries(slo, group);
  for (const change of corrections) {
    const { correction } = change;
    // A group's correction changes its group and the SLO's own figures; the SLO's, the SLO and all of its groups.
    const applies = group === undefined ? correctionApplies(correction, slo) || (correction.scope.group !== undefined && correctionApplies(correction, slo, correction.scope.group)) : correctionApplies(correction, slo, group);
    if (!applies) continue;
    const runs = excludedRuns([correction], period.startMs, period.endMs, adapters.config.timeZone);
    if (runs.length === 0) continue;
    const series = group === undefined && correction.scope.group !== undefined
      ? (await buckets.listGroups(slo)).filter((g) => correctionApplies(correction, slo, g.labels)).map((g) => g.seriesId)
      : seriesId === undefined ? [] : [seriesId];
    const { good, bad } = await eventsIn(buckets, series, runs);
    causes.push({
      kind: change.kind, id: correction.id, source: change.source, category: correction.category, reason: correction.reason,
      ...(change.by ? { by: change.by } : {}),
      excludedMs: runs.reduce((n, r) => n + r.lastEndMs - r.firstEndMs + BUCKET_MS, 0), good, bad,
    });
  }
  if (seriesId !== undefined) {
    const ledger = await buckets.changesSince(seriesId, statement.producedMs, period.startMs, period.endMs);
    for (const r of ledger.reconciliations) {
      causes.push({ kind: 'reconciliation', startMs: r.firstEndMs - BUCKET_MS, endMs: r.lastEndMs, good: r.good, total: r.total, reconciledAtMs: r.reconciledAtMs });
    }
    if (ledger.refetched.buckets > 0) causes.push({ kind: 'late-data', ...ledger.refetched });
  }
  return causes;
}

/** A stated month as the status page and the API mark it. */
export interface StatementMark {
  statement: Statement;
  /** A restated version exists: the month was mailed again, with its changes listed. */
  restated: boolean;
  /** The SLOs' figures now differ from the latest statement: a restatement is due. */
  changedSinceStatement: boolean;
}

/**
 * Marks each stated month: restated (a later version was mailed) and changed since its latest
 * statement. The check compares the SLOs' own figures (a group's change moves its SLO's sums too),
 * so it costs one sum per SLO and month; `statements diff` compares every group.
 */
export function markStatements(figures: BucketReader, slos: readonly SloDefinition[], statements: readonly Statement[], periodOf: (month: string) => ReportPeriod): Promise<StatementMark[]> {
  return finishSteps(markStatementSteps(figures, slos, statements, periodOf));
}

/** {@link markStatements} in steps, a step per SLO summed (the first changed SLO settles a month). */
export async function* markStatementSteps(
  figures: BucketReader,
  slos: readonly SloDefinition[],
  statements: readonly Statement[],
  periodOf: (month: string) => ReportPeriod,
): Steps<StatementMark[]> {
  const marks: StatementMark[] = [];
  for (const statement of statements) {
    const period = periodOf(statement.month);
    const stated = new Map(statement.slos.map((s) => [s.slo, s]));
    let changed = slos.length !== statement.slos.length;
    for (const slo of slos) {
      if (changed) break;
      const before = stated.get(slo.name);
      changed = before === undefined || !sameFigures(before, await figuresOf(figures, slo, await figures.findSeries(slo), period));
      yield;
    }
    marks.push({ statement, restated: statement.version > 1, changedSinceStatement: changed });
  }
  return marks;
}
