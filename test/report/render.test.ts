import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseReportFilesRequest, parseReportOutput } from '../../src/commands/report-options.js';
import { resolvePeriod, type ReportPeriod } from '../../src/domain/period.js';
import type { SloDefinition } from '../../src/domain/slo.js';
import { toBucketColumns, type BucketCounts } from '../../src/report/bucket-columns.js';
import { renderReportHtml } from '../../src/report/html.js';
import { buildPeriodReport } from '../../src/report/build-period-report.js';
import type { PeriodReport } from '../../src/report/period-report.js';
import { findReportFonts, renderReportPdf } from '../../src/report/pdf.js';
import { htmlNestingProblems, inkRatio, readPgm } from './images.js';

const run = promisify(execFile);
const HOUR = 3_600_000;
const BUCKET = 300_000;
const OCT = Date.parse('2026-10-01T00:00:00Z');
const NOV = Date.parse('2026-11-01T00:00:00Z');
const OCTOBER: ReportPeriod = { kind: 'month', name: '2026-10', label: 'October 2026', startMs: OCT, endMs: NOV, fullEndMs: NOV };

function slo(i: number, overrides: Partial<SloDefinition> = {}): SloDefinition {
  return {
    name: `svc-${String(i).padStart(3, '0')}-availability`,
    service: 'shop',
    description: `Availability of service ${i}`,
    objectiveRatio: 0.999,
    windowMs: 30 * 24 * HOUR,
    tiers: { criticalRatio: 0.99, warningRatio: 0.995 },
    sli: { kind: 'events', badQuery: 'b', totalQuery: 't' },
    ...overrides,
  };
}

/** A month of 1000-event buckets at `badPerBucket`, with a 30-minute burst of 300 bad on day `burstDay`. */
function month(badPerBucket: number, burstDay: number): BucketCounts[] {
  const burstStart = OCT + (burstDay - 1) * 24 * HOUR + 10 * HOUR;
  const out: BucketCounts[] = [];
  for (let t = OCT - HOUR + BUCKET; t <= NOV; t += BUCKET) {
    const bad = t > burstStart && t <= burstStart + 30 * 60_000 ? 300 : badPerBucket;
    out.push({ endMs: t, status: 'ok', good: 1000 - bad, total: 1000 });
  }
  return out;
}

function reportOf(slos: SloDefinition[], badPerBucket = 0.5): Promise<PeriodReport> {
  return buildPeriodReport({
    period: OCTOBER,
    timeZone: 'UTC',
    generatedAtMs: NOV,
    slos: slos.map((definition, i) => ({ slo: definition, buckets: toBucketColumns(month(badPerBucket, 1 + (i % 31))), history: [] })),
  });
}

describe('HTML rendering', () => {
  it('escapes every user string: a <script> in an SLO description or name stays text', async () => {
    const hostile = slo(1, {
      name: 'evil"><img src=x onerror=alert(1)>',
      service: '<b>svc</b>',
      description: 'Checkout <script>alert("owned")</script> & friends',
    });
    const html = renderReportHtml(await reportOf([hostile]));
    expect(html).not.toMatch(/<script|<img|<b>svc/i);
    expect(html).toContain('Checkout &lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt; &amp; friends');
    expect(html).toContain('evil&quot;&gt;&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
    expect(htmlNestingProblems(html)).toEqual([]);
  });

  it('is well-formed for a report with breaches, an exhausted budget and no traffic', async () => {
    const report = await buildPeriodReport({
      period: OCTOBER, timeZone: 'UTC', generatedAtMs: NOV,
      slos: [
        { slo: slo(1), buckets: toBucketColumns(month(20, 3)), history: [] },
        { slo: slo(2), buckets: toBucketColumns([]), history: [] },
      ],
    });
    expect(report.breaches.map((b) => b.tier)).toEqual(['critical']);
    const html = renderReportHtml(report);
    expect(htmlNestingProblems(html)).toEqual([]);
    expect(html).toContain('Page on-call engineer');
    expect(html).toContain('no data in this period');
    expect(html).not.toMatch(/NaN|Infinity|undefined/);
  });
});

describe('PDF rendering from 1 to 200 SLOs', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-pdf-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function pages(report: PeriodReport, name: string): Promise<{ text: string; ink: number[] }> {
    const file = join(dir, `${name}.pdf`);
    writeFileSync(file, await renderReportPdf(report));
    const { stdout: text } = await run('pdftotext', ['-layout', file, '-'], { timeout: 60_000, maxBuffer: 64 << 20 });
    await run('pdftoppm', ['-gray', '-r', '20', file, join(dir, name)], { timeout: 120_000 });
    const ink = readdirSync(dir).filter((f) => f.startsWith(`${name}-`) && f.endsWith('.pgm')).sort().map((f) => inkRatio(readPgm(readFileSync(join(dir, f)))));
    return { text, ink };
  }

  it('renders one SLO as a summary page and one SLO page', async () => {
    const report = await reportOf([slo(1)]);
    const { text, ink } = await pages(report, 'one');
    expect(ink).toHaveLength(2);
    expect(Math.min(...ink)).toBeGreaterThan(0.02);
    expect(text).toContain('Page 2 of 2');
    expect(text).toContain(`${(report.slos[0]!.sliRatio! * 100).toFixed(3)}%`);
  });

  it('renders 200 SLOs with the summary table breaking across pages, its header repeated, and no blank page', async () => {
    const slos = Array.from({ length: 200 }, (_, i) => slo(i + 1));
    const report = await reportOf(slos);
    const { text, ink } = await pages(report, 'many');
    const pageCount = Number(/Page 1 of (\d+)/.exec(text)?.[1]);
    expect(ink).toHaveLength(pageCount);
    expect(pageCount).toBeGreaterThan(200);
    // Pages at 20 dpi: a page with only its header and footer has almost no ink.
    ink.forEach((ratio, i) => expect(ratio, `page ${i + 1}`).toBeGreaterThan(0.015));
    for (const s of [slos[0]!, slos[99]!, slos[199]!]) expect(text).toContain(`${s.name} — ok`);
    const summaryPages = text.split('\f').filter((page) => /SLO\s+Objective\s+SLI/.test(page) && page.includes('Coverage'));
    expect(summaryPages.length).toBeGreaterThan(1); // the header is repeated on each page of the table
    expect(text.split('\f').filter((page) => /svc-200-availability\s+99\.90%/.test(page))).toHaveLength(1);
  }, 60_000);
});

