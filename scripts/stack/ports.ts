// The stack's ports: a fixed layout from one base port (`npm run stack`), or free ports picked by the OS
// (the topology test). Nothing uses Temporal's or the service's default ports (7233, 8233, 3000).
import net from 'node:net';
import type { TemporalPorts } from './temporal.ts';

export interface StackPorts {
  proxy: number;
  postgres: number;
  temporal: TemporalPorts;
  apis: number[];
  workerMetrics: number[];
}

/** base+0 proxy, base+1… APIs, base+10 PostgreSQL, base+20… Temporal, base+40… worker metrics. */
export function portLayout(base: number, apis: number, workers: number): StackPorts {
  if (apis > 9 || workers > 20) throw new Error('the fixed port layout holds at most 9 APIs and 20 workers');
  const t = base + 20;
  return {
    proxy: base,
    apis: Array.from({ length: apis }, (_, i) => base + 1 + i),
    postgres: base + 10,
    temporal: {
      frontend: t,
      frontendMembership: t + 1,
      frontendHttp: t + 2,
      history: t + 3,
      historyMembership: t + 4,
      matching: t + 5,
      matchingMembership: t + 6,
      worker: t + 7,
      workerMembership: t + 8,
      metrics: t + 9,
    },
    workerMetrics: Array.from({ length: workers }, (_, i) => base + 40 + i),
  };
}

/** `n` distinct ports that were free a moment ago (all held open together, then released). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<net.Server>((ok, fail) => {
      const s = net.createServer();
      s.once('error', fail);
      s.listen(0, '127.0.0.1', () => ok(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export async function freeLayout(apis: number, workers: number): Promise<StackPorts> {
  const p = await freePorts(2 + apis + 10 + workers);
  const take = () => p.shift()!;
  return {
    proxy: take(),
    postgres: take(),
    apis: Array.from({ length: apis }, take),
    temporal: {
      frontend: take(),
      frontendMembership: take(),
      frontendHttp: take(),
      history: take(),
      historyMembership: take(),
      matching: take(),
      matchingMembership: take(),
      worker: take(),
      workerMembership: take(),
      metrics: take(),
    },
    workerMetrics: Array.from({ length: workers }, take),
  };
}
