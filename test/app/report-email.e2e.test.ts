import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RENDIFF_SCENARIO } from '../../src/fixture/scenarios.js';
import { runCli } from '../helpers/cli.js';
import { startEmailStack, type EmailStack } from '../helpers/email-instance.js';
import type { FixturePrometheus } from '../helpers/fixture.js';
import type { TestSmtpServer } from '../notify/email-server.js';

const DUE = '2026-11-01T06:00:00Z';

/** `report --month M --email`: the on-demand path of the monthly mail, through the same outbox key as the schedule. */
describe('report --email (real CLI, SQLite file, SMTP server, fixture Prometheus)', () => {
  let stack: EmailStack;
  let fixture: FixturePrometheus;
  let smtp: TestSmtpServer;
  let dir: string;

  const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, env, 60_000);

  /** A fresh service state: its own config (reports folder) and a copy of the synced ledger. */
  const instance = (name: string) => stack.instance(name);

  const tick = (args: string[], iso: string) => cli([...args, 'tick', '--at', iso]);

  beforeAll(async () => {
    stack = await startEmailStack(RENDIFF_SCENARIO, DUE, 'slo-ledger-report-email-');
    ({ fixture, smtp, dir } = stack);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('report --month 2026-10 --email mails it now through the outbox; again only with --force; bad combinations exit 2', async () => {
    const { args, reportsDir } = instance('on-demand');
    const before = smtp.received.length;
    const dry = await cli([...args, 'tick', '--dry-run', '--at', DUE]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('monthly report 2026-10: due since 2026-11-01T06:00:00.000Z (dry run: not produced)');
    expect(dry.stdout).not.toContain('nothing to deliver');
    const sent = await cli([...args, 'report', '--month', '2026-10', '--email']);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toContain(join(reportsDir, '2026-10', 'report.pdf'));
    expect(sent.stdout).toMatch(/report\/2026-10\/email: sent \(attempt 1\)/);
    expect(smtp.received.length).toBe(before + 1);
    const again = await cli([...args, 'report', '--month', '2026-10', '--email']);
    expect(again.stdout).toMatch(/report\/2026-10\/email: already sent; use --force to mail it again/);
    expect(smtp.received.length).toBe(before + 1);
    const forced = await cli([...args, 'report', '--month', '2026-10', '--email', '--force']);
    expect(forced.stdout).toMatch(/report\/2026-10\/email: sent \(attempt 1\)/);
    expect(smtp.received.length).toBe(before + 2);
    // The schedule knows the month is done: a tick at its due instant sends nothing more.
    expect((await tick(args, DUE)).stdout).toContain('monthly report 2026-10: already produced');
    expect(smtp.received.length).toBe(before + 2);

    const usage: Array<[string[], RegExp]> = [
      [['report', '--email'], /--email needs --month YYYY-MM/],
      [['report', '--month', '2026-10', '--force'], /--force applies to --email/],
      [['report', '--month', '2026-10', '--email', '--out', dir], /--out does not apply to --email/],
      [['report', '--month', '2026-11', '--email', '--at', '2026-11-15T00:00:00Z'], /--email: 2026-11 is not over \(it ends 2026-12-01T00:00:00.000Z\)/],
    ];
    for (const [command, message] of usage) {
      const result = await cli([...args, ...command]);
      expect(result.code, command.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    const noEmail = await cli(['--prometheus', fixture.prometheus.url, '--db', join(dir, 'no-email.db'), 'report', '--month', '2026-10', '--email']);
    expect(noEmail.code).toBe(2);
    expect(noEmail.stderr).toContain('--email: the config (built-in defaults) has no email section');
  });
});
