import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, appendFileSync, chownSync, constants, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, parse } from 'node:path';
import pg from 'pg';
import { freePort } from '../../src/fixture/prometheus-server.js';

/**
 * A real PostgreSQL server (Debian's `postgresql`) of its own, in a temporary folder, listening on
 * a free 127.0.0.1 port with a generated password. Made for tests: fsync off, small buffers.
 */
export interface RunningPostgres {
  /** `postgres://postgres:PASSWORD@127.0.0.1:PORT/slo_ledger_test`: the database made at start. */
  readonly url: string;
  readonly port: number;
  /** The superuser's generated password (it is in `url` too). */
  readonly password: string;
  /** The postmaster's process id while the server runs (it changes with `restart`). */
  readonly pid: number | undefined;
  /** Makes another empty database on this server and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /**
   * Stops the server and starts it again on the same port and data, for fault tests: every open
   * connection is cut. `immediate` stops it the way a crash would (recovery at the next start).
   * `whileDown` runs between the stop and the start (the server is started again even if it throws).
   */
  restart(mode?: 'fast' | 'immediate', whileDown?: () => Promise<void>): Promise<void>;
  /** Stops the server and removes its folder; idempotent. */
  stop(): Promise<void>;
}

/** Where Debian keeps each major version's server binaries (initdb, pg_ctl), off PATH. */
const DEBIAN_ROOT = '/usr/lib/postgresql';
const MISSING =
  "PostgreSQL's server binaries (initdb, pg_ctl) were found neither under /usr/lib/postgresql/*/bin nor on PATH: " +
  "install Debian's postgresql package (`bash .ci/system-deps.sh postgresql`, or `apt-get install postgresql`)";
const SUPERUSER = 'postgres';
const DATABASE = 'slo_ledger_test';
/** Settings for a throwaway server: durability off, little memory, quiet log. */
const SETTINGS = [
  "listen_addresses = '127.0.0.1'",
  'fsync = off',
  'synchronous_commit = off',
  'full_page_writes = off',
  'wal_level = minimal',
  'max_wal_senders = 0',
  'shared_buffers = 16MB',
  'max_connections = 60',
  'log_min_messages = warning',
  "log_line_prefix = '%m [%p] '",
];

/**
 * Starts PostgreSQL: initdb in a new temporary folder (password authentication on 127.0.0.1,
 * trust on the folder's own Unix socket), `pg_ctl start` on a free port, waits (bounded) until it
 * accepts connections and creates the database of `url`. As root (CI runs as root) every server
 * command runs as `nobody`, which owns the folder: PostgreSQL refuses to run as root.
 */
