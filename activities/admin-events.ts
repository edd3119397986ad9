// Events raised for the platform's finance staff (a missed confirmation target, an overdue review, …).
// Recorded once per key in AdminEvent (the /admin page lists them) and logged, and posted to
// ADMIN_WEBHOOK_URL when set (Slack-compatible {text}) through the durable webhook delivery.
import type { Logger } from 'pino';
import type { Prisma } from '../generated/prisma/client.ts';
import type { Db } from '../db/client.ts';
import { ledgerTransaction } from '../db/ledger.ts';
import { queueAdminNotification } from '../db/events.ts';

export interface AdminEventInput {
  type: string;
  subjectId: string;
  accountId?: string | null;
  data?: Record<string, unknown>;
  /** Idempotency: a retried activity records the event once. */
  key: string;
}

export function createAdminEventActivities(deps: { db: Db; logger?: Logger; webhooks?: { adminWebhookUrl?: string } }) {
  return {
    async raiseAdminEvent(input: AdminEventInput): Promise<void> {
      // The event and its notification to ADMIN_WEBHOOK_URL (when set) commit together, once per key.
      const created = await ledgerTransaction(deps.db, async (tx) => {
        const rows = await tx.adminEvent.createManyAndReturn({
          data: [
            {
              type: input.type,
              subjectId: input.subjectId,
              accountId: input.accountId ?? null,
              data: (input.data ?? {}) as Prisma.InputJsonValue,
              key: input.key,
            },
          ],
          skipDuplicates: true,
        });
        if (rows[0] && deps.webhooks?.adminWebhookUrl) await queueAdminNotification(tx, { ...input, adminEventId: rows[0].id });
        return { count: rows.length };
      });
      if (created.count > 0) deps.logger?.warn({ event: input.type, subjectId: input.subjectId, ...input.data }, `admin event: ${input.type}`);
    },
  };
}
