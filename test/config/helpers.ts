import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { ConfigError } from '../../src/errors.js';

const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'slo-ledger-config-'));
let counter = 0;

afterAll(() => {
  fs.rmSync(tempDir, { recursive: true, force: true });
});

/** Writes `lines` (joined by newlines) to a fresh file in a temp dir and returns its path. */
export function writeConfig(lines: readonly string[]): string {
  counter += 1;
  const file = path.join(tempDir, `config-${counter}.yaml`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Runs `load` and returns the ConfigError it throws; fails the test when it throws nothing else. */
export function catchConfigError(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, but the config loaded');
}

/** A minimal valid SLO entry, indented as the second item of `slos:` would be. */
export const EVENTS_SLO = [
  '  - name: checkout',
  '    service: shop',
  '    objective: 99.5',
  '    sli:',
  '      events:',
  '        bad_query: sum(increase(http_requests_total{code=~"5.."}[{{.window}}]))',
  '        total_query: sum(increase(http_requests_total[{{.window}}]))',
] as const;
