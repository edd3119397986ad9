// The JSON shape of a deposit reported by the bank feed.
import { z } from 'zod';
import type { BankDeposit } from '../../generated/prisma/client.ts';
import { toPoints } from '../../domain/money.ts';
import { PointsValue, Timestamp, Uuid } from './common.ts';

export const BankDepositView = z.object({
  id: Uuid,
  bankTransactionId: z.string(),
  amount: PointsValue,
  depositorName: z.string(),
  depositedAt: Timestamp,
  status: z.enum(['received', 'matched', 'unmatched', 'assigned']),
  chargeId: Uuid.optional(),
  note: z.string().optional().describe('why it did not match'),
  source: z.enum(['api', 'webhook']),
  createdAt: Timestamp,
  settledAt: Timestamp.optional(),
});

export function bankDepositView(d: BankDeposit): z.infer<typeof BankDepositView> {
  return {
    id: d.id,
    bankTransactionId: d.bankTransactionId,
    amount: toPoints(d.amount),
    depositorName: d.depositorName,
    depositedAt: d.depositedAt.toISOString(),
    status: d.status,
    chargeId: d.chargeId ?? undefined,
    note: d.note ?? undefined,
    source: d.source as 'api' | 'webhook',
    createdAt: d.createdAt.toISOString(),
    settledAt: d.settledAt?.toISOString(),
  };
}
