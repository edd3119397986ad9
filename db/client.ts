// Opens the ledger database: real PostgreSQL when a URL is given, otherwise PGlite (PostgreSQL in
// WebAssembly) persisted in a directory. Both are migrated before the Prisma client is handed out.
import { mkdirSync } from 'node:fs';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client.ts';
import { applyMigrations, type SqlRunner } from './migrate.ts';

export { PrismaClient };
export type Db = PrismaClient;

export interface Database {
  prisma: PrismaClient;
  kind: 'postgresql' | 'pglite';
  /** Runs raw SQL for the operator tooling (migrations, checks). */
  runner: SqlRunner;
  /** The pg pool under Prisma (PostgreSQL only): the shared rate limits use it too. */
  pool?: pg.Pool;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgresql://… ; when absent an embedded PGlite database in `dataDir` is used. */
  url?: string;
  /** PGlite directory; `memory://` for a throwaway in-memory database. */
  dataDir?: string;
  migrate?: boolean;
  poolSize?: number;
  /** How long a query waits for a pool connection (connecting or queueing) before failing; default 30 s. */
  connectTimeoutMs?: number;
  onIdleError?: (err: Error) => void;
}

export function pgRunner(pool: pg.Pool | pg.Client): SqlRunner {
  return {
    async exec(sql) {
      await pool.query(sql);
    },
    async query<T>(sql: string, params?: unknown[]) {
      const res = await pool.query(sql, params as unknown[] | undefined);
      return res.rows as T[];
    },
  };
}

export function pgliteRunner(db: PGlite): SqlRunner {
  return {
    async exec(sql) {
      await db.exec(sql);
    },
    async query<T>(sql: string, params?: unknown[]) {
      const res = await db.query<T>(sql, params);
      return res.rows;
    },
  };
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.url) {
    if (opts.migrate !== false) {
      const client = new pg.Client({ connectionString: opts.url });
      await client.connect();
      try {
        await applyMigrations(pgRunner(client));
      } finally {
        await client.end();
      }
    }
    // connectionTimeoutMillis: a database host that drops packets (or a pool with no free connection for
    // that long) fails the query instead of holding it forever; the API answers 503, activities retry.
    const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 10, connectionTimeoutMillis: opts.connectTimeoutMs ?? 30_000 });
    // An idle connection closed by the server (restart, failover) must not crash the process; the pool
    // drops it and opens a new one on the next query.
    pool.on('error', (err) => opts.onIdleError?.(err));
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
    return {
      prisma,
      kind: 'postgresql',
      runner: pgRunner(pool),
      pool,
      async close() {
        await prisma.$disconnect();
        if (!pool.ended) await pool.end();
      },
    };
  }
  const dataDir = opts.dataDir ?? '.data/pglite';
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir);
  const runner = pgliteRunner(pglite);
  if (opts.migrate !== false) await applyMigrations(runner);
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return {
    prisma,
    kind: 'pglite',
    runner,
    async close() {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}
