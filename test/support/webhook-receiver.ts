// A local webhook receiver for tests: an HTTP server on a free port that records every request's raw body
// and headers and answers what the test says (2xx, an error status, or nothing until the attempt times out).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  receivedAt: number;
  path: string;
}

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** What the next requests get: a status code, or 'hang' (never answer). */
  answer: number | 'hang';
  close(): Promise<void>;
}

export async function startReceiver(answer: number | 'hang' = 200): Promise<Receiver> {
  const received: Received[] = [];
  const hanging = new Set<http.ServerResponse>();
  const state: Receiver = {
    url: '',
    port: 0,
    received,
    answer,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8'), receivedAt: Date.now(), path: req.url ?? '/' });
      if (state.answer === 'hang') {
        hanging.add(res);
        return;
      }
      res.writeHead(state.answer, { 'content-type': 'text/plain' }).end(state.answer < 300 ? 'ok' : 'unavailable');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  state.port = (server.address() as AddressInfo).port;
  state.url = `http://127.0.0.1:${state.port}/hooks`;
  return state;
}