describe('fonts', () => {
  it('finds DejaVu Sans, or names the package to install', () => {
    expect(findReportFonts().regular).toMatch(/DejaVuSans\.ttf$/);
    expect(() => findReportFonts(join(tmpdir(), 'no-fonts-here'))).toThrow(/apt-get install -y fonts-dejavu-core/);
  });
});

describe('report --format', () => {
  it.each([
    { text: 'table', withOut: false, expected: { kind: 'stdout', format: 'table' } },
    { text: 'json', withOut: false, expected: { kind: 'stdout', format: 'json' } },
    { text: 'csv', withOut: false, expected: { kind: 'stdout', format: 'csv' } },
    { text: 'json', withOut: true, expected: { kind: 'files', formats: ['json'] } },
    { text: 'pdf', withOut: false, expected: { kind: 'files', formats: ['pdf'] } },
    { text: 'html,pdf', withOut: false, expected: { kind: 'files', formats: ['pdf', 'html'] } },
    { text: 'pdf, html ,json,pdf', withOut: false, expected: { kind: 'files', formats: ['pdf', 'html', 'json'] } },
  ])('reads "$text" (with --out: $withOut) as $expected.kind', ({ text, withOut, expected }) => {
    expect(parseReportOutput(text, withOut)).toEqual(expected);
  });

  it.each([
    { text: 'xml', message: /"xml" is not a format/ },
    { text: '', message: /is not a format/ },
    { text: 'pdf,table', message: /table prints the status to stdout/ },
    { text: 'csv,json', message: /csv prints the status to stdout/ },
  ])('rejects "$text" as bad usage (exit 2)', ({ text, message }) => {
    let thrown: unknown;
    try {
      parseReportOutput(text, false);
    } catch (error) {
      thrown = error;
    }
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as { exitCode?: number }).exitCode).toBe(2);
  });
});

describe('report files: the period and options', () => {
  const parse = (options: Parameters<typeof parseReportFilesRequest>[0], timeZone = 'UTC') => parseReportFilesRequest(options, timeZone);

  it('reads --month, --out, --at and --incident-factor', () => {
    expect(parse({ month: '2026-10', out: 'x', at: '2026-10-15T00:00:00Z', incidentFactor: '3', windowsGiven: false })).toEqual({
      period: { kind: 'month', month: { year: 2026, month: 10 } },
      outDir: 'x',
      atMs: Date.parse('2026-10-15T00:00:00Z'),
      rules: { incidents: { factor: 3, mergeGapMs: 30 * 60_000 } },
    });
  });

  it('reads a --from/--to range in the configured time zone', () => {
    const request = parse({ from: '2026-10-24', to: '2026-10-26', windowsGiven: false }, 'Europe/Berlin');
    expect(request.period).toEqual({ kind: 'range', fromMs: Date.parse('2026-10-23T22:00:00Z'), toMs: Date.parse('2026-10-25T23:00:00Z') });
    const periods = resolvePeriod(request.period, Date.parse('2026-11-01T00:00:00Z'), 'Europe/Berlin');
    expect(periods.current.name).toBe('2026-10-24--2026-10-26');
    // 49 hours: the 25th is a 25-hour day; the comparison ranges before it are as long.
    expect(periods.current.endMs - periods.current.startMs).toBe(49 * HOUR);
    expect(periods.history[0]).toMatchObject({ startMs: periods.current.startMs - 49 * HOUR, endMs: periods.current.startMs });
  });

  it.each([
    [{ windowsGiven: false }, 'need a period'],
    [{ month: '2026-10', from: '2026-10-01', to: '2026-10-02', windowsGiven: false }, '--month and --from/--to'],
    [{ from: '2026-10-01', windowsGiven: false }, '--from and --to go together'],
    [{ from: '2026-10-02', to: '2026-10-01', windowsGiven: false }, 'must be after --from'],
    [{ from: 'yesterday', to: '2026-10-01', windowsGiven: false }, '--from: "yesterday" is not an ISO 8601'],
    [{ month: '2026-13', windowsGiven: false }, '--month'],
    [{ month: '2026-10', incidentFactor: '0', windowsGiven: false }, '--incident-factor'],
    [{ month: '2026-10', windowsGiven: true }, '--windows applies to the status'],
  ])('rejects %j as bad usage', (options, message) => {
    expect(() => parse(options)).toThrow(message);
  });
});
