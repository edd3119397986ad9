// The Temporal server a bench run measures: the dev server (`temporal server start-dev` from .tools/bin,
// in-memory, as `npm start` runs it) or, with BENCH_TEMPORAL=postgres, the production server the stack runs
// (v1.29.1 from .tools/temporal-server, persistence and visibility on PostgreSQL), started here through the
// stack's own modules: its binaries, its schema steps, its config template, its supervised process and its
// namespace registration. Either way the bench gets an address, the native connection its worker and its
// client share (eager workflow start), a line for the header and a stop that leaves nothing behind.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { NativeConnection } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { repoRoot, temporalCliPath } from '../../config/temporal-binaries.ts';
import { ensureTemporalBinaries } from '../stack/temporal-binaries.ts';
import { setupTemporalSchema, TemporalServer, type TemporalDb } from '../stack/temporal.ts';
import { freeLayout } from '../stack/ports.ts';

export interface BenchTemporal {
  /** host:port of the frontend. */
  address: string;
  /** The one connection of this process: the worker polls on it and the API's client starts workflows on it. */
  nativeConnection: NativeConnection;
  /** For the header and the memory lines: which server this run measured. */
  description: string;
  /** The name memory lines give it ("Temporal dev server", "Temporal server"). */
  name: string;
  stop(): Promise<void>;
}

export async function startBenchTemporal(kind: 'dev' | 'postgres', databaseUrl: string, log: (line: string) => void): Promise<BenchTemporal> {
  return kind === 'postgres' ? startPostgresTemporal(databaseUrl, log) : startDevServer();
}

async function startDevServer(): Promise<BenchTemporal> {
  const cli = temporalCliPath();
  const env = await TestWorkflowEnvironment.createLocal(cli ? { server: { executable: { type: 'existing-path', path: cli } } } : undefined);
  return {
    address: env.address,
    nativeConnection: env.nativeConnection,
    description: 'Temporal dev server (temporal server start-dev, in-memory)',
    name: 'Temporal dev server',
    stop: () => env.teardown(),
  };
}

/**
 * The stack's Temporal server on the bench's PostgreSQL server (the throwaway cluster, or DATABASE_URL's
 * server): its own two databases, named for this run so runs never share workflows (the largest-history
 * figures count every workflow of a type in the namespace), dropped again when the run ends. Ports are
 * free ones, the membership ports below 32768 (the stack's free layout).
 */
async function startPostgresTemporal(databaseUrl: string, log: (line: string) => void): Promise<BenchTemporal> {
  const url = new URL(databaseUrl);
  const run = `temporal_bench_${randomBytes(4).toString('hex')}`;
  const db: TemporalDb = {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username) || 'postgres',
    password: decodeURIComponent(url.password),
    database: run,
    visibilityDatabase: `${run}_visibility`,
  };
  const numHistoryShards = 4; // the stack's default (TEMPORAL_NUM_HISTORY_SHARDS)
  const binaries = await ensureTemporalBinaries(repoRoot, (l) => log(`[go] ${l}`));
  const dir = mkdtempSync(join(tmpdir(), 'bench-temporal-'));
  let server: TemporalServer | undefined;
  let connection: NativeConnection | undefined;
  let keepLogs = false;
  const stop = async () => {
    await connection?.close().catch(() => undefined);
    await server?.process.close().catch(() => undefined);
    await dropDatabases(db).catch((err) => log(`could not drop ${db.database} and ${db.visibilityDatabase}: ${(err as Error).message}`));
    if (keepLogs) log(`the Temporal server's log is kept in ${dir}/logs`);
    else rmSync(dir, { recursive: true, force: true });
  };
  try {
    await setupTemporalSchema(binaries, db, () => {});
    server = new TemporalServer({
      dir,
      binaries,
      db,
      ports: (await freeLayout(0, 0)).temporal,
      numHistoryShards,
      onEvent: (msg) => {
        keepLogs = true;
        log(msg);
      },
    });
    await server.start();
    await server.ensureNamespace('default', 1);
    connection = await NativeConnection.connect({ address: server.address });
  } catch (err) {
    keepLogs = true;
    await stop();
    throw err;
  }
  return {
    address: server.address,
    nativeConnection: connection,
    description: `Temporal server v${binaries.version} on PostgreSQL (${db.database} + ${db.visibilityDatabase} on ${db.host}:${db.port}, ${numHistoryShards} history shards)`,
    name: 'Temporal server',
    stop,
  };
}

async function dropDatabases(db: TemporalDb): Promise<void> {
  const client = new pg.Client({ host: db.host, port: db.port, user: db.user, password: db.password, database: 'postgres' });
  await client.connect();
  try {
    for (const name of [db.database, db.visibilityDatabase]) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
