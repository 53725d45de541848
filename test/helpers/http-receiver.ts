/** A real HTTP server that receives forwarded events and answers as the test tells it. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as received. */
export interface Received {
  at: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** what we answered */
  status: number;
}

/** How to answer the next request: a status (with headers), or 'hang' (never answer). */
export type Answer = { status: number; headers?: Record<string, string>; delayMs?: number } | 'hang';

/** The receiver. */
export interface HttpReceiver {
  url: string;
  received: Received[];
  /** Answers, used in order; when empty, `fallback` is used. */
  script: Answer[];
  fallback: Answer;
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1, port 0. */
export async function startReceiver(fallback: Answer = { status: 200 }): Promise<HttpReceiver> {
  const hanging = new Set<import('node:http').ServerResponse>();
  const receiver: HttpReceiver = { url: '', received: [], script: [], fallback, close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = receiver.script.shift() ?? receiver.fallback;
      const body = Buffer.concat(chunks).toString('utf8');
      if (answer === 'hang') {
        receiver.received.push({ at: Date.now(), headers: req.headers, body, status: 0 });
        hanging.add(res);
        return;
      }
      const reply = (): void => {
        receiver.received.push({ at: Date.now(), headers: req.headers, body, status: answer.status });
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(JSON.stringify({ statusCode: answer.status === 200 ? 2000 : 5000, statusMessage: answer.status === 200 ? 'ok' : 'error' }));
      };
      if (answer.delayMs) setTimeout(reply, answer.delayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  receiver.close = () =>
    new Promise((resolve) => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
