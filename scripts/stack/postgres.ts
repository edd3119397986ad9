// A PostgreSQL cluster from the machine's binaries (as scripts/ci-postgres.sh does for the tests), kept in
// a directory so the stack's state survives a restart. As root the cluster and its socket directory
// belong to the `postgres` user (PostgreSQL refuses to run as root).
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;

export interface PostgresOptions {
  /** Holds data/ (the cluster), the socket and server.log. */
  dir: string;
  port: number;
  /** fsync and friends off: for throwaway clusters (tests); never for data you keep. */
  fast?: boolean;
  maxConnections?: number;
}

export interface Postgres {
  port: number;
  /** postgresql://postgres@127.0.0.1:<port>/<database> */
  url(database: string): string;
  createDatabase(name: string): Promise<boolean>;
  stop(): Promise<void>;
}

export function postgresBinDir(): string {
  const candidates = [process.env.PG_BINDIR, ...listVersions()].filter((d): d is string => !!d);
  for (const d of candidates) if (existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl'))) return d;
  throw new Error('initdb/pg_ctl not found: install PostgreSQL (Debian: apt-get install postgresql) or set PG_BINDIR');
}

function listVersions(): string[] {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return [];
  return readdirSync(base)
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => join(base, v, 'bin'));
}

/** Runs a PostgreSQL binary as the cluster's owner. */
function asOwner(bin: string, args: string[]) {
  return isRoot ? run('runuser', ['-u', 'postgres', '--', bin, ...args], { cwd: '/' }) : run(bin, args);
}

function ownDir(dir: string) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
}

export async function startPostgres(opts: PostgresOptions): Promise<Postgres> {
  const bin = postgresBinDir();
  const data = join(opts.dir, 'data');
  const socketDir = join(opts.dir, 'socket');
  ownDir(opts.dir);
  ownDir(socketDir);
  if (!existsSync(join(data, 'PG_VERSION'))) {
    await asOwner(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', ...(opts.fast ? ['--no-sync'] : [])]);
  }
  const settings = [
    '-c listen_addresses=127.0.0.1',
    `-p ${opts.port}`,
    `-k ${socketDir}`,
    `-c max_connections=${opts.maxConnections ?? 200}`,
    ...(opts.fast ? ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'] : []),
  ];
  try {
    await asOwner(join(bin, 'pg_ctl'), ['-D', data, '-l', join(opts.dir, 'server.log'), '-w', '-t', '60', '-o', settings.join(' '), 'start']);
  } catch (err) {
    throw new Error(`PostgreSQL did not start (see ${join(opts.dir, 'server.log')}): ${(err as Error).message}`);
  }
  const url = (database: string) => `postgresql://postgres@127.0.0.1:${opts.port}/${database}`;
  return {
    port: opts.port,
    url,
    async createDatabase(name: string) {
      const client = new pg.Client({ connectionString: url('postgres') });
      await client.connect();
      try {
        const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (found.rowCount) return false;
        await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
        return true;
      } finally {
        await client.end();
      }
    },
    async stop() {
      if (!existsSync(join(data, 'postmaster.pid'))) return;
      await asOwner(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
    },
  };
}
