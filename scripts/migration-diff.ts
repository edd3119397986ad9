// `npm run migration:diff`: prints the SQL a new migration needs so that the committed migrations produce
// what prisma/schema.prisma describes (empty output: none needed). Offline: the migrations are applied by
// our runner to a scratch database, which Prisma's schema engine (WebAssembly) then diffs against the
// schema. Copy the output into prisma/migrations/<timestamp>_<name>/migration.sql and review it.
//
// The scratch database is created on the server of DATABASE_URL (or DATABASE_URL_TEST) and dropped
// afterwards; with neither set, a throwaway cluster is started with scripts/ci-postgres.sh.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { pgRunner } from '../db/client.ts';
import { applyMigrations } from '../db/migrate.ts';
import { diffDatabaseToSchema } from '../db/schema-engine.ts';

const clusterScript = fileURLToPath(new URL('./ci-postgres.sh', import.meta.url));

async function withServer<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const url = process.env.DATABASE_URL || process.env.DATABASE_URL_TEST;
  if (url) return fn(url);
  const port = String(55500 + Math.floor(Math.random() * 400));
  const env = { ...process.env, CI_PG_PORT: port, CI_PG_DB: 'migration_diff' };
  execFileSync(clusterScript, ['start'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    return await fn(`postgresql://postgres@127.0.0.1:${port}/migration_diff`);
  } finally {
    execFileSync(clusterScript, ['stop'], { env, stdio: 'ignore' });
  }
}

async function onAdmin(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

const sql = await withServer(async (serverUrl) => {
  const name = `migration_diff_${randomBytes(6).toString('hex')}`;
  const scratch = new URL(serverUrl);
  scratch.pathname = `/${name}`;
  await onAdmin(serverUrl, `CREATE DATABASE ${name}`);
  try {
    const client = new pg.Client({ connectionString: scratch.toString() });
    await client.connect();
    try {
      await applyMigrations(pgRunner(client));
    } finally {
      await client.end();
    }
    return await diffDatabaseToSchema(scratch.toString());
  } finally {
    await onAdmin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
});

if (sql) {
  process.stdout.write(`${sql}\n`);
} else {
  console.error('-- prisma/schema.prisma matches the migrations: no new migration needed');
}
