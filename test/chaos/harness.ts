// The chaos run's moving parts: a PostgreSQL cluster it may stop, Temporal dev servers persisted in a
// file it may kill, a TCP proxy it may cut, and the service's own entry points (scripts/start.ts,
// api/main.ts, worker/main.ts) as separate OS processes it may SIGKILL. Everything listens on loopback
// on free ports and lives in one scratch directory.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { workflowsPath } from '../../worker/worker.ts';
import { repoRoot, temporalCliPath } from '../../config/temporal-binaries.ts';
import { openDatabase, type Database } from '../../db/client.ts';
import { freePort } from '../support/ports.ts';
import { WORKER_HEAP_MB } from '../../worker/worker.ts';
export { freePort };
export { TcpProxy } from '../support/tcp-proxy.ts';

const run = promisify(execFile);

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `probe` until it yields a truthy value; fails after `timeoutMs` naming `what`. */
export async function until<T>(probe: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let value: T | undefined | null | false;
    try {
      value = await probe();
    } catch {
      value = undefined;
    }
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------------------------------------------
// PostgreSQL: a throwaway cluster from scripts/ci-postgres.sh, which can halt and resume its server.

export class ChaosPostgres {
  private constructor(
    readonly port: number,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  static async start(): Promise<ChaosPostgres> {
    const port = await freePort();
    const env = { ...process.env, CI_PG_PORT: String(port), CI_PG_DB: 'chaos' };
    const pgres = new ChaosPostgres(port, env);
    await pgres.script('start');
    return pgres;
  }

  private async script(verb: 'start' | 'stop' | 'halt' | 'resume') {
    await run(join(repoRoot, 'scripts/ci-postgres.sh'), [verb], { env: this.env, timeout: 120_000 });
  }

  url(database = 'chaos') {
    return `postgresql://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** A fresh, migrated database for one scenario. */
  async createDatabase(name: string): Promise<{ url: string; db: Database }> {
    const admin = new pg.Client({ connectionString: this.url() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = this.url(name);
    const db = await openDatabase({ url, migrate: true, poolSize: 5, onIdleError: () => {} });
    return { url, db };
  }

  /** pg_ctl stop -m fast: connections are cut, new ones refused, data kept. */
  halt() {
    return this.script('halt');
  }

  resume() {
    return this.script('resume');
  }

  stop() {
    return this.script('stop');
  }
}

// ---------------------------------------------------------------------------------------------------
// Process plumbing.

/** Every process the run started, so that none outlives it (see killAll). */
const started = new Set<Proc>();

/** SIGKILLs every process the run started that is still alive (synchronous: usable on exit). */
export function killAll() {
  for (const p of started) if (p.alive) p.child.kill('SIGKILL');
}

/** Processes of the run that exited without being told to, with the last line of their log. */
export function unexpectedExits(): string[] {
  return [...started]
    .filter((p) => p.crashed)
    .map((p) => `${p.name} (pid ${p.pid}) exited without being told to; last log line: ${p.logTail(2).trim().slice(-300)}`);
}

export class Proc {
  readonly exited: Promise<number | null>;
  private killedByUs = false;
  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
    started.add(this);
  }
  get pid(): number {
    return this.child.pid ?? -1;
  }
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
  /** Whether it died without being told to. */
  get crashed(): boolean {
    return !this.alive && !this.killedByUs;
  }
  async kill(signal: NodeJS.Signals = 'SIGKILL', timeoutMs = 30_000): Promise<void> {
    this.killedByUs = true;
    if (!this.alive) return;
    this.child.kill(signal);
    const done = await Promise.race([this.exited.then(() => true), sleep(timeoutMs).then(() => false)]);
    if (!done) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
  logTail(lines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }
}

function spawnLogged(name: string, dir: string, cmd: string, args: string[], env: NodeJS.ProcessEnv): Proc {
  mkdirSync(dir, { recursive: true });
  const logFile = join(dir, `${name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(cmd, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  child.once('exit', () => setTimeout(() => log.end(), 100));
  return new Proc(name, child, logFile);
}

// ---------------------------------------------------------------------------------------------------
// Temporal: the CLI's dev server, persisted in a file so a killed server comes back with its workflows.

export class ChaosTemporal {
  proc: Proc | undefined;
  private starts = 0;
  private constructor(
    readonly port: number,
    readonly dbFile: string,
    private readonly dir: string,
  ) {}

  static async start(dir: string): Promise<ChaosTemporal> {
    // A free port can be taken by another program before the server binds it: try another one then.
    for (let attempt = 1; ; attempt++) {
      const t = new ChaosTemporal(await freePort(), join(dir, 'temporal.db'), dir);
      try {
        await t.launch();
        return t;
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
  }

  get address() {
    return `127.0.0.1:${this.port}`;
  }

  async launch(): Promise<void> {
    const cli = temporalCliPath();
    if (!cli) throw new Error('no Temporal CLI: run npm install (scripts/fetch-temporal.mjs) or set TEMPORAL_CLI_PATH');
    const args = [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(this.port),
      '--headless',
      '--namespace',
      'default',
      '--db-filename',
      this.dbFile,
      '--log-level',
      'error',
    ];
    this.proc = spawnLogged(`temporal-${++this.starts}`, this.dir, cli, args, process.env);
    await until(
      async () => {
        if (!this.proc!.alive) throw new Error(`Temporal dev server exited:\n${this.proc!.logTail()}`);
        const connection = await Connection.connect({ address: this.address, connectTimeout: 2_000 });
        try {
          await connection.withDeadline(Date.now() + 2_000, () => connection.workflowService.getSystemInfo({}));
          // The namespace must answer too, not only the frontend.
          await connection.withDeadline(Date.now() + 2_000, () => connection.workflowService.describeNamespace({ namespace: 'default' }));
          return true;
        } finally {
          await connection.close();
        }
      },
      `Temporal dev server on ${this.address}`,
      90_000,
      300,
    ).catch(async (err) => {
      if (this.proc?.alive) await this.proc.kill();
      throw err;
    });
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL') {
    await this.proc?.kill(signal);
  }

  async client(): Promise<{ client: Client; close(): Promise<void> }> {
    const connection = await Connection.connect({ address: this.address });
    return { client: new Client({ connection, namespace: 'default' }), close: () => connection.close() };
  }
}

// ---------------------------------------------------------------------------------------------------
// The service's processes.

export interface ServiceEnv {
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  adminKey: string;
  dataDir: string;
}

let workflowBundle: string | undefined;

/**
 * Bundles the workflows once for the whole run (what a production image does at build time); every
 * worker process then loads it (TEMPORAL_WORKFLOW_BUNDLE) instead of running webpack at each start.
 */
export async function prepareWorkflowBundle(dir: string): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  workflowBundle = join(dir, 'workflow-bundle.js');
  writeFileSync(workflowBundle, code);
}

function serviceEnv(s: ServiceEnv, extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: s.databaseUrl,
    TEMPORAL_ADDRESS: s.temporalAddress,
    TEMPORAL_TASK_QUEUE: s.taskQueue,
    ADMIN_API_KEY: s.adminKey,
    DATA_DIR: s.dataDir,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    RATE_LIMIT_PER_MINUTE: '0',
    // Bank transfers are confirmed whenever the scenario likes: no cut-off.
    BANK_TRANSFER_CUTOFF: 'none',
    ...(workflowBundle ? { TEMPORAL_WORKFLOW_BUNDLE: workflowBundle } : {}),
    ...extra,
  };
}

const ENTRY = { start: 'scripts/start.ts', api: 'api/main.ts', worker: 'worker/main.ts' } as const;

/**
 * Spawns one entry point as its own OS process (`node --import tsx <entry>`, so the pid is the service
 * itself) and waits until it serves: /healthz for the API and the whole service, the worker's
 * "polling" log line for a worker.
 */
export async function spawnService(
  kind: keyof typeof ENTRY,
  name: string,
  s: ServiceEnv,
  opts: { port?: number; env?: Record<string, string> } = {},
): Promise<Proc> {
  const port = opts.port ?? (kind === 'worker' ? 0 : await freePort());
  // A worker runs as `npm run worker` runs it: with its V8 heap limit (worker/worker.ts WORKER_HEAP_MB).
  const flags = kind === 'worker' ? [`--max-old-space-size=${WORKER_HEAP_MB}`] : [];
  const proc = spawnLogged(name, s.dataDir, process.execPath, [...flags, '--import', 'tsx', ENTRY[kind]], serviceEnv(s, { PORT: String(port), ...opts.env }));
  const ready =
    kind === 'worker'
      ? async () => readFileSync(proc.logFile, 'utf8').includes('worker polling task queue')
      : async () => (await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2_000) })).ok;
  await until(
    async () => {
      if (!proc.alive) throw new Error(`${name} exited during start`);
      return await ready();
    },
    `${name} to start`,
    180_000,
    250,
  ).catch(async (err) => {
    const tail = proc.logTail();
    await proc.kill();
    throw new Error(`${(err as Error).message}\n--- ${name} log ---\n${tail}`);
  });
  return proc;
}

// ---------------------------------------------------------------------------------------------------
// HTTP as a client sees it.

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
  ms: number;
}

export class Api {
  constructor(readonly baseUrl: string) {}

  /** One request; a network error or a 90 s wait (a hang: longer than the API's own deadlines) rejects. */
  async request(method: string, path: string, opts: { key: string; body?: unknown; idempotencyKey?: string; timeoutMs?: number }): Promise<Answer> {
    const started = Date.now();
    const headers: Record<string, string> = { authorization: `Bearer ${opts.key}` };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 90_000),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    return { status: res.status, body, headers: res.headers, ms: Date.now() - started };
  }

  /**
   * Sends the same request until it has a definite answer (anything but a 5xx or a network error), as a
   * well-behaved client does after a 503 (honouring Retry-After, capped at 2 s). Fails after `timeoutMs`.
   */
  async untilDefinite(
    method: string,
    path: string,
    opts: { key: string; body?: unknown; idempotencyKey?: string },
    timeoutMs = 120_000,
  ): Promise<Answer & { attempts: number }> {
    const deadline = Date.now() + timeoutMs;
    let attempts = 0;
    let last = '';
    while (Date.now() < deadline) {
      attempts++;
      try {
        const a = await this.request(method, path, opts);
        if (a.status < 500) return { ...a, attempts };
        last = `${a.status} ${JSON.stringify(a.body).slice(0, 200)}`;
        const retryAfter = Number(a.headers.get('retry-after') ?? '1');
        await sleep(Math.min(2_000, Math.max(200, retryAfter * 1000)));
      } catch (err) {
        last = String(err);
        await sleep(500);
      }
    }
    throw new Error(`${method} ${path} never got a definite answer in ${timeoutMs} ms (last: ${last})`);
  }
}
