// What the refund routes accept: params, query and bodies.
import { z } from 'zod';
import { REFUND_REASONS } from '../../../workflows/refund/definitions.ts';
import { BoundedPoints, Cursor, pageLimit, Reason } from '../../schemas.ts';
import { REFUND_STATUSES } from '../../views/refund.ts';

export const CreateRefund = z
  .object({
    amount: BoundedPoints,
    reason: z.enum(REFUND_REASONS),
    memo: z.string().max(500).optional(),
  })
  .strict();

export const ApproveRefund = z.object({ memo: Reason.optional() }).strict();
export const RejectRefund = z.object({ reason: Reason }).strict();

export const RefundListQuery = z
  .object({
    status: z.enum(REFUND_STATUSES).optional(),
    limit: pageLimit(200, 50),
    cursor: Cursor.optional(),
  })
  .strict();
