import Database from 'better-sqlite3';
import { Worker } from 'node:worker_threads';
import type { BucketColumns } from '../../domain/bucket.js';
import { LedgerError } from '../../errors.js';
import type { BucketReader, BucketStore } from '../bucket-store.js';
import type { MethodNames } from './synchronous.js';

/**
 * What a read thread answers: the bucket store's methods that only read: every one of
 * {@link BucketReader}, and the scans of the sync and the statements. Nothing that writes.
 */
export type BucketReads = BucketReader & Pick<BucketStore, 'unsettledBucketEnds' | 'lastDataEndMs' | 'changesSince'>;

/** The name of one of {@link BucketReads}. */
export type ReadMethod = keyof BucketReads;

/** The read methods, each once (checked by the compiler): what a read thread accepts. */
export const READ_METHODS: MethodNames<BucketReads> = {
  findSeries: true, listGroups: true, sumWindow: true, sumWindows: true, readBuckets: true, readBucketColumns: true, bucketStatus: true, noDataRuns: true,
  unsettledBucketEnds: true, lastDataEndMs: true, changesSince: true,
};

/** How much lower a read thread's priority is than the process's (Linux nice steps). */
export const READ_THREAD_NICE = 10;

/** What a read thread is started with. */
export interface ReadThreadData {
  /** The ledger's SQLite file. */
  path: string;
}

/** One call posted to a read thread. */
export interface ReadCall {
  id: number;
  method: ReadMethod;
  args: unknown[];
}

/** A read thread's answer to one call: its result, or its error as plain fields. */
export type ReadAnswer = { id: number; result: unknown } | { id: number; error: { name: string; message: string; code?: string } };

/** The thread entry: the compiled file next to this one, or, run from the TypeScript sources (tests, tsx), a bootstrap that loads tsx first. */
const ENTRY = import.meta.url.endsWith('.ts') ? new URL('./read-worker-source.mjs', import.meta.url) : new URL('./read-worker.js', import.meta.url);

interface Pending {
  method: ReadMethod;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** One running thread and the calls it has not answered yet. */
interface ReadThread {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Set once the thread failed or was stopped: it takes no more calls. */
  gone: boolean;
}

/**
 * Threads that answer the ledger's bucket reads ({@link BucketReads}) off the main thread, each
 * on a read-only connection of its own to the SQLite file. The file is in WAL mode: a reader
 * neither waits for the writer (the main connection) nor blocks it, and every statement sees what
 * was committed when it began, as another process would. The statements are the ones the main
 * connection runs (the same `SqliteBucketStore` methods), so every sum is the same to the
 * last bit. A thread starts at the first call that finds the others busy, up to `size`; a call
 * goes to an idle thread, else to the one with the fewest calls waiting. A thread that fails (it
 * cannot open the file, or stops) rejects the calls it had not answered with a {@link LedgerError}
 * that says so, and the next call starts a new one. An idle thread does not keep the process alive.
 */
export class SqliteReadPool {
  private readonly threads: ReadThread[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private nextId = 0;
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly size: number,
  ) {}

  /** The read methods, each answered by a thread. */
  reader(): BucketReads {
    const reader: Record<string, unknown> = {};
    for (const method of Object.keys(READ_METHODS) as ReadMethod[]) reader[method] = (...args: unknown[]) => this.call(method, args);
    return reader as unknown as BucketReads;
  }

  /** Runs `method` with `args` on a thread and hands back its result, or its error. */
  call(method: ReadMethod, args: unknown[]): Promise<unknown> {
    if (this.closed) return Promise.reject(new LedgerError(`the ledger ${this.path} is closed; ${method} was not read`));
    const thread = this.pick();
    const id = this.nextId++;
    const answer = new Promise<unknown>((resolve, reject) => thread.pending.set(id, { method, resolve, reject }));
    try {
      thread.worker.postMessage({ id, method, args } satisfies ReadCall);
    } catch (error) {
      // Arguments that cannot be sent to a thread (structured clone).
      thread.pending.delete(id);
      return Promise.reject(error);
    }
    // While it has calls to answer a thread keeps the process alive, so an awaited read is never cut short.
    thread.worker.ref();
    this.inFlight.add(answer);
    const forget = () => this.inFlight.delete(answer);
    answer.then(forget, forget);
    return answer;
  }

  /** Stops the threads once the calls already made have been answered; idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    const stopping = this.threads.splice(0).map((thread) => {
      thread.gone = true;
      return thread.worker.terminate();
    });
    await Promise.all(stopping);
  }

  private pick(): ReadThread {
    const idle = this.threads.find((t) => t.pending.size === 0);
    if (idle !== undefined) return idle;
    if (this.threads.length < this.size) return this.start();
    return this.threads.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  }

  private start(): ReadThread {
    const worker = new Worker(ENTRY, { workerData: { path: this.path } satisfies ReadThreadData });
    const thread: ReadThread = { worker, pending: new Map(), gone: false };
    worker.on('message', (answer: ReadAnswer) => {
      const call = thread.pending.get(answer.id);
      if (call === undefined) return;
      thread.pending.delete(answer.id);
      if (thread.pending.size === 0) worker.unref();
      if ('error' in answer) call.reject(rebuildError(answer.error));
      else call.resolve(answer.result);
    });
    worker.on('error', (error) => this.fail(thread, error.message));
    worker.on('exit', (code) => this.fail(thread, `it exited with code ${code}`));
    worker.unref();
    this.threads.push(thread);
    return thread;
  }

  /** Takes a thread that failed out of the pool and rejects the calls it had not answered. */
  private fail(thread: ReadThread, reason: string): void {
    if (thread.gone) return;
    thread.gone = true;
    this.threads.splice(this.threads.indexOf(thread), 1);
    for (const call of thread.pending.values()) {
      call.reject(new LedgerError(`a read thread of the ledger ${this.path} failed before answering ${call.method}: ${reason}`));
    }
    thread.pending.clear();
    void thread.worker.terminate();
  }
}

/** The error a thread sent back, as the main connection would have thrown it (a SqliteError keeps its class and code). */
function rebuildError({ name, message, code }: { name: string; message: string; code?: string }): Error {
  if (name === 'SqliteError' && code !== undefined) return new Database.SqliteError(message, code);
  const error = new Error(message);
  error.name = name;
  return error;
}

/** The buffers of a {@link BucketColumns} result: moved to the main thread, not copied. */
export function columnBuffers(columns: BucketColumns): ArrayBuffer[] {
  return [columns.endMs.buffer, columns.status.buffer, columns.good.buffer, columns.total.buffer] as ArrayBuffer[];
}
