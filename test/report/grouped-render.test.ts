import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BucketColumns } from '../../src/domain/bucket.js';
import type { ReportPeriod } from '../../src/domain/period.js';
import type { SloDefinition } from '../../src/domain/slo.js';
import { buildPeriodReport } from '../../src/report/build-period-report.js';
import { COMPACT_GROUPS, FULL_GROUPS } from '../../src/report/groups-view.js';
import { renderReportHtml } from '../../src/report/html.js';
import type { GroupReportInput, PeriodReport } from '../../src/report/period-report.js';
import { renderReportPdf } from '../../src/report/pdf.js';
import { htmlNestingProblems, inkRatio, readPgm } from './images.js';

const run = promisify(execFile);
const HOUR = 3_600_000;
const BUCKET = 300_000;
const OCT = Date.parse('2026-10-01T00:00:00Z');
const NOV = Date.parse('2026-11-01T00:00:00Z');
const OCTOBER: ReportPeriod = { kind: 'month', name: '2026-10', label: 'October 2026', startMs: OCT, endMs: NOV, fullEndMs: NOV };
const BUCKETS = 31 * 288 + 12; // the month and the hour before it
const GROUPS = 300;

const slo: SloDefinition = {
  name: 'tenant-availability',
  service: 'api',
  description: 'Availability per tenant and region',
  objectiveRatio: 0.999,
  windowMs: 30 * 24 * HOUR,
  tiers: { criticalRatio: 0.99, warningRatio: 0.995 },
  groupBy: ['region', 'tenant'],
  sli: { kind: 'events', badQuery: 'b', totalQuery: 't' },
};

/**
 * Group i: 1,000 events a bucket at a steady error rate, 0.02 % to 0.265 % (burning below half the
 * incident factor); 0.55 % for those with i mod 50 ≥ 44 (warning tier); 1.5 % for every hundredth
 * (critical, and one month-long incident); every 7th has a 1-hour burst at 30 % (an incident).
 */
function badPerBucket(i: number): number {
  return i % 100 === 99 ? 15 : i % 50 >= 44 ? 5.5 : 0.2 + (i % 50) * 0.05;
}
const labelsOf = (i: number) => ({ region: ['eu-west-1', 'us-east-1', 'ap-south-1'][i % 3]!, tenant: `customer-${String(i).padStart(3, '0')}` });
const burstOf = (i: number) => (i % 7 === 0 ? OCT + (i % 28) * 24 * HOUR + 10 * HOUR : null);

function columns(i: number): BucketColumns {
  const endMs = new Float64Array(BUCKETS);
  const good = new Float64Array(BUCKETS);
  const total = new Float64Array(BUCKETS).fill(1000);
  const burst = burstOf(i);
  for (let k = 0; k < BUCKETS; k++) {
    endMs[k] = OCT - HOUR + (k + 1) * BUCKET;
    const inBurst = burst !== null && endMs[k]! > burst && endMs[k]! <= burst + HOUR;
    good[k] = 1000 - (inBurst ? 300 : badPerBucket(i));
  }
  return { length: BUCKETS, endMs, status: new Uint8Array(BUCKETS), good, total };
}

/** The true share of its budget group i consumed in October. */
function trueConsumed(i: number): number {
  const bad = badPerBucket(i) * (BUCKETS - 12) + (burstOf(i) === null ? 0 : 12 * (300 - badPerBucket(i)));
  return bad / (0.001 * 1000 * (BUCKETS - 12));
}

function* groupInputs(): Generator<GroupReportInput> {
  for (let i = 0; i < GROUPS; i++) {
    const buckets = columns(i);
    let good = 0;
    for (let k = 12; k < BUCKETS; k++) good += buckets.good[k]!;
    yield { labels: labelsOf(i), sums: { good, total: 1000 * (BUCKETS - 12), coverageRatio: 1 }, buckets };
  }
}

function sloColumns(): BucketColumns {
  const sum = columns(0);
  sum.good.fill(0);
  sum.total.fill(0);
  for (let i = 0; i < GROUPS; i++) {
    const g = columns(i);
    for (let k = 0; k < BUCKETS; k++) {
      sum.good[k]! += g.good[k]!;
      sum.total[k]! += g.total[k]!;
    }
  }
  return sum;
}

