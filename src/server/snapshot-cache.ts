/** Results one cache keeps at most (one per instant and set of parameters asked for). */
const DEFAULT_CAPACITY = 8;

/**
 * What a route computed from the ledger, kept while the ledger stays as it was. `revision` names
 * the ledger's state (`HttpServerDeps.ledgerRevision`: it changes with every write, by this process
 * or another, corrections included); the key names what was asked (the bucket-floored instant and
 * the parameters). A request gets the result for the revision it sees when it arrives: computed
 * once, shared by the requests that ask meanwhile, and dropped as soon as the revision changes, so
 * a request after a tick, a sync or a correction never gets figures from before it. Without
 * `revision` every call computes afresh. A failed computation is not kept.
 */
export class SnapshotCache<T> {
  private readonly entries = new Map<string, Promise<T>>();
  private revisionSeen: string | undefined;

  constructor(
    private readonly revision: (() => string) | undefined,
    private readonly capacity = DEFAULT_CAPACITY,
  ) {}

  /** The result for `key` at the ledger's current revision; `compute` runs only when there is none yet. */
  get(key: string, compute: () => Promise<T>): Promise<T> {
    if (this.revision === undefined) return compute();
    const revision = this.revision();
    if (revision !== this.revisionSeen) {
      this.entries.clear();
      this.revisionSeen = revision;
    }
    const known = this.entries.get(key);
    if (known !== undefined) {
      // Most recently used last: the oldest is the first to go.
      this.entries.delete(key);
      this.entries.set(key, known);
      return known;
    }
    const result = compute();
    this.entries.set(key, result);
    result.catch(() => {
      if (this.entries.get(key) === result) this.entries.delete(key);
    });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(oldest);
    }
    return result;
  }
}
