// The JSON shapes of the admin's lists: recent admin events and recent decisions.
import { z } from 'zod';
import type { AdminEvent } from '../../generated/prisma/client.ts';
import { PointsValue, Timestamp, Uuid } from './common.ts';

export const AdminEventView = z.object({
  id: z.string(),
  type: z.string(),
  subjectId: z.string(),
  accountId: Uuid.optional(),
  accountName: z.string().optional(),
  data: z.unknown().optional(),
  createdAt: Timestamp,
});

export function adminEventView(e: AdminEvent, names: Map<string, string>): z.infer<typeof AdminEventView> {
  return {
    id: e.id.toString(),
    type: e.type,
    subjectId: e.subjectId,
    accountId: e.accountId ?? undefined,
    accountName: e.accountId ? names.get(e.accountId) : undefined,
    data: e.data ?? undefined,
    createdAt: e.createdAt.toISOString(),
  };
}

const DecisionBase = { subjectId: Uuid, accountId: Uuid, accountName: z.string().optional(), amount: PointsValue, note: z.string().optional(), at: Timestamp };

/** A deposit confirmed or a bank transfer rejected (from the charge's timeline), or a reviewed refund decided. */
export const AdminDecisionView = z.discriminatedUnion('subject', [
  z.object({
    kind: z.enum(['deposit_confirmed', 'charge_rejected']),
    subject: z.literal('charge'),
    ...DecisionBase,
    requestedAmount: PointsValue,
    depositorName: z.string().optional(),
    by: z.string().optional(),
  }),
  z.object({
    kind: z.enum(['refund_approved', 'refund_rejected']),
    subject: z.literal('refund'),
    ...DecisionBase,
    reason: z.enum(['send_failed', 'unreachable_number', 'duplicate_order', 'wrong_service', 'other']),
  }),
]);
