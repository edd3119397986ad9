// The JSON shapes of a consumption: as POST /v1/consumptions answers it, and as GET /v1/consumptions/{id}
// reads it with its refunds. (api/routes/consumptions.ts still builds them itself; these describe them.)
import { z } from 'zod';
import { PointsValue, Timestamp, Uuid } from './common.ts';
import { RefundView } from './refund.ts';

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
