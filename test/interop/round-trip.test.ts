import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { DEMO_GROUPED_SLO } from '../../src/commands/demo.js';
import { DEFAULT_SLOS } from '../../src/config/defaults.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { SloDefinition } from '../../src/domain/slo.js';
import { exportOpenSlo } from '../../src/interop/export-openslo.js';
import { importedConfig } from '../../src/interop/import-config.js';
import { readSloFiles } from '../../src/interop/read-slo-files.js';
import { runCli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/fixture.js';

// export openslo, then import openslo: the same SLOs, compared as SloDefinition objects. The demo's
// SLOs (the built-in ones and its grouped SLO), and two that need every annotation.
const dir = mkdtempSync(join(tmpdir(), 'slo-ledger-round-trip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DEMO_SLOS: SloDefinition[] = [...DEFAULT_SLOS.map((slo) => structuredClone(slo)), DEMO_GROUPED_SLO];
const EXTRA_SLOS: SloDefinition[] = [
  {
    name: 'checkout-latency', service: 'shop', description: '', objectiveRatio: 0.99, windowMs: 7 * 86_400_000,
    alerting: { labels: { team: 'shop' }, annotations: { summary: 'Checkout is slow' }, page: { labels: { routing_key: 'shop' } }, ticket: { disable: true } },
    sli: { kind: 'latency', histogram: 'http_request_duration_seconds', selector: 'job="shop",handler="/checkout"', thresholdSeconds: 0.25, quantile: 0.99 },
  },
  {
    name: 'wifi', service: 'home', description: 'Clients with a good signal', objectiveRatio: 0.95, windowMs: 36 * 3_600_000,
    sli: { kind: 'events', badQuery: 'sum_over_time((count(sat < 0.75))[{{.window}}:]) or on() vector(0)', totalQuery: 'sum_over_time((count(sat))[{{.window}}:])' },
  },
];

function exportThenImport(slos: readonly SloDefinition[]) {
  const text = exportOpenSlo(slos, { prometheusUrl: 'http://user:secret@prometheus:9090/prom', source: 'test' });
  return { text, read: readSloFiles([{ file: 'exported.yaml', text }], 'openslo') };
}

describe('export openslo, then import openslo', () => {
  it('gives back the demo\'s SLOs (built-in and grouped) exactly', () => {
    const { read } = exportThenImport(DEMO_SLOS);
    expect(read.diagnostics).toEqual([]);
    expect(read.slos.map((s) => s.slo)).toEqual(DEMO_SLOS);
    expect(read.prometheus?.url).toBe('http://prometheus:9090/prom');
  });

  it('gives back a latency SLI, an SLO\'s alerting and a query that is no plain counter query, through the annotations', () => {
    const { read } = exportThenImport(EXTRA_SLOS);
    expect(read.diagnostics).toEqual([]);
    expect(read.slos.map((s) => s.slo)).toEqual(EXTRA_SLOS);
  });

  it('writes bare counter selectors for other OpenSLO tools, a correct good/total pair for a latency SLI, and no credentials', () => {
    const { text } = exportThenImport([...DEMO_SLOS, ...EXTRA_SLOS]);
    expect(text).not.toContain('secret');
    const docs = parseAllDocuments(text) as unknown as Array<{ toJS(): Record<string, any> }>;
    const objects = docs.map((doc) => doc.toJS());
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Service/rendiff-api', 'Service/shop', 'Service/home', 'DataSource/prometheus',
      'SLO/api-availability', 'SLO/api-latency', 'SLO/job-success', 'SLO/api-availability-by-endpoint', 'SLO/checkout-latency', 'SLO/wifi',
    ]);
    const slo = (name: string) => objects.find((o) => o.kind === 'SLO' && o.metadata.name === name)!;
    expect(slo('api-availability').spec.indicator.spec.ratioMetric).toEqual({
      counter: true,
      bad: { metricSource: { metricSourceRef: 'prometheus', type: 'Prometheus', spec: { query: 'sum(rendiff_api_requests_total{status_code=~"5.."})' } } },
      total: { metricSource: { metricSourceRef: 'prometheus', type: 'Prometheus', spec: { query: 'sum(rendiff_api_requests_total)' } } },
    });
    expect(slo('api-availability').metadata.annotations).toEqual({ 'slo-ledger.io/tiers': '{"critical":99,"warning":99.5}' });
    expect(slo('api-availability').spec.timeWindow).toEqual([{ duration: '30d', isRolling: true }]);
    expect(slo('api-availability').spec.objectives).toEqual([{ target: 0.999 }]);
    expect(slo('api-availability-by-endpoint').metadata.annotations).toMatchObject({ 'slo-ledger.io/group-by': '["endpoint"]', 'slo-ledger.io/max-groups': '1000' });
    const latency = slo('checkout-latency').spec.indicator.spec.ratioMetric;
    expect(latency.good.metricSource.spec.query).toBe('sum(http_request_duration_seconds_bucket{le="0.25",job="shop",handler="/checkout"})');
    expect(latency.total.metricSource.spec.query).toBe('sum(http_request_duration_seconds_count{job="shop",handler="/checkout"})');
    expect(JSON.parse(slo('checkout-latency').metadata.annotations['slo-ledger.io/sli'])).toEqual({ latency: { histogram: 'http_request_duration_seconds', selector: 'job="shop",handler="/checkout"', threshold: 0.25, quantile: 0.99 } });
    expect(slo('api-latency').spec.indicator.spec.ratioMetric.good.metricSource.spec.query).toBe('sum(rendiff_api_request_duration_seconds_bucket{le="2"})');
    expect(slo('checkout-latency').spec.timeWindow).toEqual([{ duration: '7d', isRolling: true }]);
    expect(slo('wifi').spec.timeWindow).toEqual([{ duration: '36h', isRolling: true }]);
  });

  it('refuses an annotated SLI whose ratioMetric was edited after export, at the annotation', () => {
    const { text } = exportThenImport([EXTRA_SLOS[0]!]);
    const edited = text.replace('le="0.25"', 'le="0.5"');
    const read = readSloFiles([{ file: 'edited.yaml', text: edited }], 'openslo');
    expect(read.diagnostics.map((d) => `${d.path}: ${d.message}`)).toEqual([
      'metadata.annotations["slo-ledger.io/sli"]: does not match the indicator\'s ratioMetric (edited after export?): change both, or remove the annotation to use the ratioMetric',
    ]);
  });

  it('import writes a config that loads to the same SLOs, each under a comment naming where it came from', () => {
    const { read } = exportThenImport(DEMO_SLOS);
    const text = importedConfig(read, { format: 'openslo', files: ['exported.yaml'] });
    expect(text).toContain('  # from exported.yaml:20 (OpenSLO SLO "api-availability")\n  - name: api-availability\n');
    const file = join(dir, 'imported.yaml');
    writeFileSync(file, text);
    const config = loadConfig({ file, env: {} });
    expect(config.slos).toEqual(DEMO_SLOS);
    expect(config.prometheus.url).toBe('http://prometheus:9090/prom');
  });
});

describe('the import and export commands (the built CLI)', () => {
  it('export openslo, import openslo --out, config check: the demo SLOs survive the trip', async () => {
    const configFile = join(dir, 'demo.yaml');
    writeFileSync(configFile, `prometheus:\n  url: http://prometheus:9090\n`);
    const exported = await runCli(['--config', configFile, 'export', 'openslo', '--out', join(dir, 'openslo.yaml')]);
    expect(exported.code).toBe(0);
    expect(exported.stderr).toBe(`slo-ledger: wrote 3 SLOs as OpenSLO v1 to ${join(dir, 'openslo.yaml')}\n`);
    const imported = await runCli(['import', 'openslo', join(dir, 'openslo.yaml')]);
    expect(imported.code).toBe(0);
    writeFileSync(join(dir, 'back.yaml'), imported.stdout);
    const checked = await runCli(['config', 'check', join(dir, 'back.yaml')]);
    expect(checked.stdout).toBe(`${join(dir, 'back.yaml')}: ok (3 SLOs: api-availability, api-latency, job-success)\n`);
    expect(loadConfig({ file: join(dir, 'back.yaml'), env: {} }).slos).toEqual([...DEFAULT_SLOS]);
  });

  it('imports the published Sloth example as a config with its origin, and refuses what it cannot convert with FILE:LINE:COL (exit 2)', async () => {
    const example = join(REPO_ROOT, 'test', 'interop', 'fixtures', 'sloth', 'getting-started.yml');
    const run = await runCli(['import', 'sloth', example]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`  # from ${example}:11 (Sloth SLO "requests-availability" of service "myservice")\n`);
    expect(run.stdout).toContain('  # Sloth labels its page alerts severity="pageteam" and ticket alerts severity="slack": slo-ledger sets severity for every SLO from alertmanager.severity (page, ticket); set those to match.\n');
    writeFileSync(join(dir, 'sloth.yaml'), run.stdout);
    expect(loadConfig({ file: join(dir, 'sloth.yaml'), env: {} }).slos.map((s) => s.name)).toEqual(['myservice-requests-availability']);

    const raw = join(REPO_ROOT, 'test', 'interop', 'fixtures', 'sloth', 'raw-home-wifi.yml');
    const refused = await runCli(['import', 'sloth', raw]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(new RegExp(`^slo-ledger: invalid configuration:\\n${raw}:16:7: slos\\[0\\]\\.sli\\.raw: a raw SLI is an error ratio`));

    const wrongFormat = await runCli(['import', 'openslo', example]);
    expect(wrongFormat.code).toBe(2);
    expect(wrongFormat.stderr).toBe(`slo-ledger: invalid configuration:\n${example}:3:10: version: a Sloth document: convert it with "slo-ledger import sloth"\n`);
  });

  it('exits 2 for bad usage', async () => {
    const unknown = await runCli(['import', 'nobl9', 'x.yaml']);
    expect(unknown).toMatchObject({ code: 2, stderr: 'slo-ledger: import: unknown format "nobl9": give openslo or sloth\n' });
    const noFiles = await runCli(['import', 'sloth']);
    expect(noFiles.code).toBe(2);
    const exportSloth = await runCli(['export', 'sloth']);
    expect(exportSloth).toMatchObject({ code: 2, stderr: 'slo-ledger: export: unknown format "sloth": give openslo\n' });
    expect(readFileSync(join(dir, 'openslo.yaml'), 'utf8')).toContain('kind: DataSource');
  });
});
