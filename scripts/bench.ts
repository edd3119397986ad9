// `npm run bench`: the service's figures beside their bare ceilings, measured in one run on one machine.
//
// It brings up what `npm start` runs — a Temporal dev server (.tools/bin), the worker and the API in this
// process, the API's client sharing the worker's connection (eager workflow start) — over real PostgreSQL
// (DATABASE_URL, or a throwaway cluster started with scripts/ci-postgres.sh on BENCH_PG_PORT, default
// 46100), then measures, each beside the ceiling it is bounded by:
//
//   bare Temporal        an empty workflow started and awaited by the client (c=1 latency, c=16 rate)
//   bare PostgreSQL      one conditional debit (UPDATE … WHERE balance >= amount + its ledger row) per
//                        transaction, over pg directly: one hot wallet, and 100 wallets
//   single consumption   POST /v1/consumptions at c=1 (p50/p99) and c=16 (rate, p50/p99)
//   batch consumption    POST /v1/consumptions/batch, batches of 100 and 1,000, one hot wallet and 100 wallets
//
// and reports the CPU this process spent per operation (API, worker and the load generator together), its
// resident memory, and the largest history (event count) of each workflow type it ran.
//
// With BENCH_TEMPORAL=postgres the Temporal server is instead the one `npm run stack` runs (v1.29.1 from
// .tools/temporal-server, built once by the stack's tooling), persisted on that same PostgreSQL server in two
// databases of its own (temporal_bench_<run> and temporal_bench_<run>_visibility, created with the stack's
// schema steps and dropped when the run ends), on free ports, with the stack's config template, 4 history
// shards and the `default` namespace registered: scripts/bench/temporal.ts. The header line names the server.
//
//   npm run bench                      the scenarios above (a few minutes on 2 cores)
//   npm run bench -- --waiting 10000   bank-transfer and virtual-account charges waiting at once: memory,
//                                      balance reads while they wait, and every one ending right when
//                                      confirmed, cancelled, paid or expired (BENCH_REMIND_HOURS, BENCH_VA_HOURS)
//   BENCH_TEMPORAL=postgres            against the production Temporal server on PostgreSQL (default: dev)
//   BENCH_SCALE=0.5                    fewer requests per scenario (faster, noisier)
//   BENCH_MAX_CACHED=N                 the worker's workflow cache size (default: WORKER_MAX_CACHED_WORKFLOWS,
//                                      else worker/worker.ts's)
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { pino } from 'pino';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { Client } from '@temporalio/client';
import { loadConfig } from '../config/config.ts';
import { openDatabase } from '../db/client.ts';
import { createAccount } from '../db/accounts.ts';
import { checkLedgerIntegrity, post } from '../db/ledger.ts';
import { createWorker, WORKER_HEAP_MB } from '../worker/worker.ts';
import { serviceActivityDeps } from '../worker/deps.ts';
import { createApp } from '../api/app.ts';
import { startBenchTemporal, type BenchTemporal } from './bench/temporal.ts';

// ---------------------------------------------------------------------------------------------- options
const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? '') : undefined;
};
const WAITING = flag('waiting') !== undefined ? Number(flag('waiting') || 10_000) : 0;
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const n = (count: number) => Math.max(4, Math.round(count * SCALE));
const MAX_CACHED = process.env.BENCH_MAX_CACHED ? Number(process.env.BENCH_MAX_CACHED) : undefined;
const ONLY = flag('only')?.split(',');
const wanted = (name: string) => !ONLY || ONLY.includes(name);
const ADMIN = `bench-admin-${randomUUID()}`;

// ---------------------------------------------------------------------------------------------- figures
interface Figure {
  label: string;
  ops: number;
  seconds: number;
  rate: number;
  p50: number;
  p99: number;
  cpuMsPerOp: number;
  statuses: string;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Runs `total` calls of `one` with `concurrency` in flight; `one` answers a status and how many operations it did. */
async function load(
  label: string,
  total: number,
  concurrency: number,
  one: (i: number) => Promise<{ status: string | number; ops?: number }>,
): Promise<Figure> {
  const latencies: number[] = [];
  const statuses = new Map<string, number>();
  let next = 0;
  let ops = 0;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      while (next < total && !aborted) {
        const i = next++;
        const t0 = performance.now();
        // A failed request (a reset connection on an overloaded machine) is counted, not fatal.
        const r = await one(i).catch((err: { message?: string; cause?: { code?: string } }) => ({
          status: `error:${err.cause?.code ?? err.message}`,
          ops: undefined,
        }));
        latencies.push(performance.now() - t0);
        ops += r.ops ?? 1;
        statuses.set(String(r.status), (statuses.get(String(r.status)) ?? 0) + (r.ops ?? 1));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  const figure: Figure = {
    label,
    ops,
    seconds,
    rate: ops / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuMsPerOp: (cpu.user + cpu.system) / 1000 / ops,
    statuses: [...statuses].map(([s, c]) => `${s}×${c}`).join(' '),
  };
  console.log(
    `  ${label.padEnd(44)} ${String(ops).padStart(6)} ops ${figure.rate.toFixed(0).padStart(6)}/s  p50 ${figure.p50.toFixed(1).padStart(7)} ms  p99 ${figure.p99.toFixed(1).padStart(7)} ms  cpu ${figure.cpuMsPerOp.toFixed(2).padStart(6)} ms/op  ${figure.statuses}`,
  );
  return figure;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** Resident memory of this process's children whose command line mentions `name` (the Temporal dev server). */
function childRss(name: string): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const ppid = Number(/PPid:\s+(\d+)/.exec(status)?.[1]);
      if (ppid !== process.pid) continue;
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(name)) continue;
      total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
    } catch {
      // gone
    }
  }
  return total;
}

