/**
 * Records what the real CLI prints on the demo data, so two builds can be compared byte for byte
 * (`bench/compare-cli.sh` does that for a git revision against the working tree).
 *
 *   npx tsx bench/cli-snapshot.ts OUT_DIR CLI [CLI...]
 *
 * Starts one Prometheus over the demo's generated Rendiff traffic, then runs the same commands with
 * each CLI (a path to bin/slo-ledger.js), each CLI with its own fresh ledger file, and writes every
 * command's stdout, stderr and exit code to OUT_DIR/<index of the CLI>/<command name>.txt. What
 * legitimately differs between runs is replaced by a fixed word: the Prometheus URL, temporary paths,
 * generation times, sync durations and the "now" of `config check`.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFixture, startPrometheus } from '../src/fixture/prometheus-server.js';
import { RENDIFF_SCENARIO } from '../src/fixture/scenarios.js';

const AT = '2026-11-01T00:00:00Z';
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Name → arguments; run in this order (the first one syncs the ledger). */
const COMMANDS: Array<[string, string[]]> = [
  ['sync', ['sync', '--at', AT]],
  ['report-json', ['report', '--at', AT, '--windows', '24h,7d,30d,2026-10', '--format', 'json']],
  ['report-csv', ['report', '--at', AT, '--windows', '24h,7d,30d,2026-10', '--format', 'csv']],
  ['report-table', ['report', '--at', AT, '--windows', '24h,7d,30d,2026-10', '--format', 'table']],
  ['report-offline-default', ['report', '--at', AT, '--offline']],
  ['report-month-status', ['report', '--month', '2026-10', '--format', 'json', '--windows', '1h']],
  ['alerts-json', ['alerts', '--at', AT, '--format', 'json']],
  ['alerts-table', ['alerts', '--at', AT, '--offline']],
  ['rules', ['rules']],
  ['rules-operator', ['rules', '--format', 'prometheus-operator']],
  ['export-openslo', ['export', 'openslo']],
  ['report-month-json', ['report', '--month', '2026-10', '--format', 'json']],
  ['report-month-files', ['report', '--month', '2026-10', '--format', 'html,json', '--out', 'OUT/month']],
  ['report-range-files', ['report', '--from', '2026-10-14', '--to', '2026-10-16', '--format', 'json', '--incident-factor', '3', '--out', 'OUT/range']],
  ['tick-dry-run', ['tick', '--at', AT, '--dry-run']],
  ['outbox-list', ['outbox', 'list']],
  ['outbox-list-json', ['outbox', 'list', '--format', 'json']],
  ['config-print', ['config', 'print']],
  ['config-check', ['config', 'check']],
  // Bad usage: the message and the exit code.
  ['bad-month', ['report', '--month', '2026-13']],
  ['bad-at', ['report', '--at', 'yesterday']],
  ['bad-windows', ['report', '--windows', '7m', '--offline']],
  ['bad-format', ['report', '--format', 'xml']],
  ['files-without-period', ['report', '--format', 'pdf']],
  ['files-with-windows', ['report', '--month', '2026-10', '--format', 'html', '--windows', '1h']],
  ['month-and-range', ['report', '--month', '2026-10', '--from', '2026-10-01', '--format', 'html']],
  ['from-without-to', ['report', '--from', '2026-10-01', '--format', 'html']],
  ['to-before-from', ['report', '--from', '2026-10-02', '--to', '2026-10-01', '--format', 'html']],
  ['bad-incident-factor', ['report', '--month', '2026-10', '--format', 'html', '--incident-factor', '-1']],
  ['status-with-out', ['report', '--format', 'table', '--out', 'x']],
  ['status-with-from', ['report', '--from', '2026-10-01', '--offline']],
  ['email-without-month', ['report', '--email']],
  ['force-without-email', ['report', '--month', '2026-10', '--force']],
  ['email-without-section', ['report', '--month', '2026-10', '--email']],
  ['alerts-bad-format', ['alerts', '--format', 'xml']],
  ['rules-bad-format', ['rules', '--format', 'xml']],
  ['import-bad-format', ['import', 'nobl9', 'x.yaml']],
  ['import-missing-file', ['import', 'sloth', 'does-not-exist.yaml']],
  ['export-bad-format', ['export', 'sloth']],
  ['retry-nothing', ['outbox', 'retry']],
  ['retry-both', ['outbox', 'retry', '1', '--all']],
  ['retry-bad-id', ['outbox', 'retry', 'abc']],
  ['retry-unknown-id', ['outbox', 'retry', '999']],
  ['drop-unknown-id', ['outbox', 'drop', '999']],
  ['serve-bad-listen', ['serve', '--listen', 'nowhere:99999']],
  ['bad-prometheus-url', ['--prometheus', 'ftp://example', 'config', 'print']],
  ['unknown-command', ['frobnicate']],
  ['unknown-option', ['report', '--frobnicate']],
  ['missing-config-file', ['--config', 'does-not-exist.yaml', 'config', 'check']],
  ['version', ['--version']],
  ...[
    [], ['config'], ['config', 'check'], ['config', 'print'], ['sync'], ['report'], ['alerts'], ['serve'], ['tick'],
    ['outbox'], ['outbox', 'list'], ['outbox', 'retry'], ['outbox', 'drop'], ['demo'],
  ].map((path): [string, string[]] => [`help-${path.join('-') || 'program'}`, [...path, '--help']]),
  ['help-command', ['help', 'report']],
];

