import type { SqliteRunner } from './database.js';

/**
 * The synchronous form of a store interface, every `Promise<R>` unwrapped to `R`: what a
 * better-sqlite3 class implements (SQLite answers at once, in process).
 */
export type Synchronous<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : never;
};

/** Every method name of a store interface, each once: checked by the compiler against the interface. */
export type MethodNames<T> = { readonly [K in keyof T]: true };

/**
 * The store interface over a synchronous better-sqlite3 store: each method hands its call to
 * `run`, which runs it at once (or once an open transaction has ended) and returns its result, or
 * its error, as a promise. `methods` names every method of the interface.
 */
export function asyncStore<T>(store: Synchronous<T>, methods: MethodNames<T>, run: SqliteRunner): T {
  const bound: Record<string, unknown> = {};
  for (const name of Object.keys(methods)) {
    const method = (store as Record<string, (...args: unknown[]) => unknown>)[name]!;
    bound[name] = (...args: unknown[]) => run(() => method.apply(store, args));
  }
  return bound as T;
}
