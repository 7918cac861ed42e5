import type { ReportPeriod } from '../domain/period.js';
import type { SloDefinition } from '../domain/slo.js';
import { evaluateWindow } from '../domain/window-result.js';
import type { RawFigures } from './period-report.js';

/** The period's figures as fetched, before corrections, by the same definitions as the corrected ones. */
export function rawFigures(slo: SloDefinition, period: ReportPeriod, raw: { good: number; total: number }): RawFigures {
  const figures = evaluateWindow(slo, { name: period.name, startMs: period.startMs, endMs: period.endMs }, { good: raw.good, total: raw.total, coverageRatio: 1 });
  return { good: figures.good, total: figures.total, sliRatio: figures.sliRatio, consumedRatio: figures.errorBudget.consumedRatio, tier: figures.tier };
}
