// Temporal on PostgreSQL for the stack: its two databases and schemas (the schema tool's own steps, the
// same ones docker-compose.yml runs in temporalio/admin-tools), the config rendered from the template in
// this folder, the server process, and the `default` namespace (not created by the server itself).
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { Connection, isGrpcServiceError } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { parse as parseYaml } from 'yaml';
import type { TemporalBinaries } from './temporal-binaries.ts';
import { ManagedProcess } from './process.ts';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));

export interface TemporalPorts {
  frontend: number;
  frontendMembership: number;
  frontendHttp: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
  metrics: number;
}

export interface TemporalDb {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  visibilityDatabase: string;
}

/**
 * The schema tool's three steps for each database, run at every start exactly as docker-compose.yml's
 * temporal-schema job runs them. All three are idempotent in 1.29.1: create-database ignores an existing
 * database (42P04), setup-schema -v 0.0 leaves a database above 0.0 alone, update-schema applies only the
 * versions above the recorded one — a no-op when current, the upgrade step after a server upgrade.
 */
export async function setupTemporalSchema(bin: TemporalBinaries, db: TemporalDb, log: (line: string) => void): Promise<void> {
  const env = {
    ...process.env,
    SQL_PLUGIN: 'postgres12',
    SQL_HOST: db.host,
    SQL_PORT: String(db.port),
    SQL_USER: db.user,
    SQL_PASSWORD: db.password,
  };
  const steps: [database: string, schema: 'temporal' | 'visibility'][] = [
    [db.database, 'temporal'],
    [db.visibilityDatabase, 'visibility'],
  ];
  for (const [database, schema] of steps) {
    const tool = (...args: string[]) => run(bin.sqlTool, ['--db', database, ...args], { env, maxBuffer: 16 << 20 });
    await tool('create-database');
    await tool('setup-schema', '-v', '0.0');
    await tool('update-schema', '-d', join(bin.schemaDir, schema, 'versioned'));
    log(`${database}: schema version ${await schemaVersion(db, database)}`);
  }
}

async function withDb<T>(db: TemporalDb, database: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: db.host, port: db.port, user: db.user, password: db.password, database });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export function schemaVersion(db: TemporalDb, database: string): Promise<string> {
  return withDb(db, database, async (c) => (await c.query('SELECT curr_version FROM schema_version LIMIT 1')).rows[0]?.curr_version ?? 'none');
}

export interface TemporalServerOptions {
  dir: string;
  binaries: TemporalBinaries;
  db: TemporalDb;
  ports: TemporalPorts;
  numHistoryShards: number;
  /** Connections per server process to the default and the visibility store. */
  maxConns?: { default: number; visibility: number };
  logLevel?: string;
  echo?: boolean;
  onEvent?: (msg: string) => void;
}

function render(template: string, values: Record<string, string | number>): string {
  return template.replace(/\$\{([A-Z_]+)\}/g, (_, key: string) => {
    if (!(key in values)) throw new Error(`temporal config template: no value for \${${key}}`);
    return String(values[key]);
  });
}

/** Writes <dir>/config/development.yaml and the dynamic config from the templates; returns the config's path. */
export function writeTemporalConfig(opts: TemporalServerOptions): string {
  const { ports, db } = opts;
  const values = {
    TEMPORAL_VERSION: opts.binaries.version,
    LOG_LEVEL: opts.logLevel ?? 'warn',
    NUM_HISTORY_SHARDS: opts.numHistoryShards,
    DB_NAME: db.database,
    VISIBILITY_DB_NAME: db.visibilityDatabase,
    DB_HOST: db.host,
    DB_PORT: db.port,
    DB_USER: db.user,
    DB_PASSWORD: db.password,
    SQL_MAX_CONNS: opts.maxConns?.default ?? 20,
    SQL_VIS_MAX_CONNS: opts.maxConns?.visibility ?? 5,
    METRICS_PORT: ports.metrics,
    FRONTEND_GRPC_PORT: ports.frontend,
    FRONTEND_MEMBERSHIP_PORT: ports.frontendMembership,
    FRONTEND_HTTP_PORT: ports.frontendHttp,
    HISTORY_GRPC_PORT: ports.history,
    HISTORY_MEMBERSHIP_PORT: ports.historyMembership,
    MATCHING_GRPC_PORT: ports.matching,
    MATCHING_MEMBERSHIP_PORT: ports.matchingMembership,
    WORKER_GRPC_PORT: ports.worker,
    WORKER_MEMBERSHIP_PORT: ports.workerMembership,
  };
  const configDir = join(opts.dir, 'config');
  mkdirSync(join(configDir, 'dynamicconfig'), { recursive: true });
  const config = render(readFileSync(join(here, 'temporal.template.yaml'), 'utf8'), values);
  parseYaml(config); // a broken template fails here, not inside the server
  writeFileSync(join(configDir, 'development.yaml'), config);
  writeFileSync(join(configDir, 'dynamicconfig', 'development.yaml'), readFileSync(join(here, 'temporal-dynamic.template.yaml'), 'utf8'));
  return join(configDir, 'development.yaml');
}

export class TemporalServer {
  readonly process: ManagedProcess;
  readonly address: string;

  constructor(private readonly opts: TemporalServerOptions) {
    mkdirSync(join(opts.dir, 'logs'), { recursive: true });
    writeTemporalConfig(opts);
    this.address = `127.0.0.1:${opts.ports.frontend}`;
    this.process = new ManagedProcess(
      {
        name: 'temporal',
        command: opts.binaries.server,
        args: ['--root', opts.dir, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start'],
        cwd: opts.dir,
        env: process.env,
        logFile: join(opts.dir, 'logs', 'temporal.log'),
        echo: opts.echo,
        stopGraceMs: 30_000,
      },
      opts.onEvent,
    );
  }

  /** Starts the server and waits until its frontend answers (about 2 s; up to `timeoutMs`). */
  async start(timeoutMs = 90_000): Promise<void> {
    this.process.start();
    try {
      await waitForFrontend(this.address, timeoutMs, () => this.process.running);
    } catch (err) {
      const fatal = this.process
        .tail(40)
        .filter((l) => /"level":"(fatal|error)"/.test(l))
        .slice(-2)
        .map((l) => l.slice(0, 400));
      throw new Error(`${(err as Error).message}${fatal.length ? `\n${fatal.join('\n')}` : ''}\n(log: ${this.process.spec.logFile})`);
    }
  }

  stop(): Promise<void> {
    return this.process.stop('SIGTERM');
  }

  /** Registers the namespace unless it exists, then waits until the frontend serves it. */
  async ensureNamespace(namespace: string, retentionDays: number): Promise<'created' | 'existed'> {
    const connection = await Connection.connect({ address: this.address });
    try {
      let outcome: 'created' | 'existed' = 'created';
      try {
        await connection.workflowService.registerNamespace({
          namespace,
          workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`),
          description: 'prepaid points service',
        });
      } catch (err) {
        if (!(isGrpcServiceError(err) && err.code === 6)) throw err; // 6: ALREADY_EXISTS
        outcome = 'existed';
      }
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          // Visible to the frontend's namespace registry once a list call on it succeeds.
          await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 });
          return outcome;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await sleep(500);
        }
      }
    } finally {
      await connection.close();
    }
  }
}

export async function waitForFrontend(address: string, timeoutMs: number, alive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`the Temporal server exited while starting`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      last = err;
      await sleep(300);
    }
  }
  throw new Error(`Temporal frontend ${address} not ready within ${timeoutMs} ms: ${(last as Error)?.message}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
