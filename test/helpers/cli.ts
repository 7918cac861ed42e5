import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './fixture.js';

/** The built CLI's entry point (`npm test` builds dist/ first). */
export const CLI = join(REPO_ROOT, 'bin', 'slo-ledger.js');

/** How a CLI run ended: `code` is null when a signal (named in `signal`) killed it. */
export interface CliRun {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI to completion as a user would, in a clean environment: PATH only, plus `env`. */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: timeoutMs }, (error, stdout, stderr) => {
      const signal = error?.signal ?? null;
      const code = !error ? 0 : typeof error.code === 'number' ? error.code : signal ? null : 1;
      resolve({ code, signal, stdout, stderr });
    });
  });
}