export async function startPostgres(readyTimeoutMs = 60_000): Promise<RunningPostgres> {
  const bin = findBinaries();
  const user = serverUser();
  const home = mkdtempSync(join(tmpdirFor(user), 'slo-ledger-pg-'));
  const data = join(home, 'data');
  const log = join(home, 'postgres.log');
  const password = randomBytes(18).toString('base64url');
  const run = (binary: string, args: string[], timeoutMs: number) => runAs(user, home, join(bin, binary), args, timeoutMs);
  let port = 0;
  let running = false;

  const pidOf = (): number | undefined => {
    try {
      const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  };
  const logTail = () => (existsSync(log) ? readFileSync(log, 'utf8').slice(-3000) : '');
  /** Starts on a free port (`samePort`: the one it had), retrying elsewhere when the port was taken meanwhile. */
  const start = async (samePort: boolean) => {
    for (let attempt = 1; ; attempt++) {
      if (!samePort) port = await freePort();
      if (existsSync(log)) writeFileSync(log, '');
      try {
        await run('pg_ctl', ['start', '-D', data, '-l', log, '-w', '-t', String(Math.ceil(readyTimeoutMs / 1000)), '-s', '-o', `-p ${port}`], readyTimeoutMs + 5_000);
        running = true;
        await waitForConnections(urlFor(port, 'postgres'), readyTimeoutMs);
        return;
      } catch (error) {
        const output = logTail();
        await stopServer('immediate').catch(() => undefined);
        if (samePort || attempt >= 3 || !/address already in use/i.test(output)) {
          throw new Error(`PostgreSQL did not start on 127.0.0.1:${port}: ${(error as Error).message}\n${output}`, { cause: error });
        }
      }
    }
  };
  const stopServer = async (mode: 'fast' | 'immediate') => {
    const pid = pidOf();
    try {
      await run('pg_ctl', ['stop', '-D', data, '-m', mode, '-w', '-t', '30', '-s'], 35_000);
    } catch (error) {
      // pg_ctl could not stop it, or it was not running: make sure nothing is left behind.
      if (pid !== undefined && isAlive(pid)) {
        process.kill(pid, 'SIGKILL');
        const deadline = Date.now() + 10_000;
        while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        if (isAlive(pid)) throw error;
      }
    }
    running = false;
  };
  const urlFor = (p: number, database: string) => `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${p}/${database}`;

  // Leave nothing running if the test process ends without calling stop().
  const onExit = () => {
    if (running) {
      const [file, args, options] = command(user, home, join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-s']);
      spawnSync(file, args, { ...options, stdio: 'ignore', timeout: 10_000 });
    }
    rmSync(home, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', onExit);
    try {
      if (running) await stopServer('immediate');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  };

  try {
    const pwfile = join(home, 'pwfile');
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (user !== undefined) {
      chownSync(home, user.uid, user.gid);
      chownSync(pwfile, user.uid, user.gid);
    }
    await run(
      'initdb',
      ['-D', data, '-U', SUPERUSER, `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'],
      120_000,
    );
    rmSync(pwfile);
    const settings = [...SETTINGS, `unix_socket_directories = '${home}'`];
    appendFileSync(join(data, 'postgresql.conf'), `\n# slo-ledger tests\n${settings.join('\n')}\n`);
    await start(false);
    await createDatabase(urlFor(port, 'postgres'), DATABASE);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    get url() {
      return urlFor(port, DATABASE);
    },
    get port() {
      return port;
    },
    password,
    get pid() {
      return running ? pidOf() : undefined;
    },
    async createDatabase(name = `db_${randomBytes(6).toString('hex')}`) {
      await createDatabase(urlFor(port, 'postgres'), name);
      return urlFor(port, name);
    },
    async restart(mode = 'fast', whileDown) {
      if (stopped) throw new Error('this PostgreSQL was stopped');
      await stopServer(mode);
      try {
        await whileDown?.();
      } finally {
        await start(true);
      }
    },
    stop,
  };
}

/** The newest Debian server binaries, else initdb and pg_ctl from PATH. */
function findBinaries(): string {
  const hasBoth = (dir: string) => ['initdb', 'pg_ctl'].every((b) => isExecutable(join(dir, b)));
  const versions = existsSync(DEBIAN_ROOT) ? readdirSync(DEBIAN_ROOT).filter((v) => /^\d+(\.\d+)?$/.test(v)) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  const candidates = [...versions.map((v) => join(DEBIAN_ROOT, v, 'bin')), ...(process.env.PATH ?? '').split(delimiter).filter((d) => d !== '')];
  const found = candidates.find(hasBoth);
  if (found === undefined) {
    console.error(`slo-ledger tests: ${MISSING}`);
    throw new Error(MISSING);
  }
  return found;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The unprivileged account the server runs as when the tests run as root. */
interface ServerUser {
  uid: number;
  gid: number;
}

function serverUser(): ServerUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch (error) {
    throw new Error('running as root, and there is no `nobody` user to run PostgreSQL as', { cause: error });
  }
}

/** The temporary folder, or /tmp when `nobody` could not reach into it (a root-only TMPDIR). */
function tmpdirFor(user: ServerUser | undefined): string {
  const base = tmpdir();
  if (user === undefined) return base;
  for (let dir = base; ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return '/tmp';
    if (dir === parse(dir).root) return base;
  }
}

/** `binary args` as it is run: directly, or as the server user (setpriv, else runuser). */
function command(user: ServerUser | undefined, home: string, binary: string, args: string[]): [string, string[], { env: NodeJS.ProcessEnv; cwd: string }] {
  // No PG* variable of the caller's may steer initdb or pg_ctl (PGDATA, PGPORT, PGPASSWORD …).
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('PG')));
  env.HOME = home;
  env.LC_ALL = 'C';
  const options = { env, cwd: home };
  if (user === undefined) return [binary, args, options];
  if (isOnPath('setpriv')) return ['setpriv', [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--', binary, ...args], options];
  return ['runuser', ['-u', 'nobody', '--', binary, ...args], options];
}

function isOnPath(name: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && isExecutable(join(dir, name)));
}

/** Runs a server command to its end (bounded), failing with its output. */
function runAs(user: ServerUser | undefined, home: string, binary: string, args: string[], timeoutMs: number): Promise<void> {
  const [file, fileArgs, options] = command(user, home, binary, args);
  return new Promise((resolve, reject) => {
    execFile(file, fileArgs, { ...options, timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (error === null) resolve();
      else reject(new Error(`${binary.split('/').pop()} ${args[0] ?? ''} failed: ${error.message.split('\n')[0]}\n${stdout}${stderr}`.trim()));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits (bounded) until the server answers a query on `url`. */
async function waitForConnections(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`PostgreSQL accepted no connection within ${timeoutMs} ms: ${(error as Error).message}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

async function createDatabase(adminUrl: string, name: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
