import type { Refund } from '../../generated/prisma/client.ts';
import { toPoints } from '../../domain/money.ts';

/** The JSON shape of a refund, shared by the refund endpoints and the consumption that lists them. */
export function refundView(r: Refund) {
  return {
    id: r.id,
    consumptionId: r.consumptionId,
    accountId: r.accountId,
    fundingAccountId: r.fundingAccountId,
    amount: toPoints(r.amount),
    reason: r.reason,
    memo: r.memo ?? undefined,
    status: r.status,
    decisionReason: r.decisionReason ?? undefined,
    reviewDueAt: r.reviewDueAt?.toISOString(),
    remindedAt: r.remindedAt?.toISOString(),
    overdue: r.overdueAt !== null,
    overdueAt: r.overdueAt?.toISOString(),
    createdAt: r.createdAt.toISOString(),
    completedAt: r.completedAt?.toISOString(),
  };
}
