// One webhook POST to an address that was checked (webhooks/url-guard.ts): the connection goes to that
// address whatever DNS answers by then (the custom `lookup`), while Host and TLS SNI/certificate checks use
// the URL's hostname. Redirects are not followed (a 3xx is a failed attempt). The response body is read up
// to 2 KiB for the delivery log.
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { CheckedTarget } from './url-guard.ts';

export interface PostOutcome {
  statusCode: number | null;
  error: string | null;
  /** The start of the answer's body (for the log). */
  responseSnippet: string | null;
  durationMs: number;
}

export function postToTarget(target: CheckedTarget, body: string, headers: Record<string, string>, timeoutMs: number): Promise<PostOutcome> {
  const started = performance.now();
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all)
      (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const client = target.url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const done = (o: Omit<PostOutcome, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...o, durationMs: Math.round(performance.now() - started) });
    };
    const req = client.request(
      target.url,
      {
        method: 'POST',
        lookup: pinned,
        servername: target.url.protocol === 'https:' ? target.hostname : undefined,
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'prepaid-points-webhooks/1',
          ...headers,
        },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < 2048) chunks.push(c);
          size += c.length;
        });
        res.on('end', () =>
          done({ statusCode: res.statusCode ?? null, error: null, responseSnippet: Buffer.concat(chunks).toString('utf8').slice(0, 2048) || null }),
        );
        res.on('error', (err) => done({ statusCode: res.statusCode ?? null, error: err.message, responseSnippet: null }));
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) =>
      done({ statusCode: null, error: err.code ? `${err.code}: ${err.message}` : err.message, responseSnippet: null }),
    );
    req.end(body);
  });
}