describe(`the groups of a grouped SLO with ${GROUPS} groups, rendered`, () => {
  let dir: string;
  let report: PeriodReport;
  // Groups worst first by their true consumption (ties by labels, region before tenant).
  const ranked = Array.from({ length: GROUPS }, (_, i) => i).sort((a, b) => trueConsumed(b) - trueConsumed(a) || JSON.stringify(Object.entries(labelsOf(a))).localeCompare(JSON.stringify(Object.entries(labelsOf(b)))));
  const label = (i: number) => `region=${labelsOf(i).region}, tenant=${labelsOf(i).tenant}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-groups-'));
    report = await buildPeriodReport({ period: OCTOBER, timeZone: 'UTC', generatedAtMs: NOV, slos: [{ slo, buckets: sloColumns(), history: [], groups: groupInputs() }] });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('orders the model\'s groups by their true budget consumed', () => {
    const groups = report.slos[0]!.groups!;
    expect(groups).toHaveLength(GROUPS);
    groups.forEach((g, k) => expect(g.errorBudget.consumedRatio!, label(ranked[k]!)).toBeCloseTo(trueConsumed(ranked[k]!), 9));
    expect(groups.slice(0, 3).map((g) => g.labels.tenant)).toEqual(ranked.slice(0, 3).map((i) => labelsOf(i).tenant));
  });

  it('shows the worst 20 as full table rows in the HTML, the next 200 compactly, and counts the rest', () => {
    const html = renderReportHtml(report);
    expect(htmlNestingProblems(html)).toEqual([]);
    expect(html).not.toMatch(/<script|<link|\ssrc=|url\(|@import/);
    const table = /<table class="groups">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
    expect(table.match(/<tr>/g)).toHaveLength(1 + FULL_GROUPS);
    expect(table).toContain(`<td>${label(ranked[0]!).replace(/=/g, '&#x3D;')}</td>`);
    const compact = /<ol class="groups-compact" start="21">([\s\S]*?)<\/ol>/.exec(html)?.[1] ?? '';
    expect(compact.match(/<li /g)).toHaveLength(COMPACT_GROUPS);
    // The compact list shows the label values; its title names the labels.
    const values = (i: number) => `${labelsOf(i).region}, ${labelsOf(i).tenant}`;
    expect(html).toContain(`Groups 21–220 by region, tenant, in the same order (label values: SLI):`);
    expect(compact).toContain(`<span class="group-label">${values(ranked[FULL_GROUPS]!)}</span>`);
    expect(compact).toContain(`<span class="group-label">${values(ranked[FULL_GROUPS + COMPACT_GROUPS - 1]!)}</span>`);
    expect(compact).not.toContain(`${values(ranked[FULL_GROUPS + COMPACT_GROUPS]!)}</span>`);
    expect(html).toContain(`… and ${GROUPS - FULL_GROUPS - COMPACT_GROUPS} more groups`);
    expect(html).toContain('ol.groups-compact {');
    // The groups in breach: one entry per tier with its response once, naming the worst 20 groups each.
    const inBreach = (tier: string) => report.breaches.filter((b) => b.group !== undefined && b.tier === tier);
    // SLI = 1 − consumed × 0.1 %: critical below 99 % (consumed > 10), warning below 99.5 % (consumed > 5).
    const all = Array.from({ length: GROUPS }, (_, i) => trueConsumed(i));
    expect(inBreach('critical')).toHaveLength(all.filter((c) => c > 10).length);
    expect(inBreach('warning')).toHaveLength(all.filter((c) => c > 5 && c <= 10).length);
    expect(inBreach('warning').length).toBeGreaterThan(20);
    expect(html.match(/<div class="breach /g)).toHaveLength(2);
    expect(html).toContain(`tenant-availability · 3 groups: <span class="tier-critical">critical</span>`);
    expect(html).toContain(`tenant-availability · ${inBreach('warning').length} groups: <span class="tier-warning">warning</span>`);
    expect(html).toContain(`; and ${inBreach('warning').length - 20} more (the groups table of tenant-availability lists them)`);
  });

  it('keeps the PDF to a few pages: the 20 worst in full rows, the next 200 several to a row, and a count of the rest', async () => {
    const file = join(dir, 'groups.pdf');
    writeFileSync(file, await renderReportPdf(report));
    const { stdout: text } = await run('pdftotext', ['-layout', file, '-'], { timeout: 60_000, maxBuffer: 64 << 20 });
    const pageCount = Number(/Page 1 of (\d+)/.exec(text)?.[1]);
    // Summary (1–2 pages with 10 breaches and 20 incidents), then the SLO: charts, 20 rows, 200 compact entries, 50 incidents.
    expect(pageCount).toBeGreaterThanOrEqual(3);
    expect(pageCount).toBeLessThanOrEqual(8);
    await run('pdftoppm', ['-gray', '-r', '20', file, join(dir, 'page')], { timeout: 120_000 });
    const ink = readdirSync(dir).filter((f) => f.endsWith('.pgm')).sort().map((f) => inkRatio(readPgm(readFileSync(join(dir, f)))));
    expect(ink).toHaveLength(pageCount);
    ink.forEach((ratio, i) => expect(ratio, `page ${i + 1}`).toBeGreaterThan(0.015));
    expect(text).toContain('Groups by region, tenant');
    const flat = text.replace(/\s+/g, ' ');
    // The full rows: the worst group (its labels wrap between labels) with its SLI.
    const groups = report.slos[0]!.groups!;
    const sli = (k: number) => `${(groups[k]!.sliRatio! * 100).toFixed(3)}%`;
    expect(flat).toMatch(new RegExp(`region=${labelsOf(ranked[0]!).region}, ${sli(0)}.*? tenant=${labelsOf(ranked[0]!).tenant}`));
    // The compact list: groups 21 … 220 by their label values, each with its SLI, and no further.
    const values = (i: number) => `${labelsOf(i).region}, ${labelsOf(i).tenant}`;
    expect(text).toContain('Groups 21–220 by region, tenant, in the same order (label values: SLI):');
    expect(flat).toContain(`${values(ranked[FULL_GROUPS]!)} ${sli(FULL_GROUPS)}`);
    expect(flat).toContain(`${values(ranked[FULL_GROUPS + COMPACT_GROUPS - 1]!)} ${sli(FULL_GROUPS + COMPACT_GROUPS - 1)}`);
    expect(flat).not.toContain(values(ranked[FULL_GROUPS + COMPACT_GROUPS]!));
    expect(flat).toContain(`… and ${GROUPS - FULL_GROUPS - COMPACT_GROUPS} more groups`);
    // Several entries to a line: 200 entries on at most 200 / 3 lines.
    const compactLines = text.split('\n').filter((line) => /[a-z]{2}-[a-z]+-1, customer-\d{3}/.test(line));
    expect(compactLines.length).toBeGreaterThan(0);
    expect(compactLines.length).toBeLessThanOrEqual(Math.ceil(COMPACT_GROUPS / 3));
  }, 120_000);
});
