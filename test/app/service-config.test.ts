import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { printConfig } from '../../src/config/print-config.js';
import { ConfigError } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'slo-ledger-service-config-'));
let files = 0;

function writeConfig(lines: string[]): string {
  const file = join(dir, `config-${++files}.yaml`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, env, 30_000);

function diagnostics(file: string, env: Record<string, string> = {}): string[] {
  try {
    loadConfig({ file, env });
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split('\n');
    throw error;
  }
  return [];
}

const EMAIL = ['email:', '  smtp: smtp://mail.example:587', '  from: slo@example.com', '  to: [ops@example.com]'];

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('schedule and email config: validated at start, FILE:LINE errors, exit 2', () => {
  it('a bad cron expression names the file, line and field; tick and serve exit 2 before doing anything', async () => {
    const file = writeConfig(['schedule:', '  tick: "*/1 * * * *"', '  monthly_report: "0 6 32 * *"']);
    expect(diagnostics(file)).toEqual([`${file}:3:19: schedule.monthly_report: not a valid cron expression (32 is a invalid expression for day of month); e.g. "0 6 1 * *" is 06:00 on the 1st of every month`]);
    for (const command of [['tick'], ['serve', '--listen', '127.0.0.1:0']]) {
      const result = await cli(['--config', file, '--db', join(dir, 'never.db'), ...command]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`${file}:3:19: schedule.monthly_report: not a valid cron expression`);
    }
    expect(diagnostics(writeConfig(['schedule:', '  tick: every minute']))[0]).toMatch(/:2:9: schedule\.tick: not a valid cron expression \(expected 5 or 6 fields but got 2\)/);
  });

  it('a bad SMTP URL is refused with its reason, and the password in it is never repeated', async () => {
    const cases: Array<[string, RegExp]> = [
      ['http://mail.example', /email\.smtp: scheme must be smtp:\/\/ \(STARTTLS\) or smtps:\/\/ \(TLS\), not http:\/\//],
      ['mail.example:587', /email\.smtp: (not a URL|scheme must be)/],
      ['smtp://u:${SMTP_PASS}@mail.example?tls=yes', /email\.smtp: unknown parameter "tls" \(only starttls\)/],
      ['smtp://mail.example?starttls=maybe', /email\.smtp: starttls must be required, opportunistic or off/],
    ];
    for (const [url, message] of cases) {
      const file = writeConfig(['email:', `  smtp: ${url}`, '  from: slo@example.com', '  to: ops@example.com']);
      const result = await cli(['--config', file, 'config', 'check'], { SMTP_PASS: 's3cret-pw' });
      expect(result.code, url).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:9: ${message.source}`));
      expect(result.stderr).not.toContain('s3cret-pw');
    }
  });

  it('every problem of the email section at once: recipients, sender, unknown keys', () => {
    const file = writeConfig(['email:', '  smtp: {host: mail.example, port: 99999, tls: true}', '  from: nobody', '  to: []', '  cc: [ok@example.com, not-an-address]']);
    const lines = diagnostics(file);
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/:2:\d+: email\.smtp\.port: .*65535/),
      expect.stringMatching(/email\.smtp\.tls: unknown key "tls"/),
      expect.stringMatching(/:3:9: email\.from: must be a mail address/),
      expect.stringMatching(/:4:7: email\.to: needs at least one recipient/),
      expect.stringMatching(/:5:\d+: email\.cc\[1\]: must be a mail address/),
    ]));
  });

  it('defaults: tick every minute, the report at 06:00 on the 1st, 7 days of catch-up; STARTTLS required when there is a login', () => {
    const file = writeConfig([...EMAIL.slice(0, 1), '  smtp: smtp://reports:${SMTP_PASS}@mail.example', ...EMAIL.slice(2)]);
    const config = loadConfig({ file, env: { SMTP_PASS: 'pw%2Fwith%3Aodd%40chars' } });
    expect(config.schedule).toEqual({ tickCron: '* * * * *', monthlyReportCron: '0 6 1 * *', catchUpMs: 7 * 86_400_000 });
    expect(config.email?.smtp).toEqual({ host: 'mail.example', port: 587, secure: false, starttls: 'required', auth: { user: 'reports', pass: 'pw/with:odd@chars' } });
    expect(config.secrets).toEqual(expect.arrayContaining(['pw/with:odd@chars', 'pw%2Fwith%3Aodd%40chars']));
    expect(loadConfig({ file: writeConfig(EMAIL), env: {} }).email?.smtp.starttls).toBe('opportunistic');
    expect(loadConfig({ file: writeConfig([...EMAIL.slice(0, 1), '  smtp: smtps://mail.example', ...EMAIL.slice(2)]), env: {} }).email?.smtp).toMatchObject({ port: 465, secure: true });
    const printed = printConfig(config);
    expect(printed).not.toMatch(/pw\/with|pw%2Fwith/);
    expect(printed).toContain('monthly_report: 0 6 1 * *');
  });
});
