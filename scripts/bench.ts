// `npm run bench`: measures the service end to end over HTTP on loopback — a Temporal dev server, the
// worker, the API, and PostgreSQL (DATABASE_URL) or embedded PGlite — and prints throughput and latency.
//
//   BENCH_REQUESTS (default 400)     consumptions to send
//   BENCH_CONCURRENCY (default 16)   requests in flight at once
//   DATABASE_URL                     benchmark against real PostgreSQL instead of PGlite
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { Client } from '@temporalio/client';
import { loadConfig } from '../config/config.ts';
import { temporalCliPath } from '../config/temporal-binaries.ts';
import { openDatabase } from '../db/client.ts';
import { createAccount } from '../db/accounts.ts';
import { checkLedgerIntegrity, post } from '../db/ledger.ts';
import { createWorker } from '../worker/worker.ts';
import { createApp } from '../api/app.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 400);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const ADMIN = `bench-admin-${randomUUID()}`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function runLoad(label: string, total: number, concurrency: number, one: (i: number) => Promise<number>) {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        const status = await one(i);
        latencies.push(performance.now() - t0);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const fmt = (n: number) => n.toFixed(1).padStart(7);
  console.log(
    `${label.padEnd(34)} ${String(total).padStart(5)} req  ${(total / seconds).toFixed(1).padStart(7)} req/s   ` +
      `p50 ${fmt(percentile(latencies, 50))} ms  p95 ${fmt(percentile(latencies, 95))} ms  p99 ${fmt(percentile(latencies, 99))} ms  ` +
      `statuses ${[...statuses].map(([s, n]) => `${s}×${n}`).join(' ')}`,
  );
}

Runtime.install({ logger: new DefaultLogger('WARN') });
const config = loadConfig({ ...process.env, ADMIN_API_KEY: ADMIN, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0', TEMPORAL_TASK_QUEUE: `bench-${randomUUID()}` });
const path = temporalCliPath();
const env = await TestWorkflowEnvironment.createLocal(path ? { server: { executable: { type: 'existing-path', path } } } : undefined);
const db = await openDatabase({ url: process.env.DATABASE_URL, dataDir: 'memory://', migrate: true, poolSize: 20 });
const worker = await createWorker({ connection: env.nativeConnection, taskQueue: config.temporal.taskQueue, db: db.prisma, options: { maxConcurrentActivityTaskExecutions: 32 } });
const running = worker.run();
// The API's client shares the worker's native connection, as in `npm start`: eager workflow start.
const client = new Client({ connection: env.nativeConnection });
const app = createApp({ db: db.prisma, temporal: client, eagerStart: true, config, logger: pino({ level: 'silent' }) });
const server = app.listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

console.log(`prepaid-points benchmark — ${db.kind}, Temporal dev server, ${REQUESTS} requests, concurrency ${CONCURRENCY}, node ${process.version}`);
const { account, apiKey } = await createAccount(db.prisma, { name: 'bench' });
const perRequest = 9;
await post(db.prisma, { walletId: account.id, accountId: account.id, kind: 'adjustment', amount: perRequest * REQUESTS, businessKey: `bench:${account.id}` });
const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };

// Warm-up: bundle caches, connection pools, JIT.
await runLoad('warm-up consumptions', 20, 4, async (i) => {
  const r = await fetch(`${base}/v1/consumptions`, { method: 'POST', headers: { ...headers, 'idempotency-key': `warm-${i}` }, body: JSON.stringify({ accountId: account.id, item: 'sms', quantity: 1 }) });
  return r.status;
});
await runLoad('POST /v1/consumptions (new keys)', REQUESTS - 20, CONCURRENCY, async (i) => {
  const r = await fetch(`${base}/v1/consumptions`, { method: 'POST', headers: { ...headers, 'idempotency-key': `c-${i}` }, body: JSON.stringify({ accountId: account.id, item: 'sms', quantity: 1 }) });
  return r.status;
});
await runLoad('POST /v1/consumptions (replayed)', Math.min(REQUESTS - 20, 200), CONCURRENCY, async (i) => {
  const r = await fetch(`${base}/v1/consumptions`, { method: 'POST', headers: { ...headers, 'idempotency-key': `c-${i}` }, body: JSON.stringify({ accountId: account.id, item: 'sms', quantity: 1 }) });
  return r.status;
});
await runLoad('GET /v1/accounts/{id}/balance', REQUESTS, CONCURRENCY, async () => {
  const r = await fetch(`${base}/v1/accounts/${account.id}/balance`, { headers });
  await r.arrayBuffer();
  return r.status;
});
await runLoad('402 insufficient (wallet now empty)', 50, CONCURRENCY, async (i) => {
  const r = await fetch(`${base}/v1/consumptions`, { method: 'POST', headers: { ...headers, 'idempotency-key': `empty-${i}` }, body: JSON.stringify({ accountId: account.id, amount: 1 }) });
  return r.status;
});

const wallet = await db.prisma.wallet.findUniqueOrThrow({ where: { accountId: account.id } });
const problems = await checkLedgerIntegrity(db.prisma);
console.log(`final balance ${wallet.balance} (expected 0); ledger integrity problems: ${problems.length}`);

server.close();
worker.shutdown();
await running;
await env.teardown();
await db.close();
