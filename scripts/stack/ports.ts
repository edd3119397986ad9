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

/**
 * Temporal stores each service's membership port in PostgreSQL as a SMALLINT (cluster_membership.rpc_port),
 * so those four ports must be below 32768 — also below Linux's ephemeral range, so port 0 cannot pick them.
 */
export const MAX_MEMBERSHIP_PORT = 32767;

/**
 * base+0 proxy, base+1… APIs, base+10 PostgreSQL, base+20… Temporal's gRPC/HTTP/metrics ports, base+40…
 * worker metrics; Temporal's four membership ports from `membershipBase` (default base+30), below 32768.
 */
export function portLayout(base: number, apis: number, workers: number, membershipBase = base + 30): StackPorts {
  if (apis > 9 || workers > 20) throw new Error('the fixed port layout holds at most 9 APIs and 20 workers');
  if (membershipBase + 3 > MAX_MEMBERSHIP_PORT) {
    throw new Error(`Temporal's membership ports ${membershipBase}… must be below 32768 (stored as SMALLINT): set STACK_MEMBERSHIP_BASE_PORT`);
  }
  const t = base + 20;
  return {
    proxy: base,
    apis: Array.from({ length: apis }, (_, i) => base + 1 + i),
    postgres: base + 10,
    temporal: {
      frontend: t,
      frontendMembership: membershipBase,
      frontendHttp: t + 2,
      history: t + 3,
      historyMembership: membershipBase + 1,
      matching: t + 5,
      matchingMembership: membershipBase + 2,
      worker: t + 7,
      workerMembership: membershipBase + 3,
      metrics: t + 9,
    },
    workerMetrics: Array.from({ length: workers }, (_, i) => base + 40 + i),
  };
}

/** `n` distinct ports that were free a moment ago (all held open together, then released). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<net.Server>((ok, fail) => {
          const s = net.createServer();
          s.once('error', fail);
          s.listen(0, '127.0.0.1', () => ok(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

function bindable(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const s = net.createServer();
    s.once('error', () => ok(false));
    s.listen(port, '127.0.0.1', () => s.close(() => ok(true)));
  });
}

/** `n` ports below 32768 that are free now, from a random starting point in 20000–32767. */
export async function freeLowPorts(n: number): Promise<number[]> {
  const found: number[] = [];
  let port = 20_000 + Math.floor(Math.random() * (MAX_MEMBERSHIP_PORT - 20_000 - 200));
  while (found.length < n && port <= MAX_MEMBERSHIP_PORT) {
    if (await bindable(port)) found.push(port);
    port += 1;
  }
  if (found.length < n) throw new Error('no free ports below 32768');
  return found;
}

export async function freeLayout(apis: number, workers: number): Promise<StackPorts> {
  const p = await freePorts(2 + apis + 6 + workers);
  const low = await freeLowPorts(4);
  const take = () => p.shift()!;
  const takeLow = () => low.shift()!;
  return {
    proxy: take(),
    postgres: take(),
    apis: Array.from({ length: apis }, take),
    temporal: {
      frontend: take(),
      frontendMembership: takeLow(),
      frontendHttp: take(),
      history: take(),
      historyMembership: takeLow(),
      matching: take(),
      matchingMembership: takeLow(),
      worker: take(),
      workerMembership: takeLow(),
      metrics: take(),
    },
    workerMetrics: Array.from({ length: workers }, take),
  };
}