/** Resident memory of the worker process (BENCH_WORKER=process), 0 when the worker runs in this one. */
function workerRss(): number {
  if (!workerChild?.pid) return 0;
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${workerChild.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** CPU time (ms, user + system, all threads) the worker process has used so far (BENCH_WORKER=process), else 0. */
function workerCpuMs(): number {
  if (!workerChild?.pid) return 0;
  try {
    const fields = readFileSync(`/proc/${workerChild.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 1/100 s
  } catch {
    return 0;
  }
}

function memoryLine(label: string): { rss: number; heapUsed: number; temporal: number; worker: number } {
  const m = process.memoryUsage();
  const temporal = childRss('temporal');
  const worker = workerRss();
  const process_ = worker
    ? `API process rss ${mb(m.rss)} (JS heap used ${mb(m.heapUsed)}), worker process rss ${mb(worker)}`
    : `service process rss ${mb(m.rss)} (JS heap used ${mb(m.heapUsed)})`;
  console.log(`  memory ${label}: ${process_}, ${temporalServer.name} rss ${mb(temporal)}`);
  return { rss: m.rss, heapUsed: m.heapUsed, temporal, worker };
}

// ---------------------------------------------------------------------------------------------- set-up
Runtime.install({ logger: new DefaultLogger('WARN') });

let pgStarted: { port: string } | undefined;
let databaseUrl = process.env.DATABASE_URL;
const ciPostgres = fileURLToPath(new URL('./ci-postgres.sh', import.meta.url));
if (!databaseUrl) {
  const port = process.env.BENCH_PG_PORT ?? '46100';
  const out = execFileSync(ciPostgres, ['start'], {
    env: { ...process.env, CI_PG_PORT: port, CI_PG_DB: 'points_bench' },
    stdio: ['ignore', 'pipe', 'inherit'],
  }).toString();
  databaseUrl = /DATABASE_URL_TEST=(\S+)/.exec(out)![1]!;
  pgStarted = { port };
}
const stopPostgres = () => {
  if (pgStarted) execFileSync(ciPostgres, ['stop'], { env: { ...process.env, CI_PG_PORT: pgStarted.port }, stdio: 'ignore' });
  pgStarted = undefined;
};
process.on('exit', stopPostgres);

const taskQueue = `bench-${randomUUID()}`;
const config = loadConfig({
  ...process.env,
  ADMIN_API_KEY: ADMIN,
  LOG_LEVEL: 'silent',
  RATE_LIMIT_PER_MINUTE: '0',
  TEMPORAL_TASK_QUEUE: taskQueue,
  // The waiting scenario: processing around the clock, so every charge is picked up at once; with
  // BENCH_REMIND_HOURS=0.05 the confirmation reminder of each fires 3 minutes after it was requested,
  // while most of them are out of the worker's cache (a timer firing on an evicted workflow).
  ...(WAITING
    ? {
        BUSINESS_HOURS: JSON.stringify(Object.fromEntries([1, 2, 3, 4, 5, 6, 7].map((d) => [d, { open: '00:00', close: '23:59' }]))),
        BANK_TRANSFER_CUTOFF: 'none',
        CONFIRM_WITHIN_BUSINESS_HOURS: process.env.BENCH_REMIND_HOURS ?? '1',
        // Virtual accounts are due this long after each request (BENCH_VA_HOURS, default 0.3: 18 minutes):
        // longer than opening them all and paying half, so the other half expire during the run.
        VIRTUAL_ACCOUNT_VALID_HOURS: process.env.BENCH_VA_HOURS ?? '0.3',
      }
    : {}),
});
// BENCH_TEMPORAL=postgres: the stack's Temporal server on this PostgreSQL server instead of the dev server.
const TEMPORAL_KIND = process.env.BENCH_TEMPORAL ?? 'dev';
if (TEMPORAL_KIND !== 'dev' && TEMPORAL_KIND !== 'postgres') throw new Error(`BENCH_TEMPORAL=${TEMPORAL_KIND}: expected dev (the default) or postgres`);
const temporalServer: BenchTemporal = await startBenchTemporal(TEMPORAL_KIND, databaseUrl, (line) => console.log(`[temporal] ${line}`));
const db = await openDatabase({ url: databaseUrl, migrate: true, poolSize: 20 });
const client = new Client({ connection: temporalServer.nativeConnection });
// BENCH_WORKER=process (the waiting scenario): the worker runs as `npm run worker` does, in its own
// process, so its resident memory is measured apart from the API and the load generator of this one.
const WORKER_PROCESS = WAITING > 0 && process.env.BENCH_WORKER === 'process';
// With `npm run worker`'s V8 heap limit (worker/worker.ts's WORKER_HEAP_MB); BENCH_WORKER_HEAP_MB=0: Node's default.
const WORKER_HEAP = Number(process.env.BENCH_WORKER_HEAP_MB ?? WORKER_HEAP_MB);
const WORKER_HEAP_ARGS = WORKER_HEAP > 0 ? [`--max-old-space-size=${WORKER_HEAP}`] : [];
let worker: Worker | undefined;
let running: Promise<void> = Promise.resolve();
let workerChild: ChildProcess | undefined;
if (WORKER_PROCESS) {
  workerChild = spawn(process.execPath, [...WORKER_HEAP_ARGS, '--import', 'tsx', fileURLToPath(new URL('../worker/main.ts', import.meta.url))], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalServer.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      LOG_LEVEL: 'warn',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-worker-')),
      ...(MAX_CACHED !== undefined ? { WORKER_MAX_CACHED_WORKFLOWS: String(MAX_CACHED) } : {}),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // Ready once it polls the task queue (it bundles the workflows first).
  for (const started = Date.now(); ;) {
    const d = await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType: 1 });
    if (d.pollers?.length) break;
    if (Date.now() - started > 300_000) throw new Error('the worker process did not poll its task queue within 5 minutes');
    await new Promise((r) => setTimeout(r, 500));
  }
} else {
  worker = await createWorker({
    connection: temporalServer.nativeConnection,
    taskQueue,
    ...serviceActivityDeps(db.prisma, config, pino({ level: 'silent' }), client),
    maxCachedWorkflows: config.workerMaxCachedWorkflows,
    options: {
      workflowsPath: fileURLToPath(new URL('./bench/workflows.ts', import.meta.url)),
      ...(MAX_CACHED !== undefined ? { maxCachedWorkflows: MAX_CACHED } : {}),
      // BENCH_PRELOAD=0 measures without worker/worker.ts's preloaded workflow modules (the "before").
      ...(process.env.BENCH_PRELOAD === '0' ? { bundlerOptions: {} } : {}),
    },
  });
  running = worker.run();
}
const app = createApp({ db: db.prisma, temporal: client, eagerStart: true, config, logger: pino({ level: 'silent' }) });
const server = app.listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
// The same API with every single consumption in its own workflow (no coalescing; the "before" of
// api/routes/consumptions/singles.ts), to compare in the same run.
const ownApp = createApp({
  db: db.prisma,
  temporal: client,
  eagerStart: true,
  config: { ...config, consumptionsInFlightPerCaller: 10_000 },
  logger: pino({ level: 'silent' }),
});
const ownServer = ownApp.listen(0, '127.0.0.1');
await new Promise((r) => ownServer.once('listening', r));
const ownBase = `http://127.0.0.1:${(ownServer.address() as AddressInfo).port}`;
const pool = new pg.Pool({ connectionString: databaseUrl, max: 16 });

const cores = (await import('node:os')).cpus().length;
console.log(
  `prepaid-points benchmark — node ${process.version}, ${cores} cores, PostgreSQL (${pgStarted ? `throwaway cluster on port ${pgStarted.port}` : 'DATABASE_URL'}), ${temporalServer.description}, scale ${SCALE}`,
);
console.log(`worker workflow cache: ${MAX_CACHED ?? config.workerMaxCachedWorkflows ?? 'worker/worker.ts default'}`);

const jsonHeaders = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });

async function fundedAccount(name: string, balance: number, parentId?: string) {
  const { account, apiKey } = await createAccount(db.prisma, { name, parentId });
  if (balance > 0)
    await post(db.prisma, { walletId: account.id, accountId: account.id, kind: 'adjustment', amount: balance, businessKey: `bench-seed:${account.id}` });
  return { id: account.id, apiKey };
}

async function postJson(path: string, key: string, body: unknown, idempotencyKey?: string, at = base) {
  const headers: Record<string, string> = jsonHeaders(key);
  if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
  const r = await fetch(`${at}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

/** The largest history (event count) of the workflows of each type, from the server's visibility store. */
async function largestHistories(types: string[]): Promise<Record<string, { workflows: number; maxEvents: number }>> {
  const out: Record<string, { workflows: number; maxEvents: number }> = {};
  for (const type of types) {
    let workflows = 0;
    let maxEvents = 0;
    for await (const wf of client.workflow.list({ query: `WorkflowType = '${type}'` })) {
      workflows++;
      maxEvents = Math.max(maxEvents, wf.historyLength);
    }
    out[type] = { workflows, maxEvents };
  }
  return out;
}

// Ctrl-C: the Temporal runtime takes SIGINT for its workers; stop the load and clean up here too.
let aborted = false;
let cleaning: Promise<void> | undefined;
process.once('SIGINT', () => {
  aborted = true;
  console.log('\ninterrupted: cleaning up');
  void cleanup().finally(() => process.exit(130));
});

const figures: Record<string, Figure> = {};
const run = async (key: string, f: () => Promise<Figure>) => {
  figures[key] = await f();
};

try {
  if (WAITING) await waitingScenario(WAITING);
  else await mainScenarios();
} finally {
  await cleanup();
}

/** Stops everything this run started (once: the normal end and Ctrl-C both come here). */
async function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    server.close();
    ownServer.close();
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running.catch(() => undefined);
    if (workerChild && workerChild.exitCode === null) {
      const exited = new Promise((r) => workerChild!.once('exit', r));
      workerChild.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
      if (workerChild.exitCode === null) workerChild.kill('SIGKILL');
    }
    await temporalServer.stop().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await db.close().catch(() => undefined);
    stopPostgres();
  })();
  return cleaning;
}

// ---------------------------------------------------------------------------------------------- scenarios
async function mainScenarios() {
  const { id: accountId, apiKey } = await fundedAccount('bench', 1_000_000_000);
  const single = (key: string, at = base) => postJson('/v1/consumptions', apiKey, { accountId, item: 'sms', quantity: 1 }, key, at);
  const empty = () => client.workflow.execute('emptyWorkflow', { taskQueue, workflowId: `empty:${randomUUID()}`, requestEagerStart: true });

  console.log('\nwarm-up (JIT, pools, workflow bundle)');
  await load('empty workflows', 40, 8, async () => (await empty(), { status: 'ok' }));
  await load('single consumptions', 40, 8, async (i) => ({ status: (await single(`warm-${i}`)).status }));

  const hotBare = await fundedAccount('bare-hot', 1_000_000_000);
  const bareWallets = await Promise.all(Array.from({ length: 100 }, (_, i) => fundedAccount(`bare-${i}`, 1_000_000_000)));
  const bareDebit = async (walletId: string, i: number) => {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      const r = await c.query<{ balance: string }>(
        'UPDATE "Wallet" SET "balance" = "balance" - 9, "updatedAt" = now() WHERE "accountId" = $1 AND "balance" >= 9 RETURNING "balance"',
        [walletId],
      );
      await c.query(
        `INSERT INTO "LedgerEntry" ("walletId", "accountId", "kind", "amount", "balanceAfter", "businessKey") VALUES ($1, $1, 'adjustment', -9, $2, $3)`,
        [walletId, r.rows[0]!.balance, `bench-bare:${walletId}:${i}:${randomUUID()}`],
      );
      await c.query('COMMIT');
      return { status: 'ok' };
    } finally {
      c.release();
    }
  };

  console.log('\nceilings');
  if (wanted('temporal')) {
    await run('temporal1', () => load('bare Temporal: empty workflow, c=1', n(80), 1, async () => (await empty(), { status: 'ok' })));
    await run('temporal16', () => load('bare Temporal: empty workflow, c=16', n(640), 16, async () => (await empty(), { status: 'ok' })));
  }
  if (wanted('pg')) {
    await run('pgHot', () => load('bare PostgreSQL: debit, hot wallet, c=16', n(4000), 16, (i) => bareDebit(hotBare.id, i)));
    await run('pg100', () => load('bare PostgreSQL: debit, 100 wallets, c=16', n(8000), 16, (i) => bareDebit(bareWallets[i % 100]!.id, i)));
  }

  console.log('\nthe service');
  if (wanted('single')) {
    await run('single1', () => load('single consumption, c=1', n(80), 1, async (i) => ({ status: (await single(`s1-${i}`)).status })));
    await run('single16', () => load('single consumption, c=16', n(640), 16, async (i) => ({ status: (await single(`s16-${i}`)).status })));
    await run('single16own', () =>
      load('single consumption, c=16, one workflow each', n(640), 16, async (i) => ({ status: (await single(`s16own-${i}`, ownBase)).status })),
    );
  }
  if (wanted('batch')) {
    // One partner's key sends every batch; its sub-accounts pay for themselves.
    const partner = await fundedAccount('batch-partner', 0);
    const hot = await fundedAccount('batch-hot', 1_000_000_000, partner.id);
    const wallets = await Promise.all(Array.from({ length: 100 }, (_, i) => fundedAccount(`batch-${i}`, 1_000_000_000, partner.id)));
    const batchOf = (size: number, prefix: string, accountOf: (j: number) => string) => async (i: number) => {
      const items = Array.from({ length: size }, (_, j) => ({ key: `${prefix}-${i}-${j}`, accountId: accountOf(j), item: 'sms', quantity: 1 }));
      const r = await postJson('/v1/consumptions/batch', partner.apiKey, { items });
      const results = (r.body.results as { status: number }[] | undefined) ?? [];
      const ok = results.filter((x) => x.status === 201).length;
      return { status: r.status === 200 && ok === size ? 201 : `${r.status}/${ok}`, ops: size };
    };
    await load(
      'warm-up batches',
      4,
      2,
      batchOf(100, 'warm', () => hot.id),
    );
    await run('batchHot100', () =>
      load(
        'batch of 100, hot wallet, 4 in flight',
        n(40),
        4,
        batchOf(100, 'bh100', () => hot.id),
      ),
    );
    await run('batchHot1000', () =>
      load(
        'batch of 1,000, hot wallet, 2 in flight',
        n(10),
        2,
        batchOf(1000, 'bh1000', () => hot.id),
      ),
    );
    await run('batch100w100', () =>
      load(
        'batch of 100, 100 wallets, 4 in flight',
        n(40),
        4,
        batchOf(100, 'bw100', (j) => wallets[j % 100]!.id),
      ),
    );
    await run('batch100w1000', () =>
      load(
        'batch of 1,000, 100 wallets, 2 in flight',
        n(10),
        2,
        batchOf(1000, 'bw1000', (j) => wallets[j % 100]!.id),
      ),
    );
  }
  memoryLine('after the scenarios');

  const problems = await checkLedgerIntegrity(db.prisma);
  console.log(`  ledger integrity problems: ${problems.length}`);
  const histories = await largestHistories(['emptyWorkflow', 'consumptionWorkflow', 'consumptionBatchWorkflow']);
  for (const [type, h] of Object.entries(histories))
    console.log(`  history: ${type.padEnd(26)} ${String(h.workflows).padStart(6)} workflows, largest ${h.maxEvents} events`);

  // ---- the summary: each figure beside its ceiling
  const f = figures;
  const ratio = (a?: number, b?: number) => (a !== undefined && b !== undefined && b > 0 ? `${(a / b).toFixed(2)}×` : '—');
  const rows: [string, string, string, string][] = [];
  const add = (what: string, value: string, ceiling: string, r: string) => rows.push([what, value, ceiling, r]);
  add('bare Temporal, empty workflow, c=1', f.temporal1 ? `p50 ${f.temporal1.p50.toFixed(1)} ms` : '—', '(ceiling)', '');
  add('bare Temporal, empty workflow, c=16', f.temporal16 ? `${f.temporal16.rate.toFixed(0)}/s` : '—', '(ceiling)', '');
  add('bare PostgreSQL debits, hot wallet', f.pgHot ? `${f.pgHot.rate.toFixed(0)}/s` : '—', '(ceiling)', '');
  add('bare PostgreSQL debits, 100 wallets', f.pg100 ? `${f.pg100.rate.toFixed(0)}/s` : '—', '(ceiling)', '');
  if (f.single1)
    add(
      'single consumption, c=1',
      `p50 ${f.single1.p50.toFixed(1)} ms, p99 ${f.single1.p99.toFixed(1)} ms`,
      f.temporal1 ? `empty wf p50 ${f.temporal1.p50.toFixed(1)} ms` : '—',
      ratio(f.single1.p50, f.temporal1?.p50),
    );
  for (const [key, what] of [
    ['single16', 'single consumption, c=16'],
    ['single16own', 'single consumption, c=16, one workflow each'],
  ] as const) {
    const x = f[key];
    if (x)
      add(
        what,
        `${x.rate.toFixed(0)}/s, p50 ${x.p50.toFixed(0)} ms, p99 ${x.p99.toFixed(0)} ms`,
        f.temporal16 ? `empty wf ${f.temporal16.rate.toFixed(0)}/s` : '—',
        ratio(x.rate, f.temporal16?.rate),
      );
  }
  for (const [key, what, ceil] of [
    ['batchHot100', 'batch of 100, hot wallet', 'pgHot'],
    ['batchHot1000', 'batch of 1,000, hot wallet', 'pgHot'],
    ['batch100w100', 'batch of 100, 100 wallets', 'pg100'],
    ['batch100w1000', 'batch of 1,000, 100 wallets', 'pg100'],
  ] as const) {
    const x = f[key];
    const c = f[ceil];
    if (x)
      add(
        what,
        `${x.rate.toFixed(0)} consumptions/s (batch p50 ${x.p50.toFixed(0)} ms)`,
        c ? `bare debits ${c.rate.toFixed(0)}/s` : '—',
        ratio(x.rate, c?.rate),
      );
  }
  console.log('\nsummary (ratios are what to compare across machines; the absolute figures depend on load)');
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length), 8));
  for (const r of rows) console.log(`  ${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`);
  console.log('\ncpu per operation (this process: API + worker + load generator)');
  for (const x of Object.values(f)) console.log(`  ${x.label.padEnd(44)} ${x.cpuMsPerOp.toFixed(2)} ms`);
}

async function waitingScenario(count: number) {
  const { id: accountId, apiKey } = await fundedAccount('waiting', 0);
  const other = await fundedAccount('reader', 1_000_000);
  // The sandbox posts the gateway's signed notification to this service's own webhook, at its public URL.
  config.publicBaseUrl = base;
  const AMOUNT = 50_000;
  // Every other charge a bank transfer, the rest virtual accounts; of each, half end one way, half the other.
  const bank = (i: number) => i % 2 === 0;
  const ending = (i: number): 'confirm' | 'cancel' | 'deposit' | 'expire' => (['confirm', 'deposit', 'cancel', 'expire'] as const)[i % 4]!;
  const indices = (pick: (i: number) => boolean) => Array.from({ length: count }, (_, i) => i).filter(pick);
  const bankIdx = indices(bank);
  const depositIdx = indices((i) => ending(i) === 'deposit');
  const expireIdx = indices((i) => ending(i) === 'expire');
  const credited = indices((i) => ending(i) === 'confirm' || ending(i) === 'deposit').length;
  console.log(
    `\n${count} charges waiting at once: ${bankIdx.length} bank transfers (${config.schedule.confirmWithinBusinessHours} business hours to the confirmation reminder), ${count - bankIdx.length} virtual accounts (valid ${config.virtualAccountValidHours} hours)`,
  );
  if (workerChild) console.log(`worker process: V8 heap limit ${WORKER_HEAP ? `${WORKER_HEAP} MB` : "Node's default"} (BENCH_WORKER_HEAP_MB)`);
  const before = memoryLine('before');
  const charges: string[] = new Array(count);
  const accountNumbers: string[] = new Array(count);
  const started = Date.now();
  // The highest resident memory of this process and of the worker at any second, per phase of the scenario.
  let phase = 'opening';
  const peaks = new Map<string, { rss: number; worker: number }>();
  const sample = () => {
    const p = peaks.get(phase) ?? { rss: 0, worker: 0 };
    peaks.set(phase, { rss: Math.max(p.rss, process.memoryUsage().rss), worker: Math.max(p.worker, workerRss()) });
  };
  const sampler = setInterval(sample, 1_000);
  sampler.unref();
  sample();
  let created = 0;
  let retried = 0;
  const samples: string[] = [];
  // The worker process's CPU per operation of each phase (BENCH_WORKER=process): what the memory settings cost.
  let cpuMark = workerCpuMs();
  const workerCpuPerOp = (ops: number) => {
    const now = workerCpuMs();
    const perOp = (now - cpuMark) / Math.max(ops, 1);
    cpuMark = now;
    return perOp;
  };
  const opening = await load('POST /v1/charges (bank transfer | virtual account), c=64', count, 64, async (i) => {
    const body = bank(i)
      ? { accountId, amount: AMOUNT, method: 'bank_transfer', depositorName: `Depositor ${i}` }
      : { accountId, amount: AMOUNT, method: 'virtual_account' };
    // A 503 (the worker too busy to answer within API_TEMPORAL_TIMEOUT_MS) leaves the outcome unknown: like
    // any client, retry with the same Idempotency-Key, which lands on the same charge.
    let r = await postJson('/v1/charges', apiKey, body, `wait-${i}`);
    for (let retry = 0; r.status === 503 && retry < 20; retry++) {
      retried++;
      await new Promise((done) => setTimeout(done, 2_000));
      r = await postJson('/v1/charges', apiKey, body, `wait-${i}`);
    }
    charges[i] = r.body.id as string;
    if (!bank(i)) accountNumbers[i] = (r.body.virtualAccount as { accountNumber?: string } | undefined)?.accountNumber ?? '';
    if (++created % 1000 === 0) {
      const m = process.memoryUsage();
      samples.push(`${created}: ${mb(m.rss)}${workerChild ? ` (worker ${mb(workerRss())})` : ''}`);
      console.log(
        `    ${created} waiting after ${((Date.now() - started) / 1000).toFixed(0)} s: service rss ${mb(m.rss)} (heap ${mb(m.heapUsed)})${workerChild ? `, worker ${mb(workerRss())}` : ''}, Temporal ${mb(childRss('temporal'))}`,
      );
    }
    const issued = bank(i) || accountNumbers[i] ? '' : ' without account';
    return { status: `${r.status}${issued}` };
  });
  const openingCpu = workerCpuPerOp(count);
  // A virtual account whose gateway did not issue it within CARD_CHARGE_WAIT_MS (a busy worker) is answered
  // 202 without its account, as the API documents; a client reads the account later, as here.
  const unissued = indices((i) => !bank(i) && !accountNumbers[i]);
  for (const i of unissued) {
    for (const deadline = Date.now() + 120_000; !accountNumbers[i] && Date.now() < deadline;) {
      const r = await fetch(`${base}/v1/charges/${charges[i]}`, { headers: jsonHeaders(apiKey) });
      accountNumbers[i] = ((await r.json()) as { virtualAccount?: { accountNumber?: string } }).virtualAccount?.accountNumber ?? '';
      if (!accountNumbers[i]) await new Promise((done) => setTimeout(done, 1_000));
    }
  }
  if (unissued.length) {
    const still = unissued.filter((i) => !accountNumbers[i]).length;
    console.log(
      `  ${unissued.length} virtual accounts were answered before the gateway issued them; read from GET /v1/charges/{id} afterwards (${still} still without one)`,
    );
  }
  const waitingBy = await db.prisma.charge.groupBy({ by: ['method'], where: { accountId, status: 'awaiting_deposit' }, _count: true });
  const waiting = waitingBy.reduce((sum, m) => sum + m._count, 0);
  console.log(
    `  awaiting deposit: ${waiting} (${waitingBy.map((m) => `${m.method} ${m._count}`).join(', ')}; ${retried} requests answered 503 and retried with their key)`,
  );
  const rest = memoryLine(`with ${waiting} waiting`);

  phase = 'reads';
  console.log('\nwhile they wait');
  const read = async () => {
    const r = await fetch(`${base}/v1/accounts/${other.id}/balance`, { headers: jsonHeaders(other.apiKey) });
    await r.arrayBuffer();
    return { status: r.status };
  };
  // One reader at a time (the latency of a read itself), then 16 (queueing on 2 cores included).
  const reads1 = await load('GET /v1/accounts/{id}/balance, c=1', n(500), 1, read);
  const reads = await load('GET /v1/accounts/{id}/balance, c=16', n(2000), 16, read);

  // Half the virtual accounts are paid before their dueAt: the simulated gateway takes the deposit and posts
  // its signed notification to /webhooks/gateway, which credits the charge through its (mostly evicted) workflow.
  phase = 'deposits';
  cpuMark = workerCpuMs();
  console.log('\nhalf the virtual accounts paid through the sandbox (the gateway notifies the webhook)');
  const dueAts = await db.prisma.simulatedVirtualAccount.aggregate({ where: { chargeId: { in: depositIdx.map((i) => charges[i]!) } }, _min: { dueAt: true } });
  const deposits = await load('POST /v1/sandbox/virtual-accounts/{n}/deposits, c=32', depositIdx.length, 32, async (k) => {
    const i = depositIdx[k]!;
    const r = await postJson(`/v1/sandbox/virtual-accounts/${accountNumbers[i]}/deposits`, ADMIN, { amount: AMOUNT });
    const note = r.body.notification as { status?: number; body?: { status?: string; code?: string }; error?: string } | undefined;
    return {
      status:
        r.status === 201 && note?.status === 200 && note.body?.status === 'succeeded'
          ? 'succeeded'
          : `${r.status}:${String(r.body.code ?? '')}:${note?.status ?? note?.error}:${note?.body?.status ?? note?.body?.code}`,
    };
  });
  const depositCpu = workerCpuPerOp(depositIdx.length);
  const depositMargin = ((dueAts._min.dueAt?.getTime() ?? 0) - Date.now()) / 1000;
  console.log(`  the earliest dueAt of the paid accounts was still ${depositMargin.toFixed(0)} s away after the last deposit`);

  // The reminder timers: each bank transfer records `confirmation_overdue` when its timer fires, evicted or not.
  phase = 'reminders';
  const remindAt = await db.prisma.charge.aggregate({ where: { accountId, method: 'bank_transfer' }, _max: { expectedBy: true } });
  const waitUntil = (remindAt._max.expectedBy?.getTime() ?? 0) + 5_000;
  let reminded = 0;
  let afterReminders: ReturnType<typeof memoryLine> | undefined;
  if (process.env.BENCH_REMIND_HOURS && waitUntil - Date.now() < 10 * 60_000) {
    while (Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 1_000));
    const deadline = Date.now() + 5 * 60_000;
    while (Date.now() < deadline) {
      reminded = await db.prisma.chargeEvent.count({ where: { type: 'confirmation_overdue', charge: { accountId } } });
      if (reminded >= bankIdx.length) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    console.log(
      `  reminders recorded after their timers fired: ${reminded} of ${bankIdx.length} bank transfers (last due ${new Date(waitUntil - 5_000).toISOString()}, all in ${((Date.now() - started) / 1000).toFixed(0)} s from the first charge)`,
    );
    afterReminders = memoryLine('after the reminders');
  } else {
    console.log('  (reminder timers not waited for; BENCH_REMIND_HOURS=0.05 fires them 3 minutes after each request)');
  }

  phase = 'endings';
  cpuMark = workerCpuMs();
  console.log('\nending the bank transfers: every other one confirmed, the rest cancelled');
  const endings = await load('confirm-deposit / cancel, c=64', bankIdx.length, 64, async (k) => {
    const i = bankIdx[k]!;
    const id = charges[i]!;
    const confirm = ending(i) === 'confirm';
    const r = confirm
      ? await postJson(`/v1/charges/${id}/confirm-deposit`, ADMIN, { depositedAmount: AMOUNT })
      : await postJson(`/v1/charges/${id}/cancel`, apiKey, {});
    const expected = confirm ? 'succeeded' : 'cancelled';
    return { status: r.status === 200 && r.body.status === expected ? expected : `${r.status}:${String(r.body.status ?? r.body.code)}` };
  });
  const endingCpu = workerCpuPerOp(bankIdx.length);
  const afterEndings = memoryLine('after the bank transfers ended');

  // The other half of the virtual accounts expire at their dueAt: a timer firing on an evicted workflow,
  // which closes the account at the gateway and the charge.
  phase = 'expiry';
  const expireIds = expireIdx.map((i) => charges[i]!);
  const due = await db.prisma.simulatedVirtualAccount.aggregate({ where: { chargeId: { in: expireIds } }, _max: { dueAt: true } });
  const expireUntil = (due._max.dueAt?.getTime() ?? 0) + 5_000;
  let expired = 0;
  let afterExpiry: ReturnType<typeof memoryLine> | undefined;
  if (expireUntil - Date.now() < 40 * 60_000) {
    console.log(`\nwaiting for ${expireIds.length} virtual accounts to expire (the last at ${new Date(expireUntil - 5_000).toISOString()})`);
    while (Date.now() < expireUntil) await new Promise((r) => setTimeout(r, 1_000));
    const deadline = Date.now() + 5 * 60_000;
    while (Date.now() < deadline) {
      expired = await db.prisma.charge.count({ where: { id: { in: expireIds }, status: 'expired' } });
      if (expired >= expireIds.length) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    console.log(`  expired: ${expired} of ${expireIds.length} (all in ${((Date.now() - started) / 1000).toFixed(0)} s from the first charge)`);
    afterExpiry = memoryLine('after the expiries');
  } else {
    console.log(`\n(expiry not waited for: the last dueAt is ${new Date(expireUntil).toISOString()}; BENCH_VA_HOURS sets the validity)`);
  }
  clearInterval(sampler);

  const byStatus = await db.prisma.charge.groupBy({
    by: ['method', 'status'],
    where: { accountId },
    _count: true,
    orderBy: [{ method: 'asc' }, { status: 'asc' }],
  });
  const statuses = byStatus.map((s) => `${s.method} ${s.status} ${s._count}`).join(', ');
  const wallet = await db.prisma.wallet.findUniqueOrThrow({ where: { accountId } });
  const expectedBalance = credited * AMOUNT;
  console.log(`  charges by status: ${statuses}; balance ${wallet.balance} (expected ${expectedBalance}: ${credited} × ${AMOUNT})`);
  const problems = await checkLedgerIntegrity(db.prisma);
  console.log(`  ledger integrity problems: ${problems.length}`);
  const histories = await largestHistories(['chargeWorkflow']);
  const largest = histories.chargeWorkflow?.maxEvents ?? 0;
  for (const [type, h] of Object.entries(histories)) console.log(`  history: ${type} ${h.workflows} workflows, largest ${h.maxEvents} events`);
  const peakLine = [...peaks].map(([p, m]) => `${p} ${workerChild ? `worker ${mb(m.worker)} / API ${mb(m.rss)}` : mb(m.rss)}`).join(', ');
  console.log(`  rss while opening: ${samples.join(', ')}; highest sampled each second, by phase: ${peakLine}`);
  const w = (m: { worker: number; rss: number } | undefined) => (m ? mb(workerChild ? m.worker : m.rss) : '—');
  console.log(
    `\nsummary: ${count} waiting (${bankIdx.length} bank transfers, ${count - bankIdx.length} virtual accounts); ${workerChild ? 'worker' : 'service'} rss before ${w(before)}, at rest ${w(rest)}, peak while opening ${w(peaks.get('opening'))}, after reminders ${w(afterReminders)}, after endings ${w(afterEndings)}, after expiry ${w(afterExpiry)}, peak overall ${mb(Math.max(...[...peaks.values()].map((m) => (workerChild ? m.worker : m.rss))))}` +
      `${workerChild ? `; API rss at rest ${mb(rest.rss)}, peak ${mb(Math.max(...[...peaks.values()].map((m) => m.rss)))}` : ''}; Temporal ${mb(rest.temporal)}` +
      `; opening ${opening.rate.toFixed(0)}/s p50 ${opening.p50.toFixed(0)} ms p99 ${opening.p99.toFixed(0)} ms (${retried} 503s retried, ${unissued.length} virtual accounts answered before issued)` +
      `${workerChild ? `; worker cpu per charge opened ${openingCpu.toFixed(1)} ms, per deposit ${depositCpu.toFixed(1)} ms, per bank-transfer ending ${endingCpu.toFixed(1)} ms` : ''}` +
      `; balance reads c=1 p50 ${reads1.p50.toFixed(1)} ms p99 ${reads1.p99.toFixed(1)} ms, c=16 ${reads.rate.toFixed(0)}/s p50 ${reads.p50.toFixed(1)} ms p99 ${reads.p99.toFixed(1)} ms` +
      `; reminders ${reminded}/${bankIdx.length}; deposits ${deposits.statuses}; endings ${endings.statuses}; expired ${expired}/${expireIds.length}` +
      `; statuses ${statuses}; balance ${wallet.balance} (expected ${expectedBalance}); ledger problems ${problems.length}; largest charge history ${largest} events`,
  );
}
