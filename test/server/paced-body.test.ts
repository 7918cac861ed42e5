import { createHash } from 'node:crypto';
import { request } from 'node:http';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PIECE_BYTES, PacedBody, WritePacer, sendBody } from '../../src/server/paced-body.js';

/** A body whose every byte is known: `size` bytes from a seeded sequence. */
function knownBytes(size: number, seed: number): Buffer {
  const bytes = Buffer.alloc(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1_103_515_245 + 12_345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** GETs `path` on 127.0.0.1:`port`; the status, the content-length header and the body. */
function get(port: number, path: string): Promise<{ status: number; length: string | undefined; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (response) => {
      const parts: Buffer[] = [];
      response.on('data', (d: Buffer) => parts.push(d));
      response.on('end', () => resolve({ status: response.statusCode!, length: response.headers['content-length'], body: Buffer.concat(parts) }));
      response.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

describe('PacedBody and WritePacer', () => {
  it('gives back the bytes of every buffer, in order, a piece at a time, and no more per turn than the budget and one piece', async () => {
    const pacer = new WritePacer(100_000);
    const chunks = [knownBytes(150_000, 1), Buffer.alloc(0), knownBytes(70_001, 2), knownBytes(3, 3)];
    const bodies = Array.from({ length: 5 }, () => new PacedBody(chunks, pacer));
    const read = await Promise.all(bodies.map(async (body) => {
      const pieces: Buffer[] = [];
      for await (const piece of body) pieces.push(piece as Buffer);
      return pieces;
    }));
    for (const pieces of read) {
      expect(sha(Buffer.concat(pieces))).toBe(sha(Buffer.concat(chunks)));
      expect(Math.max(...pieces.map((p) => p.length))).toBeLessThanOrEqual(PIECE_BYTES);
    }
    // 5 × 220,004 bytes at most 100,000 (+ one piece) a turn: many turns, none over the budget.
    expect(pacer.stats.bytes).toBe(5 * 220_004);
    expect(pacer.stats.mostBytesInTurn).toBeLessThanOrEqual(100_000 + PIECE_BYTES);
    expect(pacer.stats.turns).toBeGreaterThanOrEqual(Math.ceil((5 * 220_004) / (100_000 + PIECE_BYTES)));
  });

  it('asks for nothing more once the body is destroyed', async () => {
    const pacer = new WritePacer(PIECE_BYTES);
    const body = new PacedBody([knownBytes(10 * PIECE_BYTES, 4)], pacer);
    const first = await new Promise<Buffer>((resolve) => body.once('data', resolve));
    expect(first.length).toBe(PIECE_BYTES);
    body.destroy();
    await new Promise((r) => setTimeout(r, 50));
    // The piece it had asked for before it was destroyed is not written: only the first one was.
    expect(pacer.stats.bytes).toBe(PIECE_BYTES);
  });
});

describe('sendBody over a real connection', () => {
  const big = knownBytes(5 * 1024 * 1024 + 17, 5);
  const parts = [knownBytes(300_000, 6), knownBytes(1, 7), knownBytes(200_000, 8)];
  const small = knownBytes(1000, 9);
  const app = Fastify({ forceCloseConnections: true });
  let port = 0;

  beforeAll(async () => {
    app.get('/big', async (_request, reply) => sendBody(reply.type('application/octet-stream'), big));
    app.get('/parts', async (_request, reply) => sendBody(reply.type('application/octet-stream'), parts));
    app.get('/small', async (_request, reply) => sendBody(reply.type('application/octet-stream'), small));
    app.get('/text', async (_request, reply) => sendBody(reply.type('text/plain; charset=utf-8'), 'é'.repeat(100_000)));
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(() => app.close());

  it('sends whole answers with their content-length to many clients at once', async () => {
    const answers = await Promise.all([...Array.from({ length: 12 }, () => get(port, '/big')), get(port, '/parts'), get(port, '/small')]);
    for (const a of answers.slice(0, 12)) {
      expect(a.status).toBe(200);
      expect(a.length).toBe(String(big.length));
      expect(sha(a.body)).toBe(sha(big));
    }
    expect(answers[12]!.length).toBe(String(500_001));
    expect(sha(answers[12]!.body)).toBe(sha(Buffer.concat(parts)));
    expect(answers[13]!.length).toBe('1000');
    expect(sha(answers[13]!.body)).toBe(sha(small));
  });

  it('counts a string body in bytes, not characters', async () => {
    const answer = await get(port, '/text');
    expect(answer.length).toBe(String(200_000));
    expect(answer.body.toString('utf8')).toBe('é'.repeat(100_000));
  });

  it('goes on serving after a client hangs up in the middle of a large answer', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/big' }, (response) => {
        response.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      req.once('error', reject);
      req.end();
    });
    const after = await get(port, '/big');
    expect(sha(after.body)).toBe(sha(big));
  });
});
