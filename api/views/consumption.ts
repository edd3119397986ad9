// The JSON shapes of a consumption: as POST /v1/consumptions answers it, as GET /v1/consumptions/{id}
// reads it with its refunds, and the results of POST /v1/consumptions/batch.
import { z } from 'zod';
import type { Consumption, Refund } from '../../generated/prisma/client.ts';
import type { ConsumptionRecord } from '../../workflows/consumption/definitions.ts';
import { toPoints } from '../../domain/money.ts';
import { PointsValue, Timestamp, Uuid } from './common.ts';
import { ProblemView } from './problem.ts';
import { refundView, RefundView } from './refund.ts';

const ConsumptionBase = {
  id: Uuid,
  accountId: Uuid,
  fundingAccountId: Uuid,
  amount: PointsValue,
  item: z.string().optional(),
  quantity: z.number().int().optional(),
  reference: z.string().optional(),
  memo: z.string().optional(),
  createdAt: Timestamp,
};

export const ConsumptionCreatedView = z.object({ ...ConsumptionBase, balanceAfter: PointsValue });

export const ConsumptionView = z.object({
  ...ConsumptionBase,
  refundedAmount: PointsValue,
  pendingRefundAmount: PointsValue.describe('refunds awaiting review'),
  refunds: z.array(RefundView),
});

export const ConsumptionBatchResultsView = z.object({
  results: z.array(
    z.object({ key: z.string().nullable(), status: z.number().int(), consumption: ConsumptionCreatedView.optional(), problem: ProblemView.optional() }),
  ),
});

/** The 201 body of a consumption, from the record its workflow answers with. */
export function consumptionCreatedView(c: ConsumptionRecord): z.infer<typeof ConsumptionCreatedView> {
  return {
    id: c.id,
    accountId: c.accountId,
    fundingAccountId: c.fundingAccountId,
    amount: c.amount,
    balanceAfter: c.balanceAfter,
    item: c.item ?? undefined,
    quantity: c.quantity ?? undefined,
    reference: c.reference ?? undefined,
    memo: c.memo ?? undefined,
    createdAt: c.createdAt,
  };
}

/** A consumption as read back, with what was refunded, what awaits review and its refunds (oldest first). */
export function consumptionView(c: Consumption & { refunds: Refund[] }): z.infer<typeof ConsumptionView> {
  return {
    id: c.id,
    accountId: c.accountId,
    fundingAccountId: c.fundingAccountId,
    amount: toPoints(c.amount),
    item: c.item ?? undefined,
    quantity: c.quantity ?? undefined,
    reference: c.reference ?? undefined,
    memo: c.memo ?? undefined,
    refundedAmount: toPoints(c.refundedAmount),
    pendingRefundAmount: toPoints(c.reservedAmount - c.refundedAmount),
    refunds: c.refunds.map(refundView),
    createdAt: c.createdAt.toISOString(),
  };
}

/**
 * One result of a batch: the answer of the single request its item stands for (stored under its key, so
 * a replay answers what was stored), as `consumption` when it succeeded and as `problem` otherwise.
 */
export interface BatchItemResult {
  key: string | null;
  status: number;
  consumption?: unknown;
  problem?: unknown;
}

export function batchItemResult(key: string | null, answer: { status: number; body: unknown }): BatchItemResult {
  return answer.status < 300 ? { key, status: answer.status, consumption: answer.body } : { key, status: answer.status, problem: answer.body };
}
