// One address in front of the API processes: a round-robin reverse proxy (http-proxy-3, the maintained
// rewrite of http-proxy) over the upstreams that answered their last /readyz. Each API keeps its own port,
// so it can be probed, drained and restarted on its own, as behind any load balancer in production.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createProxyServer } from 'http-proxy-3';

export interface Upstream {
  name: string;
  url: string;
}

export interface ApiProxy {
  url: string;
  /** Requests forwarded per upstream name. */
  served: Record<string, number>;
  healthy(): string[];
  close(): Promise<void>;
}

export async function startProxy(opts: { host: string; port: number; upstreams: Upstream[]; checkEveryMs?: number }): Promise<ApiProxy> {
  const proxy = createProxyServer({ xfwd: true, proxyTimeout: 120_000 });
  const state = new Map(opts.upstreams.map((u) => [u.name, { ...u, healthy: true }]));
  const served: Record<string, number> = Object.fromEntries(opts.upstreams.map((u) => [u.name, 0]));
  let next = 0;

  const pick = () => {
    const all = [...state.values()];
    const candidates = all.filter((u) => u.healthy);
    const pool = candidates.length ? candidates : all; // none known healthy: try anyway, the error says why
    return pool[next++ % pool.length]!;
  };

  const server = http.createServer((req, res) => {
    const upstream = pick();
    served[upstream.name] = (served[upstream.name] ?? 0) + 1;
    res.setHeader('X-Served-By', upstream.name);
    proxy.web(req, res, { target: upstream.url }, (err: Error) => {
      // The upstream is gone (connection refused or reset): take it out until its /readyz answers again.
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ECONNREFUSED' || code === 'ECONNRESET') state.get(upstream.name)!.healthy = false;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(502, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ type: 'about:blank', title: 'Bad Gateway', status: 502, detail: `upstream ${upstream.name}: ${code ?? err.message}` }));
    });
  });

  const check = async () => {
    await Promise.all(
      [...state.values()].map(async (u) => {
        try {
          const r = await fetch(`${u.url}/readyz`, { signal: AbortSignal.timeout(2_000) });
          u.healthy = r.ok;
        } catch {
          u.healthy = false;
        }
      }),
    );
  };
  await check();
  const timer = setInterval(() => void check(), opts.checkEveryMs ?? 1_000);
  timer.unref();

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port, opts.host, () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host}:${port}`,
    served,
    healthy: () => [...state.values()].filter((u) => u.healthy).map((u) => u.name),
    async close() {
      clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      proxy.close();
    },
  };
}
