// The production topology on one machine without containers: PostgreSQL (the ledger database and
// Temporal's two), the Temporal server persisted in it, worker processes and API processes behind one
// proxy address. `npm run stack` (scripts/stack.ts) and the topology test (scripts/stack-test.ts) both
// start it through startStack().
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { openDatabase } from '../../db/client.ts';
import { resolveAdminKey } from '../../runtime/admin-key.ts';
import { ensureTemporalBinaries, type TemporalBinaries } from './temporal-binaries.ts';
import { startPostgres, type Postgres } from './postgres.ts';
import { setupTemporalSchema, TemporalServer, type TemporalDb } from './temporal.ts';
import { ManagedProcess } from './process.ts';
import type { StackPorts } from './ports.ts';
import { WORKER_HEAP_MB } from '../../worker/worker.ts';

export interface StackOptions {
  /** The repository (where api/ and worker/ live). */
  root: string;
  /** State: postgres/, temporal/, logs/, admin-api-key. */
  dir: string;
  ports: StackPorts;
  apis: number;
  workers: number;
  /** Print every process's output to the terminal. */
  echo: boolean;
  /** Throwaway PostgreSQL without fsync (tests). */
  fastPostgres?: boolean;
  numHistoryShards: number;
  retentionDays: number;
  /** Extra environment for the API and worker processes (RATE_LIMIT_PER_MINUTE, LOG_LEVEL, …). */
  env?: Record<string, string>;
  /** Restart an API or worker process this long after it died unexpectedly. */
  restartDelayMs?: number;
  log: (line: string) => void;
}

export interface Stack {
  url: string;
  adminKey: string;
  databaseUrl: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  binaries: TemporalBinaries;
  postgres: Postgres;
  temporal: TemporalServer;
  workers: ManagedProcess[];
  apis: ManagedProcess[];
  apiUrls: string[];
  proxy: ManagedProcess;
  /** Seconds per start-up step. */
  timings: Record<string, number>;
  /** Starts a worker process again and waits until it polls. */
  startWorker(i: number): Promise<void>;
  /** Waits until the Temporal server sees worker `i`'s current process polling both task queues. */
  workerReady(i: number, timeoutMs?: number): Promise<void>;
  /** Resident memory per process, MiB. */
  memory(): Record<string, number | undefined>;
  stop(): Promise<void>;
}

const LEDGER_DB = 'points';

