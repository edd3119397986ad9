// The JSON shape of a refund.
import { z } from 'zod';
import type { Refund } from '../../generated/prisma/client.ts';
import { REFUND_REASONS, type RefundRecord, type RefundStatus } from '../../workflows/refund/definitions.ts';
import { toPoints } from '../../domain/money.ts';
import { PointsValue, Timestamp, Uuid } from './common.ts';

export const REFUND_STATUSES = ['pending_review', 'succeeded', 'rejected'] as const satisfies readonly RefundStatus[];

export const RefundView = z.object({
  id: Uuid,
  consumptionId: Uuid,
  accountId: Uuid,
  fundingAccountId: Uuid,
  amount: PointsValue,
  reason: z.enum(REFUND_REASONS),
  memo: z.string().optional(),
  status: z.enum(REFUND_STATUSES),
  decisionReason: z.string().optional(),
  reviewDueAt: Timestamp.optional(),
  remindedAt: Timestamp.optional(),
  overdue: z.boolean(),
  overdueAt: Timestamp.optional(),
  createdAt: Timestamp.optional(),
  completedAt: Timestamp.optional(),
});

const iso = (t: Date | string | null): string | undefined => (t === null ? undefined : typeof t === 'string' ? t : t.toISOString());

/**
 * The JSON shape of a refund, shared by the refund endpoints and the consumption that lists them; from a
 * Refund row or from the record a refund workflow answers with.
 */
export function refundView(r: Refund | RefundRecord): z.infer<typeof RefundView> {
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
