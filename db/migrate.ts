// Applies prisma/migrations/*/migration.sql in order, offline, to real PostgreSQL or to PGlite.
// Prisma's own `migrate deploy` needs a native schema engine that cannot be downloaded here; this runner
// writes the same `_prisma_migrations` bookkeeping (name, sha256 checksum, timestamps), so the native
// tool accepts the databases it migrated.
import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SqlRunner {
  /** Runs one or more statements without parameters. */
  exec(sql: string): Promise<void>;
  /** Runs one parameterised query and returns its rows. */
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

export const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));
/** The advisory-lock id Prisma's migrate uses, so two runners never apply concurrently. */
const LOCK_ID = 72707369;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir = migrationsDir): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'migration.sql')))
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

export async function applyMigrations(db: SqlRunner, migrations = readMigrations()): Promise<string[]> {
  await db.exec(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
  )`);
  await db.query(`SELECT pg_advisory_lock(${LOCK_ID})`);
  const applied: string[] = [];
  try {
    const rows = await db.query<{ migration_name: string; checksum: string; finished_at: unknown }>(
      `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
    );
    const done = new Map(rows.map((r) => [r.migration_name, r]));
    for (const m of migrations) {
      const prior = done.get(m.name);
      if (prior) {
        if (!prior.finished_at) throw new Error(`migration ${m.name} failed earlier; resolve it by hand`);
        if (prior.checksum !== m.checksum) throw new Error(`migration ${m.name} was edited after it was applied`);
        continue;
      }
      await db.exec('BEGIN');
      try {
        await db.exec(m.sql);
        await db.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count)
           VALUES ($1, $2, now(), $3, 1)`,
          [randomUUID(), m.checksum, m.name],
        );
        await db.exec('COMMIT');
      } catch (err) {
        await db.exec('ROLLBACK');
        throw err;
      }
      applied.push(m.name);
    }
  } finally {
    await db.query(`SELECT pg_advisory_unlock(${LOCK_ID})`);
  }
  return applied;
}
