import type Database from 'better-sqlite3';
import { SloLedgerError } from '../../errors.js';
import type { Statement } from '../../domain/statement.js';
import type { StatementStore } from '../statement-store.js';
import type { Synchronous } from './synchronous.js';

interface Row {
  month: string;
  version: number;
  kind: 'original' | 'restated';
  produced_ms: number;
  content_hash: string;
  slos: string;
  corrections: string;
  files: string;
  message_id: string | null;
}

/** The statements in SQLite: the append-only `statements` table. */
export class SqliteStatementStore implements Synchronous<StatementStore> {
  constructor(private readonly db: Database.Database) {}

  append(statement: Statement): void {
    const next = ((this.db.prepare('SELECT MAX(version) AS v FROM statements WHERE month = ?').get(statement.month) as { v: number | null }).v ?? 0) + 1;
    if (statement.version !== next) {
      throw new SloLedgerError(`statement ${statement.month}: version ${statement.version} cannot be recorded, the next version is ${next}`);
    }
    this.db
      .prepare('INSERT INTO statements (month, version, kind, produced_ms, content_hash, slos, corrections, files, message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(statement.month, statement.version, statement.kind, statement.producedMs, statement.contentHash,
        JSON.stringify(statement.slos), JSON.stringify(statement.corrections), JSON.stringify(statement.files), statement.messageId);
  }

  latest(month: string): Statement | undefined {
    const row = this.db.prepare('SELECT * FROM statements WHERE month = ? ORDER BY version DESC LIMIT 1').get(month) as Row | undefined;
    return row === undefined ? undefined : fromRow(row);
  }

  versions(month: string): Statement[] {
    return (this.db.prepare('SELECT * FROM statements WHERE month = ? ORDER BY version').all(month) as Row[]).map(fromRow);
  }

  months(): Statement[] {
    const rows = this.db
      .prepare('SELECT s.* FROM statements s JOIN (SELECT month, MAX(version) AS v FROM statements GROUP BY month) m ON s.month = m.month AND s.version = m.v ORDER BY s.month DESC')
      .all() as Row[];
    return rows.map(fromRow);
  }
}

function fromRow(row: Row): Statement {
  return {
    month: row.month,
    version: row.version,
    kind: row.kind,
    producedMs: row.produced_ms,
    contentHash: row.content_hash,
    slos: JSON.parse(row.slos) as Statement['slos'],
    corrections: JSON.parse(row.corrections) as Statement['corrections'],
    files: JSON.parse(row.files) as Statement['files'],
    messageId: row.message_id,
  };
}
