import Database from 'better-sqlite3';
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteBucketStore } from './bucket-store.js';
import { READ_METHODS, READ_THREAD_NICE, columnBuffers, type ReadAnswer, type ReadCall, type ReadThreadData } from './read-pool.js';

/**
 * A read thread of the SQLite ledger (see read-pool.ts): a read-only connection of its own to the
 * ledger file, answering the calls the pool posts one at a time, in the order they came, with the
 * bucket store's own methods (the same statements as on the main connection).
 */
const { path } = workerData as ReadThreadData;
let db: Database.Database;
try {
  db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 10000');
} catch (error) {
  throw new Error(`cannot open it read-only: ${(error as Error).message}`, { cause: error });
}
const store = new SqliteBucketStore(db);
lowerThreadPriority();

parentPort!.on('message', ({ id, method, args }: ReadCall) => {
  let answer: ReadAnswer;
  let transfer: ArrayBuffer[] = [];
  try {
    if (!Object.hasOwn(READ_METHODS, method)) throw new Error(`${String(method)} is not a read of the ledger's buckets`);
    const result = (store[method] as (...a: unknown[]) => unknown).apply(store, args);
    if (method === 'readBucketColumns') transfer = columnBuffers(result as ReturnType<SqliteBucketStore['readBucketColumns']>);
    answer = { id, result };
  } catch (error) {
    const { name, message, code } = error as Error & { code?: unknown };
    answer = { id, error: { name, message, ...(typeof code === 'string' ? { code } : {}) } };
  }
  parentPort!.postMessage(answer, transfer);
});

/**
 * Makes this thread yield the cores to the process's event loop (Linux: the nice value of this
 * thread only, {@link READ_THREAD_NICE} above the process's). A thousand SLOs evaluated at once keep
 * both read threads busy; at the same priority, /healthz and the request the loop is writing wait
 * for a core behind them. Elsewhere, or where it is refused, the thread keeps the process's priority.
 */
function lowerThreadPriority(): void {
  try {
    // "/proc/thread-self" → "<pid>/task/<tid>": the thread's own id, which setpriority takes on Linux.
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, Math.min(19, getPriority(tid) + READ_THREAD_NICE));
  } catch {
    // Not Linux, or not allowed: nothing to do.
  }
}