export async function startStack(opts: StackOptions): Promise<Stack> {
  const timings: Record<string, number> = {};
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t = Date.now();
    const out = await fn();
    timings[name] = (Date.now() - t) / 1000;
    opts.log(`${name}: ${timings[name]!.toFixed(1)} s`);
    return out;
  };
  mkdirSync(join(opts.dir, 'logs'), { recursive: true });
  const admin = resolveAdminKey(process.env.ADMIN_API_KEY, opts.dir);
  const namespace = process.env.TEMPORAL_NAMESPACE || 'default';
  const taskQueue = process.env.TEMPORAL_TASK_QUEUE || 'points';
  const cleanups: (() => Promise<void>)[] = [];
  const undo = async () => {
    for (const c of cleanups.reverse()) await c().catch((err) => opts.log(`while stopping: ${(err as Error).message}`));
  };

  try {
    const binaries = await step('temporal binaries', () => ensureTemporalBinaries(opts.root, (l) => opts.log(`[go] ${l}`)));
    const postgres = await step('postgresql', () => startPostgres({ dir: join(opts.dir, 'postgres'), port: opts.ports.postgres, fast: opts.fastPostgres }));
    cleanups.push(() => postgres.stop());
    const db: TemporalDb = {
      host: '127.0.0.1',
      port: opts.ports.postgres,
      user: 'postgres',
      password: '',
      database: 'temporal',
      visibilityDatabase: 'temporal_visibility',
    };
    await step('temporal schemas', () => setupTemporalSchema(binaries, db, (l) => opts.log(`[schema] ${l}`)));
    const databaseUrl = postgres.url(LEDGER_DB);
    await step('ledger migrations', async () => {
      await postgres.createDatabase(LEDGER_DB);
      const ledger = await openDatabase({ url: databaseUrl, migrate: true });
      await ledger.close();
    });

    const temporal = new TemporalServer({
      dir: join(opts.dir, 'temporal'),
      binaries,
      db,
      ports: opts.ports.temporal,
      numHistoryShards: opts.numHistoryShards,
      echo: opts.echo,
      onEvent: opts.log,
    });
    cleanups.push(() => temporal.stop());
    await step('temporal server', () => temporal.start());
    await step(`namespace ${namespace}`, async () => opts.log(`namespace ${namespace}: ${await temporal.ensureNamespace(namespace, opts.retentionDays)}`));

    const common = {
      ...process.env,
      NODE_ENV: process.env.NODE_ENV ?? 'production',
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      ADMIN_API_KEY: admin.key,
      // Every API process must verify the gateway's and the bank's signatures with the same secrets.
      GATEWAY_WEBHOOK_SECRET: process.env.GATEWAY_WEBHOOK_SECRET || randomBytes(32).toString('hex'),
      BANK_WEBHOOK_SECRET: process.env.BANK_WEBHOOK_SECRET || randomBytes(32).toString('hex'),
      DATA_DIR: opts.dir,
      PUBLIC_BASE_URL: `http://127.0.0.1:${opts.ports.proxy}`,
      ...opts.env,
    };
    // node --import tsx: one OS process per service (the tsx CLI would put a second one in front, and a
    // SIGKILL to it would orphan the real process).
    const nodeProcess = (name: string, entry: string, env: NodeJS.ProcessEnv) =>
      new ManagedProcess(
        {
          name,
          command: process.execPath,
          // A worker runs as `npm run worker` runs it: with its V8 heap limit (worker/worker.ts WORKER_HEAP_MB).
          args: [...(entry === 'worker/main.ts' ? [`--max-old-space-size=${WORKER_HEAP_MB}`] : []), '--import', 'tsx', entry],
          cwd: opts.root,
          env,
          logFile: join(opts.dir, 'logs', `${name}.log`),
          echo: opts.echo,
          restartDelayMs: opts.restartDelayMs ?? 1_000,
        },
        opts.log,
      );

    const workers = Array.from({ length: opts.workers }, (_, i) =>
      nodeProcess(`worker-${i + 1}`, 'worker/main.ts', { ...common, WORKER_METRICS_ADDRESS: `127.0.0.1:${opts.ports.workerMetrics[i]}` }),
    );
    const apis = Array.from({ length: opts.apis }, (_, i) =>
      nodeProcess(`api-${i + 1}`, 'api/main.ts', { ...common, HOST: '127.0.0.1', PORT: String(opts.ports.apis[i]) }),
    );
    const apiUrls = opts.ports.apis.slice(0, opts.apis).map((p) => `http://127.0.0.1:${p}`);
    cleanups.push(() => Promise.all(workers.map((w) => w.close())).then(() => {}));
    cleanups.push(() => Promise.all(apis.map((a) => a.close())).then(() => {}));

    // Ready means polling, as the server sees it: the worker's identity (`<pid>@<host>`, the SDK's
    // default) among the task queue's pollers, for workflow and activity tasks. No log line needed.
    const observer = await Connection.connect({ address: temporal.address });
    cleanups.push(() => observer.close());
    const polling = async (pid: number) => {
      for (const taskQueueType of [1, 2]) {
        const d = await observer.workflowService.describeTaskQueue({ namespace, taskQueue: { name: taskQueue }, taskQueueType });
        if (!(d.pollers ?? []).some((p) => p.identity?.startsWith(`${pid}@`))) return false;
      }
      return true;
    };
    const workerReady = async (i: number, timeoutMs = 180_000) => {
      const w = workers[i]!;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const pid = w.pid;
        if (pid && (await polling(pid).catch(() => false))) return;
        if (Date.now() > deadline) throw new Error(`${w.name} not polling within ${timeoutMs} ms (log: ${w.spec.logFile})`);
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    const startWorker = async (i: number) => {
      workers[i]!.start();
      await workerReady(i);
    };
    await step('workers', () => Promise.all(workers.map((_, i) => startWorker(i))));
    await step('apis', () =>
      Promise.all(
        apis.map(async (a, i) => {
          a.start();
          await waitReady(apiUrls[i]!, 120_000, () => a.running);
        }),
      ),
    );
    const proxy = nodeProcess('proxy', 'scripts/proxy.ts', {
      ...common,
      HOST: '127.0.0.1',
      PORT: String(opts.ports.proxy),
      API_UPSTREAMS: apis.map((a, i) => `${a.name}=${apiUrls[i]}`).join(','),
    });
    cleanups.push(() => proxy.close());
    await step('proxy', async () => {
      proxy.start();
      await waitReady(`http://127.0.0.1:${opts.ports.proxy}`, 60_000, () => proxy.running);
    });

    let stopped = false;
    return {
      url: `http://127.0.0.1:${opts.ports.proxy}`,
      adminKey: admin.key,
      databaseUrl,
      temporalAddress: temporal.address,
      namespace,
      taskQueue,
      binaries,
      postgres,
      temporal,
      workers,
      apis,
      apiUrls,
      proxy,
      timings,
      startWorker,
      workerReady,
      memory: () => Object.fromEntries([temporal.process, ...workers, ...apis, proxy].map((p) => [p.name, p.rssMiB()])),
      async stop() {
        if (stopped) return;
        stopped = true;
        await undo();
      },
    };
  } catch (err) {
    await undo();
    throw err;
  }
}

/** Polls an API's /readyz (database and Temporal reachable). */
export async function waitReady(url: string, timeoutMs: number, alive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!alive()) throw new Error(`${url}: the process exited while starting`);
    try {
      const r = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
