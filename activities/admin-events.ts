// Events raised for the platform's finance staff (a missed confirmation target, an overdue review, …).
// Recorded once per key in AdminEvent (the /admin page lists them) and logged.
import type { Logger } from 'pino';
import type { Prisma } from '../generated/prisma/client.ts';
import type { Db } from '../db/client.ts';

export interface AdminEventInput {
  type: string;
  subjectId: string;
  accountId?: string | null;
  data?: Record<string, unknown>;
  /** Idempotency: a retried activity records the event once. */
  key: string;
}

export function createAdminEventActivities(deps: { db: Db; logger?: Logger }) {
  return {
    async raiseAdminEvent(input: AdminEventInput): Promise<void> {
      const created = await deps.db.adminEvent.createMany({
        data: [{ type: input.type, subjectId: input.subjectId, accountId: input.accountId ?? null, data: (input.data ?? {}) as Prisma.InputJsonValue, key: input.key }],
        skipDuplicates: true,
      });
      if (created.count > 0) deps.logger?.warn({ event: input.type, subjectId: input.subjectId, ...input.data }, `admin event: ${input.type}`);
    },
  };
}
