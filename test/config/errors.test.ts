import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DeliveryError,
  LedgerError,
  PrometheusError,
  SloLedgerError,
  UsageError,
  redactSecrets,
} from '../../src/errors.js';

// src/errors.ts is tested here because this suite owns it for now (test/ otherwise mirrors src/).
describe('error hierarchy', () => {
  it('gives each error its exit code, name and cause', () => {
    const cause = new Error('socket hang up');
    const cases: Array<[SloLedgerError, number | undefined, string]> = [
      [new ConfigError([]), 2, 'ConfigError'],
      [new UsageError('bad flag'), 2, 'UsageError'],
      [new PrometheusError('down', { cause, query: 'up', status: 503, slo: 'api' }), 1, 'PrometheusError'],
      [new LedgerError('locked', { cause }), 1, 'LedgerError'],
      [new DeliveryError('smtp refused', { cause }), 1, 'DeliveryError'],
      [new SloLedgerError('plain'), undefined, 'SloLedgerError'],
    ];
    for (const [error, exitCode, name] of cases) {
      expect(error).toBeInstanceOf(SloLedgerError);
      expect(error).toBeInstanceOf(Error);
      expect(error.exitCode).toBe(exitCode);
      expect(error.name).toBe(name);
    }
    const prometheus = cases[2]?.[0] as PrometheusError;
    expect(prometheus).toMatchObject({ query: 'up', status: 503, slo: 'api', cause });
  });

  it('lists every config diagnostic in its message, one per line', () => {
    const error = new ConfigError([
      { file: 'a.yaml', line: 3, column: 5, path: 'slos[0].objective', message: 'too high' },
      { file: 'a.yaml', line: 0, column: 0, path: '', message: 'cannot read' },
    ]);
    expect(error.message).toBe('a.yaml:3:5: slos[0].objective: too high\na.yaml: cannot read');
  });
});

describe('redactSecrets', () => {
  it('replaces every occurrence of every non-empty secret', () => {
    expect(redactSecrets('token=abc; again abc; pw=xyz', ['abc', 'xyz', ''])).toBe('token=***; again ***; pw=***');
  });

  it('redacts a longer secret whole even when a shorter one is inside it', () => {
    expect(redactSecrets('key=abcdef', ['abc', 'abcdef'])).toBe('key=***');
  });

  it('treats secrets literally, not as patterns', () => {
    expect(redactSecrets('a.b and axb', ['a.b'])).toBe('*** and axb');
  });
});
