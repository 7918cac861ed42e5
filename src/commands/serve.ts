import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import { parseAtOption, parseListenOption } from './options.js';
import { testHaltHooks } from './test-halt.js';

/** `serve`: the HTTP API, /metrics and the status page, with the tick on its schedule. */
export function registerServeCommand(program: Command, context: CommandContext): void {
  program
    .command('serve')
    .description('run the service: HTTP API, /metrics and the status page, with a ledger sync every minute')
    .option('--listen <host:port>', 'bind address (overrides server.listen; default 127.0.0.1:9464)')
    .option('--at <time>', 'pin the evaluation clock to this instant (ISO 8601), e.g. to serve backfilled data')
    .action(async (options: { listen?: string; at?: string }) => {
      const config = context.loadConfig();
      if (options.listen !== undefined) config.server.listen = parseListenOption(options.listen);
      const atMs = options.at === undefined ? undefined : parseAtOption(options.at, config.timeZone, Date.now());
      // The HTTP stack (fastify, prom-client) is loaded only by the command that serves.
      const { runServer } = await import('../runtime/run-server.js');
      await runServer({ config, ...(atMs === undefined ? {} : { atMs }), ...testHaltHooks(process.env) });
    });
}
