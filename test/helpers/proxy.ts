import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the proxy saw. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** What the proxy does with one request: answer itself (status 0: never answer), or undefined to forward it. */
export type ProxyRule = (request: SeenRequest, index: number) => { status: number; body: string; headers?: Record<string, string> } | undefined;

/** A real HTTP server on 127.0.0.1 in front of a Prometheus, for fault and auth tests. */
export interface TestProxy {
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/**
 * Starts a proxy that records every request, lets `rule` answer it, and otherwise forwards it to
 * `targetUrl` with `stripPrefix` removed from the path (as a Thanos/Mimir gateway would).
 */
export async function startProxy(targetUrl: string, rule: ProxyRule = () => undefined, stripPrefix = ''): Promise<TestProxy> {
  const requests: SeenRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen: SeenRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString() };
      requests.push(seen);
      const answer = rule(seen, requests.length - 1);
      if (answer?.status === 0) return;
      if (answer !== undefined) {
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.body);
        return;
      }
      const path = seen.path.startsWith(stripPrefix) ? seen.path.slice(stripPrefix.length) : seen.path;
      const headers: Record<string, string> = {};
      if (req.headers['content-type']) headers['content-type'] = String(req.headers['content-type']);
      fetch(targetUrl + path, { method: seen.method, headers, ...(seen.method === 'GET' ? {} : { body: seen.body }) })
        .then(async (upstream) => {
          res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
          res.end(await upstream.text());
        })
        .catch((error: Error) => {
          res.writeHead(502);
          res.end(error.message);
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
