import type { LedgerStores, LedgerTx } from '../ledger-stores.js';
import { fencedTransaction, type Lease } from './lease.js';
import { storesOn, type PostgresLedger } from './open-postgres-ledger.js';

/**
 * The ledger as the leader writes it in one term: every call of every store, and every
 * transaction, runs in a transaction that first checks the lease still carries `lease.token`
 * (`assertFencing`), so what a leader writes after losing the lease is refused and rolled back.
 * `check` runs before each call (the term's own clock, see `LeaderTerm.check`), so a leader that
 * knows it is done does not even ask. `close` leaves the ledger open: its owner closes it.
 */
export function fencedLedger(ledger: PostgresLedger, lease: Pick<Lease, 'name' | 'token'>, check: () => void): LedgerStores {
  const run = async <T>(work: (tx: LedgerTx) => Promise<T>): Promise<T> => {
    check();
    await ledger.ready;
    return fencedTransaction(ledger.pool, lease, (client) => work(storesOn(client)));
  };
  /** One store whose every method is one fenced transaction. */
  const fenced = <K extends keyof LedgerTx>(store: K): LedgerTx[K] =>
    new Proxy({} as LedgerTx[K], {
      get: (_target, method) => {
        // Not a promise: `await store` must not call `then` as a method.
        if (method === 'then' || typeof method !== 'string') return undefined;
        return (...args: unknown[]) => run((tx) => (tx[store] as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!(...args));
      },
    });
  return {
    buckets: fenced('buckets'),
    outbox: fenced('outbox'),
    alertState: fenced('alertState'),
    reportLog: fenced('reportLog'),
    corrections: fenced('corrections'),
    statements: fenced('statements'),
    transaction: (work) => run(work),
    close: async () => undefined,
  };
}
