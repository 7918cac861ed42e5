/**
 * Sums the way SQLite's SUM() sums REAL values (Kahan–Babuška–Neumaier, in the order given), so a
 * window summed from the PostgreSQL ledger equals the same window summed by SQLite to the last bit:
 * both engines must give the same numbers, and PostgreSQL's own sum(float8) adds naively.
 */
export class ExactSum {
  private sum = 0;
  private error = 0;

  add(value: number): void {
    const t = this.sum + value;
    if (Math.abs(this.sum) > Math.abs(value)) this.error += this.sum - t + value;
    else this.error += value - t + this.sum;
    this.sum = t;
  }

  /** The sum so far; 0 when nothing was added (SQLite's COALESCE(SUM(x), 0)). */
  get value(): number {
    return Number.isFinite(this.error) ? this.sum + this.error : this.sum;
  }
}

/**
 * A window's rows as `sumWindow` packs them in PostgreSQL (base64 of `string_agg` over records of a
 * bucket end, int8, then `width` float8 values, big-endian), in the order the query sorted them.
 * The sums depend on that order (by bucket end, then, `byBound`, by the first value: a histogram's
 * bound), so it is checked, and the records sorted here should the server ever hand them over in another.
 */
function unpack(packed: string | null, width: number, byBound: boolean): { view: DataView; size: number; order: number[] } {
  const bytes = packed === null ? Buffer.alloc(0) : Buffer.from(packed, 'base64');
  const size = 8 * (1 + width);
  if (bytes.length % size !== 0) throw new Error(`a packed window of ${bytes.length} bytes is not a whole number of ${size}-byte records`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const count = bytes.length / size;
  const end = (i: number) => view.getInt32(i * size) * 2 ** 32 + view.getUint32(i * size + 4);
  const bound = (i: number) => (byBound ? view.getFloat64(i * size + 8) : 0);
  const order = Array.from({ length: count }, (_, i) => i);
  let lastEnd = -Infinity;
  let lastBound = -Infinity;
  for (let i = 0; i < count; i++) {
    const e = end(i);
    const b = bound(i);
    if (e < lastEnd || (e === lastEnd && b <= lastBound)) {
      const cmp = (x: number, y: number) => (x < y ? -1 : x > y ? 1 : 0);
      return { view, size, order: order.sort((p, q) => cmp(end(p), end(q)) || cmp(bound(p), bound(q))) };
    }
    lastEnd = e;
    lastBound = b;
  }
  return { view, size, order };
}

/** The exact sums of each value column of a packed window (records of end, then `width` values). */
export function sumPacked(packed: string | null, width: number): number[] {
  const { view, size, order } = unpack(packed, width, false);
  const sums = Array.from({ length: width }, () => new ExactSum());
  for (const i of order) {
    for (let column = 0; column < width; column++) sums[column]!.add(view.getFloat64(i * size + 8 * (column + 1)));
  }
  return sums.map((sum) => sum.value);
}

/** A packed histogram window (records of end, bound, count) summed per bound, ascending by bound. */
export function sumPackedByBound(packed: string | null): Array<{ le: number; count: number }> {
  const { view, size, order } = unpack(packed, 2, true);
  const byBound = new Map<number, ExactSum>();
  for (const i of order) {
    const le = view.getFloat64(i * size + 8);
    let sum = byBound.get(le);
    if (sum === undefined) byBound.set(le, (sum = new ExactSum()));
    sum.add(view.getFloat64(i * size + 16));
  }
  return [...byBound].sort(([a], [b]) => a - b).map(([le, sum]) => ({ le, count: sum.value }));
}
