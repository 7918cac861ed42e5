import type { Statement } from '../../domain/statement.js';
import { SloLedgerError } from '../../errors.js';
import type { Queryable } from './connection.js';
import type { StatementStore } from '../statement-store.js';

interface Row {
  month: string;
  version: number;
  kind: 'original' | 'restated';
  produced_ms: string;
  content_hash: string;
  slos: string;
  corrections: string;
  files: string;
  message_id: string | null;
}

/** The statements in PostgreSQL: the append-only `statements` table (triggers refuse changes). */
export class PostgresStatementStore implements StatementStore {
  constructor(private readonly db: Queryable) {}

  async append(statement: Statement): Promise<void> {
    const { rows } = await this.db.query<{ v: number | null }>('SELECT MAX(version) AS v FROM statements WHERE month = $1', [statement.month]);
    const next = (rows[0]?.v ?? 0) + 1;
    if (statement.version !== next) {
      throw new SloLedgerError(`statement ${statement.month}: version ${statement.version} cannot be recorded, the next version is ${next}`);
    }
    // Two writers racing for one version: the primary key lets one in.
    await this.db.query(
      'INSERT INTO statements (month, version, kind, produced_ms, content_hash, slos, corrections, files, message_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
      [statement.month, statement.version, statement.kind, statement.producedMs, statement.contentHash,
        JSON.stringify(statement.slos), JSON.stringify(statement.corrections), JSON.stringify(statement.files), statement.messageId],
    );
  }

  async latest(month: string): Promise<Statement | undefined> {
    const { rows } = await this.db.query<Row>('SELECT * FROM statements WHERE month = $1 ORDER BY version DESC LIMIT 1', [month]);
    return rows[0] === undefined ? undefined : fromRow(rows[0]);
  }

  async versions(month: string): Promise<Statement[]> {
    return (await this.db.query<Row>('SELECT * FROM statements WHERE month = $1 ORDER BY version', [month])).rows.map(fromRow);
  }

  async months(): Promise<Statement[]> {
    const { rows } = await this.db.query<Row>(
      'SELECT * FROM (SELECT DISTINCT ON (month) * FROM statements ORDER BY month, version DESC) latest ORDER BY month COLLATE "C" DESC',
    );
    return rows.map(fromRow);
  }
}

function fromRow(row: Row): Statement {
  return {
    month: row.month,
    version: row.version,
    kind: row.kind,
    producedMs: Number(row.produced_ms),
    contentHash: row.content_hash,
    slos: JSON.parse(row.slos) as Statement['slos'],
    corrections: JSON.parse(row.corrections) as Statement['corrections'],
    files: JSON.parse(row.files) as Statement['files'],
    messageId: row.message_id,
  };
}
