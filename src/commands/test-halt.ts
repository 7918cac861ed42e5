import type { DeliveryStep } from '../notify/outbox-delivery.js';

/**
 * Where a crash test may stop the process (TEST ONLY): `report-queued` after a monthly report is
 * built and its mail queued, before delivery; `mail-sent` after the SMTP server accepted a mail,
 * before the outbox row is marked; `marked-sent` after it is marked.
 */
export type HaltPoint = 'report-queued' | 'mail-sent' | 'marked-sent';

/** The environment variable that arms a halt point. Never set it outside the test suite. */
export const TEST_HALT_ENV = 'SLO_LEDGER_TEST_HALT_AT';
/** With `SIGSTOP`, the process pauses itself at the halt point instead (a test continues it with SIGCONT). */
export const TEST_HALT_SIGNAL_ENV = 'SLO_LEDGER_TEST_HALT_SIGNAL';

/**
 * TEST ONLY: the crash hooks the `tick` and `serve` commands install. When
 * `SLO_LEDGER_TEST_HALT_AT` names a halt point, the process kills itself with SIGKILL there —
 * the crash-recovery tests (test/app/crash.e2e.test.ts) use it to show that a crash at each point
 * neither loses nor repeats the monthly mail. With `SLO_LEDGER_TEST_HALT_SIGNAL=SIGSTOP` it pauses
 * itself there instead, once: the replica tests pause a leader mid-tick past its lease. Unset
 * (always, outside tests), the hooks do nothing.
 */
export function testHaltHooks(env: NodeJS.ProcessEnv): { onReportQueued?: () => void; onDeliveryStep?: (step: DeliveryStep) => void } {
  const point = env[TEST_HALT_ENV];
  if (point === undefined || point === '') return {};
  const pause = env[TEST_HALT_SIGNAL_ENV] === 'SIGSTOP';
  let paused = false;
  const halt = (at: HaltPoint) => {
    if (point !== at) return;
    if (pause) {
      if (paused) return;
      paused = true;
      process.stderr.write(`slo-ledger: ${TEST_HALT_ENV}=${at}: pausing this process (fault test)\n`);
      process.kill(process.pid, 'SIGSTOP');
      process.stderr.write(`slo-ledger: ${TEST_HALT_ENV}=${at}: continued\n`);
      return;
    }
    process.stderr.write(`slo-ledger: ${TEST_HALT_ENV}=${at}: killing this process (crash test)\n`);
    process.kill(process.pid, 'SIGKILL');
  };
  return {
    onReportQueued: () => halt('report-queued'),
    onDeliveryStep: (step) => halt(step.stage === 'sent' ? 'mail-sent' : 'marked-sent'),
  };
}
