// The hand-written migrations must produce exactly the schema that prisma/schema.prisma describes: Prisma's
// own schema engine (WebAssembly build, see db/schema-engine.ts) diffs a database migrated by our runner
// against the schema, and the diff must be empty. CHECK constraints and the append-only trigger live only
// in SQL; the engine ignores them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffDatabaseToSchema } from '../db/schema-engine.ts';
import { createTestDatabase, type TestDatabase } from './support/db.ts';

describe('schema drift', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ poolSize: 2 });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('the migrations produce exactly what prisma/schema.prisma describes', async () => {
    const sql = await diffDatabaseToSchema(db.url);
    expect(sql, `prisma/schema.prisma and prisma/migrations disagree; a migration would need:\n\n${sql}\n`).toBe('');
  });
});
