import { describe, expect, it } from 'vitest';
import { parseDatabaseLocation } from '../../src/config/database-location.js';
import { loadConfig } from '../../src/config/load-config.js';
import { redactSecrets } from '../../src/errors.js';
import { catchConfigError, writeConfig } from './helpers.js';

describe('database: a SQLite file or a PostgreSQL URL', () => {
  it('reads paths, sqlite: and postgres:// URLs', () => {
    expect(parseDatabaseLocation('./slo-ledger.db')).toEqual({ engine: 'sqlite', path: './slo-ledger.db' });
    expect(parseDatabaseLocation('sqlite:/var/lib/slo/ledger.db')).toEqual({ engine: 'sqlite', path: '/var/lib/slo/ledger.db' });
    expect(parseDatabaseLocation('sqlite:///var/lib/slo/ledger.db')).toEqual({ engine: 'sqlite', path: '/var/lib/slo/ledger.db' });
    expect(parseDatabaseLocation('postgresql://slo@db:5432/slo?sslmode=require')).toEqual({ engine: 'postgres', url: 'postgresql://slo@db:5432/slo?sslmode=require' });
    expect(() => parseDatabaseLocation('postgress://slo@db/slo')).toThrow('postgress:// is not a ledger database');
    expect(() => parseDatabaseLocation('sqlite:')).toThrow('sqlite: needs a file path');
  });

  it('refuses an unknown scheme at its line, takes DATABASE_URL, and keeps the password out of everything shown', () => {
    const bad = writeConfig(['database: mysql://slo@db/slo']);
    expect(catchConfigError(() => loadConfig({ file: bad, env: {} })).message).toMatch(/:1:11: database: mysql:\/\/ is not a ledger database/);
    const file = writeConfig(['database: postgres://slo:${DB_PASSWORD}@db:5432/slo']);
    const config = loadConfig({ file, env: { DB_PASSWORD: 'pw-in-the-url-1' } });
    expect(config.databasePath).toBe('postgres://slo:pw-in-the-url-1@db:5432/slo');
    expect(redactSecrets(`could not reach ${config.databasePath}`, config.secrets)).toBe('could not reach postgres://slo:***@db:5432/slo');
    const fromEnv = loadConfig({ file, env: { DB_PASSWORD: 'x', DATABASE_URL: 'postgres://other@db2/slo', PGPASSWORD: 'pg-password-2' } });
    expect(fromEnv.databasePath).toBe('postgres://other@db2/slo');
    expect(fromEnv.secrets).toContain('pg-password-2');
    expect(catchConfigError(() => loadConfig({ file, env: { DB_PASSWORD: 'x', DATABASE_URL: 'postgress://x@db/slo' } })).message).toContain('DATABASE_URL (environment)');
  });
});
