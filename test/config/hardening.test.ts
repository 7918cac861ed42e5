import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { EVENTS_SLO, writeConfig } from './helpers.js';

// Config mistakes found by a fault audit, through the real CLI: each is a problem at its place (exit 2).
describe('config check on configs that used to slip through or crash', () => {
  it('refuses an objective written as a fraction (0.999 read as 0.999 %), suggesting the percent', async () => {
    const file = writeConfig(['slos:', ...EVENTS_SLO.map((line) => line.replace('objective: 99.5', 'objective: 0.999'))]);
    const line = EVENTS_SLO.findIndex((l) => l.includes('objective')) + 2;
    const check = await runCli(['config', 'check', file]);
    expect(check.code).toBe(2);
    expect(check.stderr).toContain(`${file}:${line}:16: slos[0].objective: 0.999 is read as 0.999 %: objectives are percents (99.9 for 99.9 %); for 99.9 % write objective: 99.9`);
    const meant = writeConfig(['slos:', ...EVENTS_SLO.map((l) => l.replace('objective: 99.5', 'objective: 40\n    allow_low_objective: true'))]);
    const ok = await runCli(['config', 'check', meant]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    // config print writes the flag back, so its output loads again.
    const printed = await runCli(['--config', meant, 'config', 'print']);
    expect(printed.stdout).toContain('allow_low_objective: true');
  });

  it('refuses an alias bomb at the first alias, with exit 2', async () => {
    const file = writeConfig([
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ]);
    const check = await runCli(['config', 'check', file]);
    expect(check.code).toBe(2);
    expect(check.stderr).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:8: .*aliases \\(\\*name\\) expand to more than 100 copies`));
  });

  it('refuses a list used as a key at its place, and Node prints no warning', async () => {
    const file = writeConfig(['report:', '  [incident_factor, x]: 6']);
    const check = await runCli(['config', 'check', file]);
    expect(check.code).toBe(2);
    expect(check.stderr).toContain(`${file}:2:3: a key must be a plain value (a name), not a list or a mapping`);
    expect(check.stderr).not.toMatch(/Warning|stringified/);
  });
});
