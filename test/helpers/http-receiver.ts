import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  atMs: number;
}

/** How the receiver answers a request: status, body and headers. */
export interface ScriptedAnswer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

/**
 * A webhook receiver on 127.0.0.1: records every request, and answers with the scripted answers
 * in turn (then 200 "ok", as Slack does). `url(path)` is its address.
 */
export interface HttpReceiver {
  requests: ReceivedRequest[];
  script(answers: ScriptedAnswer[]): void;
  url(path: string): string;
  close(): Promise<void>;
}

export async function startHttpReceiver(): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  let answers: ScriptedAnswer[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({
        method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), atMs: Date.now(),
      });
      const answer = answers.shift() ?? { status: 200, body: 'ok' };
      response.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      response.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    requests,
    script: (next) => {
      answers = [...next];
    },
    url: (path) => `http://127.0.0.1:${port}${path}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