function runCli(cli: string, args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [cli, ...args], { cwd, env: { PATH: process.env.PATH ?? '' }, timeout: 300_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

function normalize(text: string, replacements: Array<[string, string]>): string {
  let out = text;
  for (const [from, to] of replacements) out = out.split(from).join(to);
  return out
    .replace(/"generated_at": "[^"]*"/g, '"generated_at": "GENERATED"')
    .replace(/[Gg]enerated \d{4}-\d{2}-\d{2} \d{2}:\d{2}( UTC)?/g, 'generated GENERATED')
    .replace(/ in \d+ ms/g, ' in N ms')
    // `config check` asks Prometheus (PROMETHEUS_URL is set) about the window before now, which it names.
    .replace(/( matches no series in the \S+ before )\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g, '$1NOW')
    .replace(/"time":"[^"]*"|"timestamp":"[^"]*"/g, '"time":"T"');
}

async function main(): Promise<void> {
  const [outArg, ...clis] = process.argv.slice(2);
  if (outArg === undefined || clis.length === 0) throw new Error('usage: tsx bench/cli-snapshot.ts OUT_DIR CLI [CLI...]');
  const outDir = resolve(outArg);
  const fixture = await buildFixture(RENDIFF_SCENARIO, join(REPO_ROOT, '.tmp', 'fixtures'));
  const prometheus = await startPrometheus(fixture.tsdbDir);
  try {
    for (const [index, cliArg] of clis.entries()) {
      const cli = resolve(cliArg);
      const work = mkdtempSync(join(tmpdir(), 'slo-ledger-snapshot-'));
      const db = join(work, 'ledger.db');
      const target = join(outDir, String(index));
      mkdirSync(target, { recursive: true });
      const replacements: Array<[string, string]> = [[prometheus.url, 'PROMETHEUS_URL'], [work, 'WORK']];
      for (const [name, args] of COMMANDS) {
        const withOut = args.map((a) => a.replace(/^OUT\//, `${work}/out/`));
        const run = await runCli(cli, ['--prometheus', prometheus.url, '--db', db, ...withOut], work);
        const text = `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
        writeFileSync(join(target, `${name}.txt`), normalize(text, replacements));
      }
      // The report files written by --out, normalised like the command output.
      for (const sub of ['month', 'range']) {
        for (const file of readdirSync(join(work, 'out', sub))) {
          writeFileSync(join(target, `files-${sub}-${file}`), normalize(readFileSync(join(work, 'out', sub, file), 'utf8'), replacements));
        }
      }
      rmSync(work, { recursive: true, force: true });
      process.stderr.write(`snapshot ${index}: ${cli} → ${target}\n`);
    }
  } finally {
    await prometheus.stop();
  }
}

await main();
