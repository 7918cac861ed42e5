/**
 * Polls `probe` every 100 ms until it is true or `timeoutMs` passes (then throws, naming `what`).
 * An error the probe throws ends the wait at once (e.g. "the server exited early").
 */
export async function waitFor(what: string, timeoutMs: number, probe: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
