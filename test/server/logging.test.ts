import { describe, expect, it } from 'vitest';
import { memoryLogger } from './helpers.js';

const SECRET = 'p@ss"word\\42';

describe('createLogger', () => {
  it('writes one JSON object per line with the Rendiff guide\'s Log Structure fields', () => {
    const { logger, lines } = memoryLogger([]);
    logger.child({ component: 'sync' }).info({ slo: 'api-latency', job: 'sync', duration_ms: 812 }, 'ledger synced');
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'INFO', message: 'ledger synced', component: 'sync', slo: 'api-latency', job: 'sync', duration_ms: 812 });
    expect(Date.parse(entry.timestamp as string)).toBeGreaterThan(Date.parse('2025-01-01T00:00:00Z'));
    expect(entry.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('removes every known secret, in the message, in fields, in errors and JSON-escaped', () => {
    const { logger, lines } = memoryLogger([SECRET, 'tok-abc']);
    logger.error({ url: `https://user:${SECRET}@prom.example`, nested: { note: `x tok-abc y` } }, `failed with ${SECRET}`);
    logger.warn({ error: new Error(`auth tok-abc refused`) }, 'oops');
    logger.info({ token: 'another-token', authorization: 'Bearer zzz' }, 'well-known keys');
    const text = lines.join('\n');
    expect(text).not.toContain('tok-abc');
    expect(text).not.toContain(JSON.stringify(SECRET).slice(1, -1));
    expect(text).not.toContain('another-token');
    expect(text).not.toContain('Bearer zzz');
    expect(JSON.parse(lines[0]!)).toMatchObject({ message: 'failed with ***', url: 'https://user:***@prom.example', nested: { note: 'x *** y' } });
  });

  it('writes each key once: a field of the call replaces the same binding of its child logger', () => {
    const { logger, lines } = memoryLogger([]);
    logger.child({ component: 'tick' }).info({ component: 'outbox', delivery_id: 3 }, 'delivered');
    logger.child({ component: 'tick' }).child({ component: 'alerts' }).info('evaluated');
    expect(lines.map((line) => line.match(/"component":/g)?.length)).toEqual([1, 1]);
    expect(lines.map((line) => (JSON.parse(line) as { component: string }).component)).toEqual(['outbox', 'alerts']);
  });
});
