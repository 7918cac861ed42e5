import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where one email service instance lives: `dir` holds its files, `baseDb` is the synced ledger it starts from. */
export interface EmailInstanceOptions {
  dir: string;
  name: string;
  smtpPort: number;
  prometheusUrl: string;
  baseDb: string;
}

/** A fresh service state: its own config (email to the SMTP port, reports folder) and a copy of the synced ledger. */
export function emailInstance({ dir, name, smtpPort, prometheusUrl, baseDb }: EmailInstanceOptions): { args: string[]; reportsDir: string } {
  const reportsDir = join(dir, `reports-${name}`);
  const config = join(dir, `${name}.yaml`);
  writeFileSync(config, [
    'email:',
    `  smtp: smtp://127.0.0.1:${smtpPort}?starttls=off`,
    '  from: SLO reports <slo@example.com>',
    '  to: ops@example.com',
    'server:',
    `  reports_dir: ${JSON.stringify(reportsDir)}`,
    '',
  ].join('\n'));
  const db = join(dir, `${name}.db`);
  copyFileSync(baseDb, db);
  return { args: ['--config', config, '--prometheus', prometheusUrl, '--db', db], reportsDir };
}
