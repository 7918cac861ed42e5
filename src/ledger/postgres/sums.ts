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
