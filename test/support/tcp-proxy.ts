// A TCP proxy for fault tests: cut() closes every connection and refuses new ones (as an unreachable host
// would), restore() accepts again on the same port. Used in front of Temporal and PostgreSQL.
import net from 'node:net';
import { until } from './wait.ts';
import { freePort } from './ports.ts';

export class TcpProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const p = new TcpProxy(await freePort(), target);
    await p.restore();
    return p;
  }

  get address() {
    return `127.0.0.1:${this.port}`;
  }

  async restore(): Promise<void> {
    if (this.server) return;
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {});
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await until(
      () =>
        new Promise<boolean>((resolve) => {
          server.once('error', () => resolve(false));
          server.listen(this.port, '127.0.0.1', () => resolve(true));
        }),
      `proxy listening on ${this.port}`,
      30_000,
    );
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((r) => server.close(() => r()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}
