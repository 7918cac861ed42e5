import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_SCENARIO } from '../helpers/alert-scenario.js';
import { runCli } from '../helpers/cli.js';
import { startFixturePrometheus, type FixturePrometheus } from '../helpers/fixture.js';

/** A 64 KiB tmpfs, where the machine lets the tests mount one (root in a sandbox or CI); undefined otherwise. */
function mountSmallDisk(dir: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const disk = mkdtempSync(join(tmpdir(), 'slo-ledger-small-disk-'));
const mounted = mountSmallDisk(disk);
if (!mounted) process.stderr.write('full-disk.e2e: cannot mount a tmpfs here (needs root); its test is skipped\n');

describe.skipIf(!mounted)('report files on a full disk (the built CLI, a 64 KiB tmpfs)', () => {
  let fixture: FixturePrometheus;
  let dir: string;

  beforeAll(async () => {
    fixture = await startFixturePrometheus(ALERT_SCENARIO);
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-full-disk-'));
    const synced = await runCli(['--prometheus', fixture.prometheus.url, '--db', join(dir, 'ledger.db'), 'sync', '--at', '2026-11-01T00:00:00Z'], {}, 60_000);
    expect(synced.code, synced.stderr).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await fixture?.prometheus.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    try {
      execFileSync('umount', [disk], { stdio: 'ignore' });
    } finally {
      rmSync(disk, { recursive: true, force: true });
    }
  });

  it('fails naming the file, and leaves the report that was there whole (no 0-byte or half file, no temporary file)', async () => {
    const out = join(disk, 'reports');
    mkdirSync(out);
    writeFileSync(join(out, 'report.pdf'), 'the report of last run');
    // Fill the disk so that the PDF cannot be written whole.
    writeFileSync(join(disk, 'filler'), Buffer.alloc(40 * 1024));
    const run = await runCli(['--db', join(dir, 'ledger.db'), 'report', '--from', '2026-10-31T12:00:00Z', '--to', '2026-11-01T00:00:00Z', '--offline', '--format', 'pdf', '--out', out], {}, 60_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot write ${join(out, 'report.pdf')}: ENOSPC`);
    expect(readFileSync(join(out, 'report.pdf'), 'utf8')).toBe('the report of last run');
    expect(readdirSync(out)).toEqual(['report.pdf']);
    // With room again, the same command writes it.
    rmSync(join(disk, 'filler'));
    const again = await runCli(['--db', join(dir, 'ledger.db'), 'report', '--from', '2026-10-31T12:00:00Z', '--to', '2026-11-01T00:00:00Z', '--offline', '--format', 'pdf', '--out', out], {}, 60_000);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(join(out, 'report.pdf')).subarray(0, 5).toString()).toBe('%PDF-');
  }, 120_000);
});
