import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';

/** What one piece of a large answer holds: the most written to its connection at a time. */
export const PIECE_BYTES = 64 * 1024;
/** Bytes of large answers written in one turn of the event loop, at most a piece more. */
const BYTES_PER_TURN = 1024 * 1024;

/**
 * Shares out the writing of large answers between turns of the event loop. A thousand SLOs make
 * answers of megabytes (/metrics, the status API); fifty clients asking at once would otherwise be
 * written in one turn, a hundred megabytes copied into sockets while /healthz waits. Here each
 * answer asks for its next piece when its connection has taken the last one, and a turn writes at
 * most {@link BYTES_PER_TURN}, the answers taking turns in the order they asked; between two
 * turns the loop polls I/O.
 */
export class WritePacer {
  private readonly waiting: Array<() => number> = [];
  private scheduled = false;
  /** Turns run, the most bytes one wrote and the bytes written, since the start: what the tests look at. */
  readonly stats = { turns: 0, mostBytesInTurn: 0, bytes: 0 };

  constructor(private readonly bytesPerTurn = BYTES_PER_TURN) {}

  /** Runs `write` (which writes a piece and says how many bytes) in a coming turn, after those that asked before. */
  request(write: () => number): void {
    this.waiting.push(write);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.waiting.length === 0) return;
    this.scheduled = true;
    // setImmediate: the turn runs after the loop has polled I/O.
    setImmediate(() => this.turn());
  }

  private turn(): void {
    this.scheduled = false;
    let left = this.bytesPerTurn;
    while (left > 0 && this.waiting.length > 0) left -= this.waiting.shift()!();
    this.stats.turns++;
    this.stats.mostBytesInTurn = Math.max(this.stats.mostBytesInTurn, this.bytesPerTurn - left);
    this.stats.bytes += this.bytesPerTurn - left;
    this.schedule();
  }
}

/** The pacer every answer of the process shares, as they share the event loop. */
export const writePacer = new WritePacer();

/**
 * A body of buffers sent {@link PIECE_BYTES} at a time through a {@link WritePacer}. The buffers
 * are not copied: a piece is a view of one, so answers kept for many requests cost nothing more
 * per request. A body whose connection closed early asks for nothing more.
 */
export class PacedBody extends Readable {
  private chunk = 0;
  private offset = 0;

  constructor(
    private readonly chunks: readonly Buffer[],
    private readonly pacer: WritePacer = writePacer,
  ) {
    super();
  }

  override _read(): void {
    this.pacer.request(() => this.pushPiece());
  }

  private pushPiece(): number {
    if (this.destroyed) return 0;
    while (this.chunk < this.chunks.length && this.offset >= this.chunks[this.chunk]!.length) {
      this.chunk++;
      this.offset = 0;
    }
    const buffer = this.chunks[this.chunk];
    if (buffer === undefined) {
      this.push(null);
      return 0;
    }
    const piece = buffer.subarray(this.offset, this.offset + PIECE_BYTES);
    this.offset += piece.length;
    this.push(piece);
    return piece.length;
  }
}

/**
 * Sends `body` (with its content-length): as it is when it is small, else as a {@link PacedBody},
 * so one large answer, or many, never hold the event loop for long.
 */
export function sendBody(reply: FastifyReply, body: Buffer | string | readonly Buffer[]): FastifyReply {
  const chunks = typeof body === 'string' ? [Buffer.from(body, 'utf8')] : Buffer.isBuffer(body) ? [body] : body;
  const length = chunks.reduce((n, c) => n + c.length, 0);
  if (length <= PIECE_BYTES) return reply.send(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
  return reply.header('content-length', length).send(new PacedBody(chunks));
}
