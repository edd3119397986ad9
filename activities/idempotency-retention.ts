// Deleting old idempotency records (IDEMPOTENCY_RETENTION_DAYS). Idempotent: a retried batch deletes what
// is still there and older than the cut-off, which is at most what the first attempt would have.
import type { Db } from '../db/client.ts';

export function createIdempotencyRetentionActivities(deps: { db: Db }) {
  const { db } = deps;
  return {
    /** Deletes up to `limit` records created before `before`, oldest first; answers how many. */
    async deleteIdempotencyRecordsBefore(input: { before: string; limit: number }): Promise<number> {
      const before = new Date(input.before);
      const limit = Math.max(1, Math.min(Math.trunc(input.limit), 10_000));
      return db.$executeRaw`
        DELETE FROM "IdempotencyRecord"
        WHERE ("principal", "key") IN (
          SELECT "principal", "key" FROM "IdempotencyRecord"
          WHERE "createdAt" < ${before}
          ORDER BY "createdAt"
          LIMIT ${limit}
        )`;
    },
  };
}
