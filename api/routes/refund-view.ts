import type { Refund } from '../../generated/prisma/client.ts';
import type { RefundRecord } from '../../workflows/refund/definitions.ts';
import { toPoints } from '../../domain/money.ts';

const iso = (t: Date | string | null): string | undefined => (t === null ? undefined : typeof t === 'string' ? t : t.toISOString());

/**
 * The JSON shape of a refund, shared by the refund endpoints and the consumption that lists them; from a
 * Refund row or from the record a refund workflow answers with.
 */
export function refundView(r: Refund | RefundRecord) {
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
    reviewDueAt: iso(r.reviewDueAt),
    remindedAt: iso(r.remindedAt),
    overdue: r.overdueAt !== null,
    overdueAt: iso(r.overdueAt),
    createdAt: iso(r.createdAt),
    completedAt: iso(r.completedAt),
  };
}
