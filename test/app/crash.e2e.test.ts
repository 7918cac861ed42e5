import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_HALT_ENV, type HaltPoint } from '../../src/commands/test-halt.js';
import { RENDIFF_SCENARIO } from '../../src/fixture/scenarios.js';
import { runCli } from '../helpers/cli.js';
import { startEmailStack, type EmailStack } from '../helpers/email-instance.js';
import type { TestSmtpServer } from '../notify/email-server.js';

const DUE = '2026-11-01T06:00:00Z';
const LATER = '2026-11-01T06:01:00Z';

interface OutboxRow {
  id: number;
  key: string;
  status: string;
  attempts: number;
}

/**
 * Crash recovery of the real CLI (`node bin/slo-ledger.js` on the built dist/): the process kills
 * itself with SIGKILL at a chosen point (the test-only SLO_LEDGER_TEST_HALT_AT hook), then a
 * restarted tick must neither lose nor repeat the monthly mail. The SMTP server counts the mails.
 */
describe('the monthly mail survives SIGKILL at each point of its way (real CLI, SQLite file, SMTP server, fixture Prometheus)', () => {
  let stack: EmailStack;
  let smtp: TestSmtpServer;

  const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, env, 60_000);

  /** A fresh service state: its own config (reports folder) and a copy of the synced ledger. */
  const instance = (name: string) => stack.instance(name);

  const tick = (args: string[], iso: string, halt?: HaltPoint) => cli([...args, 'tick', '--at', iso], halt ? { [TEST_HALT_ENV]: halt } : {});
  const outbox = async (args: string[]): Promise<OutboxRow[]> => {
    const listed = await cli([...args, 'outbox', 'list', '--format', 'json']);
    expect(listed.code, listed.stderr).toBe(0);
    return JSON.parse(listed.stdout) as OutboxRow[];
  };

  beforeAll(async () => {
    stack = await startEmailStack(RENDIFF_SCENARIO, DUE, 'slo-ledger-crash-');
    ({ smtp } = stack);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('killed after the report is built and its mail queued, before sending: the restarted tick sends it once', async () => {
    const { args, reportsDir } = instance('after-queue');
    const before = smtp.received.length;
    const killed = await tick(args, DUE, 'report-queued');
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect(existsSync(join(reportsDir, '2026-10', 'report.pdf'))).toBe(true);
    expect(smtp.received.length).toBe(before);
    expect(await outbox(args)).toEqual([expect.objectContaining({ key: 'report/2026-10/email', status: 'pending', attempts: 0 })]);

    const restarted = await tick(args, LATER);
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(restarted.stdout).toContain('monthly report 2026-10: already produced');
    expect(restarted.stdout).toMatch(/report\/2026-10\/email: sent \(attempt 1\)/);
    expect(await tick(args, '2026-11-01T06:02:00Z')).toMatchObject({ code: 0 });
    expect(smtp.received.length).toBe(before + 1);
    expect(await outbox(args)).toEqual([expect.objectContaining({ status: 'sent', attempts: 1 })]);
  });

  it('killed after the row is marked sent: the restarted tick sends no second mail', async () => {
    const { args } = instance('after-mark');
    const before = smtp.received.length;
    expect((await tick(args, DUE, 'marked-sent')).signal).toBe('SIGKILL');
    expect(smtp.received.length).toBe(before + 1);
    const restarted = await tick(args, LATER);
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(restarted.stdout).toContain('nothing to deliver');
    expect(smtp.received.length).toBe(before + 1);
    expect(await outbox(args)).toEqual([expect.objectContaining({ status: 'sent', attempts: 1 })]);
  });

  it('killed between the SMTP server accepting and the row being marked: the one repeat at-least-once allows, with the same Message-ID', async () => {
    const { args } = instance('after-send');
    const before = smtp.received.length;
    expect((await tick(args, DUE, 'mail-sent')).signal).toBe('SIGKILL');
    expect(smtp.received.length).toBe(before + 1);
    const [row] = await outbox(args);
    expect(row).toMatchObject({ status: 'pending', attempts: 0 });
    // The dead attempt's claim holds the row for its lease (5 minutes): a restart right away does not send it twice at once.
    expect((await tick(args, LATER)).stdout).toContain('nothing to deliver');
    expect(smtp.received.length).toBe(before + 1);
    const retried = await cli([...args, 'outbox', 'retry', '--all']);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toContain(`${row!.id} report/2026-10/email: sent`);
    expect(smtp.received.length).toBe(before + 2);
    expect(smtp.received[before + 1]!.messageId).toBe(smtp.received[before]!.messageId);
  });
});
