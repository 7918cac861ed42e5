import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A real SMTP server on 127.0.0.1 for tests: records every accepted mail, can refuse or hold on demand. */
export interface TestSmtpServer {
  port: number;
  /** Every mail accepted (answered 250), parsed, in order. */
  received: ParsedMail[];
  /** Every DATA the server saw, accepted or not. */
  dataAttempts: number;
  /** Every AUTH the server saw. */
  authAttempts: number;
  /** The next N mails are refused with this SMTP answer, e.g. `{ code: 451, message: 'try later' }`. */
  refuseNext(count: number, answer: { code: number; message: string }): void;
  /**
   * Holds the next mail after its DATA arrived, without answering: `reached` resolves when it is
   * held, `release()` accepts it. The client meanwhile waits with the connection open.
   */
  holdNext(): { reached: Promise<void>; release(): void };
  stop(): Promise<void>;
}

/**
 * Starts smtp-server on `port` (0: a free one), by default without STARTTLS (tests talk plain SMTP
 * on loopback; the config then says `starttls: off`). With `credentials`, AUTH is required and checked.
 */
export async function startSmtpServer(options: { port?: number; credentials?: { user: string; pass: string }; starttls?: boolean } = {}): Promise<TestSmtpServer> {
  const received: ParsedMail[] = [];
  const refusals: Array<{ code: number; message: string }> = [];
  let dataAttempts = 0;
  let authAttempts = 0;
  const holds: Array<{ arrived: () => void; released: Promise<void> }> = [];
  const { credentials } = options;
  const server = new SMTPServer({
    // With `starttls`, STARTTLS is offered with smtp-server's built-in self-signed certificate.
    disabledCommands: [...(options.starttls ? [] : ['STARTTLS']), ...(credentials ? [] : ['AUTH'])],
    authOptional: credentials === undefined,
    allowInsecureAuth: true,
    logger: false,
    size: 20 * 1024 * 1024,
    onAuth(auth, _session, callback) {
      authAttempts += 1;
      if (credentials && auth.username === credentials.user && auth.password === credentials.pass) callback(null, { user: auth.username });
      else callback(Object.assign(new Error('authentication failed'), { responseCode: 535 }));
    },
    onData(stream, _session, callback) {
      dataAttempts += 1;
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', async () => {
        const hold = holds.shift();
        if (hold) {
          hold.arrived();
          await hold.released;
        }
        const refusal = refusals.shift();
        if (refusal) {
          callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
          return;
        }
        simpleParser(Buffer.concat(chunks))
          .then((mail) => {
            received.push(mail);
            callback();
          })
          .catch((error: Error) => callback(error));
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const address = server.server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
  return {
    port,
    received,
    get dataAttempts() {
      return dataAttempts;
    },
    get authAttempts() {
      return authAttempts;
    },
    refuseNext(count, answer) {
      for (let i = 0; i < count; i++) refusals.push(answer);
    },
    holdNext() {
      let arrived!: () => void;
      let release!: () => void;
      const reached = new Promise<void>((resolve) => (arrived = resolve));
      holds.push({ arrived, released: new Promise<void>((resolve) => (release = resolve)) });
      return { reached, release };
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
