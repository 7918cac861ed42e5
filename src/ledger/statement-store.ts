import type { Statement } from '../domain/statement.js';

export type { Statement };

/** The statements of the monthly reports: append-only, one row per version. */
export interface StatementStore {
  /** Appends a statement; its version must be the next one of its month (1 for the first). */
  append(statement: Statement): Promise<void>;
  /** The latest version of a month's statement; undefined when the month was never stated. */
  latest(month: string): Promise<Statement | undefined>;
  /** Every version of a month, oldest first. */
  versions(month: string): Promise<Statement[]>;
  /** The months with a statement, newest first, with their latest version. */
  months(): Promise<Statement[]>;
}
