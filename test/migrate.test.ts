// The offline migration runner: applies the committed migrations to the embedded PGlite default and to
// real PostgreSQL, records them the way Prisma does, is a no-op the second time, and refuses an edited one.
import { describe, expect, it } from 'vitest';
import { openDatabase, pgliteRunner } from '../db/client.ts';
import { applyMigrations, readMigrations } from '../db/migrate.ts';
import { createTestDatabase } from './support/db.ts';
import { createAccount } from '../db/accounts.ts';
import { checkLedgerIntegrity, post } from '../db/ledger.ts';
import { PGlite } from '@electric-sql/pglite';

describe('migrations', () => {
  it('apply to PGlite, and the ledger core works there', async () => {
    const db = await openDatabase({ dataDir: 'memory://', migrate: true });
    try {
      const rows = await db.runner.query<{ migration_name: string; checksum: string }>(
        `SELECT migration_name, checksum FROM "_prisma_migrations" ORDER BY migration_name`,
      );
      expect(rows.map((r) => r.migration_name)).toEqual(readMigrations().map((m) => m.name));
      expect(await applyMigrations(db.runner)).toEqual([]);
      const { account } = await createAccount(db.prisma, { name: 'PGlite shop' });
      await post(db.prisma, { walletId: account.id, accountId: account.id, kind: 'adjustment', amount: 100, businessKey: 'seed' });
      const debit = await post(db.prisma, { walletId: account.id, accountId: account.id, kind: 'consumption', amount: -40, businessKey: 'd' });
      expect(debit.balanceAfter).toBe(60);
      await expect(post(db.prisma, { walletId: account.id, accountId: account.id, kind: 'consumption', amount: -61, businessKey: 'd2' })).rejects.toMatchObject(
        { code: 'insufficient_balance' },
      );
      expect(await checkLedgerIntegrity(db.prisma)).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('apply to PostgreSQL once; a second run applies nothing', async () => {
    const db = await createTestDatabase();
    try {
      const { pgRunner } = await import('../db/client.ts');
      const pg = await import('pg');
      const client = new pg.default.Client({ connectionString: db.url });
      await client.connect();
      try {
        expect(await applyMigrations(pgRunner(client))).toEqual([]);
        const rows = await client.query(`SELECT migration_name, finished_at FROM "_prisma_migrations"`);
        expect(rows.rows.length).toBe(readMigrations().length);
        for (const r of rows.rows) expect(r.finished_at).not.toBeNull();
      } finally {
        await client.end();
      }
    } finally {
      await db.drop();
    }
  });

  it('refuses to go on when an applied migration was edited', async () => {
    const pglite = await PGlite.create('memory://');
    try {
      const runner = pgliteRunner(pglite);
      const migrations = readMigrations();
      await applyMigrations(runner, migrations);
      const edited = migrations.map((m, i) => (i === 0 ? { ...m, checksum: 'f'.repeat(64) } : m));
      await expect(applyMigrations(runner, edited)).rejects.toThrow(/edited after it was applied/);
    } finally {
      await pglite.close();
    }
  });
});
