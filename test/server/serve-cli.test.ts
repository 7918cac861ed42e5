import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'slo-ledger-serve-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[]) => runCli(['--db', join(dir, 'x.db'), ...args], {}, 30_000);

describe('slo-ledger serve, usage errors', () => {
  it('exits 2 naming --listen when it is not HOST:PORT', async () => {
    const run = await cli(['serve', '--listen', '9464']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^slo-ledger: --listen: "9464" is not HOST:PORT/);
  });

  it('exits 2 naming --at when it is not a time', async () => {
    const run = await cli(['serve', '--listen', '127.0.0.1:9', '--at', 'noon']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--at: "noon" is not an ISO 8601 time/);
  });

  it('exits 1 with the address when the port is taken', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    try {
      const run = await cli(['serve', '--listen', `127.0.0.1:${port}`]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`cannot listen on 127.0.0.1:${port}: listen EADDRINUSE`);
    } finally {
      taken.close();
    }
  });
});
