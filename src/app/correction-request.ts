import rrule from 'rrule';
import type { AppConfig } from '../config/app-config.js';
import { CORRECTION_CATEGORIES, type Correction, type CorrectionCategory, type CorrectionTiming } from '../domain/correction.js';
import { parseDuration } from '../domain/duration.js';
import { parseLocalInstant } from '../domain/period.js';
import type { GroupLabels } from '../domain/slo.js';
import { UsageError } from '../errors.js';
import type { CorrectionAudit, StoredCorrection } from '../ledger/correction-store.js';
import type { LedgerTx } from '../ledger/ledger-stores.js';

/** A correction as asked for at run time (the CLI's options, the HTTP API's JSON body): text, not yet checked. */
export interface CorrectionRequest {
  slo?: string;
  service?: string;
  group?: GroupLabels;
  from?: string;
  to?: string;
  every?: string;
  duration?: string;
  category?: string;
  reason?: string;
}

/** A request field that is wrong, named as the caller spells it (`--from` on the command line, `from` in JSON). */
export class CorrectionRequestError extends UsageError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** A correction in force or once in force, with where it comes from. */
export type ListedCorrection = { source: 'config'; correction: Correction } | { source: 'ledger'; correction: StoredCorrection };

/**
 * Checks a run-time correction as the config checks its corrections section, and returns it.
 * `fieldName` spells a field as the caller's users know it; times without an offset are read in
 * the configured time zone.
 */
export function toCorrection(request: CorrectionRequest, config: Pick<AppConfig, 'slos' | 'timeZone'>, fieldName: (field: keyof CorrectionRequest) => string): Omit<Correction, 'id'> {
  const fail = (field: keyof CorrectionRequest, message: string): never => {
    throw new CorrectionRequestError(fieldName(field), message);
  };
  const { slo, service } = request;
  if (slo === undefined && service === undefined) fail('slo', `say which SLOs the correction covers (${fieldName('slo')} or ${fieldName('service')})`);
  if (slo !== undefined && !config.slos.some((s) => s.name === slo)) {
    fail('slo', `no SLO is named ${JSON.stringify(slo)} (SLOs: ${config.slos.map((s) => s.name).join(', ')})`);
  }
  if (service !== undefined && !config.slos.some((s) => s.service === service)) {
    fail('service', `no SLO belongs to a service named ${JSON.stringify(service)} (services: ${[...new Set(config.slos.map((s) => s.service))].join(', ')})`);
  }
  const { category, reason } = request;
  if (category === undefined || !(CORRECTION_CATEGORIES as readonly string[]).includes(category)) {
    fail('category', `${category === undefined ? 'missing' : JSON.stringify(category)}; give one of ${CORRECTION_CATEGORIES.join(', ')}`);
  }
  if (reason === undefined || reason.trim() === '') fail('reason', 'say why, for the report and the audit');
  const group = request.group ?? {};
  for (const label of Object.keys(group)) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(label)) fail('group', `${JSON.stringify(label)} is not a Prometheus label name`);
  }
  return {
    scope: {
      ...(slo === undefined ? {} : { slo }),
      ...(service === undefined ? {} : { service }),
      ...(Object.keys(group).length === 0 ? {} : { group: { ...group } }),
    },
    timing: toTiming(request, config.timeZone, fail, fieldName),
    category: category as CorrectionCategory,
    reason: reason!,
  };
}

function toTiming(
  request: CorrectionRequest,
  timeZone: string,
  fail: (field: keyof CorrectionRequest, message: string) => never,
  n: (field: keyof CorrectionRequest) => string,
): CorrectionTiming {
  const once = request.from !== undefined || request.to !== undefined;
  const recurring = request.every !== undefined || request.duration !== undefined;
  if (once === recurring) return fail(once ? 'every' : 'from', `give ${n('from')} and ${n('to')} (once), or ${n('every')} and ${n('duration')} (recurring)`);
  if (once) {
    if (request.from === undefined) return fail('from', `${n('from')} and ${n('to')} go together`);
    if (request.to === undefined) return fail('to', `${n('from')} and ${n('to')} go together`);
    const instant = (field: 'from' | 'to', text: string) =>
      parseLocalInstant(text, timeZone) ?? fail(field, `${JSON.stringify(text)} is not an ISO 8601 time or date (e.g. 2026-10-01 or 2026-10-01T00:00:00Z)`);
    const fromMs = instant('from', request.from);
    const toMs = instant('to', request.to);
    if (!(toMs > fromMs)) fail('to', `${request.to} must be after ${n('from')} ${request.from}`);
    return { kind: 'once', fromMs, toMs };
  }
  if (request.every === undefined) return fail('every', `${n('every')} and ${n('duration')} go together`);
  if (request.duration === undefined) return fail('duration', `${n('every')} and ${n('duration')} go together`);
  const rule = request.every.startsWith('RRULE:') ? request.every : `RRULE:${request.every}`;
  try {
    rrule.rrulestr(rule);
  } catch (error) {
    fail('every', `${JSON.stringify(request.every)} is not an iCalendar RRULE (e.g. FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0): ${(error as Error).message}`);
  }
  let durationMs = 0;
  try {
    durationMs = parseDuration(request.duration);
  } catch (error) {
    fail('duration', (error as Error).message);
  }
  if (durationMs <= 0) fail('duration', 'must be positive');
  return { kind: 'recurring', rule, durationMs };
}

/** Every correction: the config's, then those added at run time (deleted ones too, when asked). */
export async function listCorrections(config: Pick<AppConfig, 'corrections'>, ledger: Pick<LedgerTx, 'corrections'>): Promise<ListedCorrection[]> {
  return [
    ...config.corrections.map((correction): ListedCorrection => ({ source: 'config', correction })),
    ...(await ledger.corrections.list()).map((correction): ListedCorrection => ({ source: 'ledger', correction })),
  ];
}

/** One correction by id, the config's or the ledger's (deleted or not). */
export async function findCorrection(config: Pick<AppConfig, 'corrections'>, ledger: Pick<LedgerTx, 'corrections'>, id: string): Promise<ListedCorrection | undefined> {
  const fromConfig = config.corrections.find((c) => c.id === id);
  if (fromConfig !== undefined) return { source: 'config', correction: fromConfig };
  const stored = await ledger.corrections.get(id);
  return stored === undefined ? undefined : { source: 'ledger', correction: stored };
}

/** Why a deletion was refused. */
export type DeleteRefusal = 'not-found' | 'from-config' | 'already-deleted';

/** The outcome of a deletion: the correction as it now stands, or why it was refused. */
export type DeleteOutcome = { deleted: StoredCorrection } | { refused: DeleteRefusal; listed?: ListedCorrection };

/** Stops applying a run-time correction, recording who and why; config corrections are edited in the config. */
export async function deleteCorrection(
  config: Pick<AppConfig, 'corrections'>,
  ledger: Pick<LedgerTx, 'corrections'>,
  id: string,
  audit: CorrectionAudit & { reason?: string },
): Promise<DeleteOutcome> {
  const listed = await findCorrection(config, ledger, id);
  if (listed === undefined) return { refused: 'not-found' };
  if (listed.source === 'config') return { refused: 'from-config', listed };
  if (listed.correction.deleted !== undefined) return { refused: 'already-deleted', listed };
  // Another request (or process) may have deleted it since it was read: then it is theirs, already deleted.
  if (!(await ledger.corrections.remove(id, audit))) {
    const now = await findCorrection(config, ledger, id);
    return { refused: 'already-deleted', ...(now === undefined ? {} : { listed: now }) };
  }
  return { deleted: (await ledger.corrections.get(id))! };
}
