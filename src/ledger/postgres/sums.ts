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

/** Pairs of float8 (big-endian) as PostgreSQL packs them: base64 of `string_agg(float8send(a) || float8send(b) ...)`. */
function pairs(packed: string | null): DataView {
  const bytes = packed === null ? Buffer.alloc(0) : Buffer.from(packed, 'base64');
  if (bytes.length % 16 !== 0) throw new Error(`a packed window of ${bytes.length} bytes is not a whole number of pairs of 8-byte floats`);
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** The exact sums of the first and of the second values of packed pairs, in the order packed. */
export function sumPairs(packed: string | null): [number, number] {
  const view = pairs(packed);
  const first = new ExactSum();
  const second = new ExactSum();
  for (let at = 0; at < view.byteLength; at += 16) {
    first.add(view.getFloat64(at));
    second.add(view.getFloat64(at + 8));
  }
  return [first.value, second.value];
}

/** The exact sums of the second values of packed pairs per first value (a histogram's bound), ascending by it. */
export function sumPairsByFirst(packed: string | null): Array<[number, number]> {
  const view = pairs(packed);
  const sums = new Map<number, ExactSum>();
  for (let at = 0; at < view.byteLength; at += 16) {
    const key = view.getFloat64(at);
    let sum = sums.get(key);
    if (sum === undefined) sums.set(key, (sum = new ExactSum()));
    sum.add(view.getFloat64(at + 8));
  }
  return [...sums].sort(([a], [b]) => a - b).map(([key, sum]) => [key, sum.value]);
}
