import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteBucketStore } from './bucket-store.js';
import { READ_METHODS, columnBuffers, type ReadAnswer, type ReadCall, type ReadThreadData } from './read-pool.js';

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
