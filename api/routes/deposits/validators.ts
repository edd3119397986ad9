// What the deposit routes and webhooks accept.
import { z } from 'zod';
import { stripForbiddenChars } from '../../../domain/text.ts';
import { displayName, reportedName } from '../../validation.ts';
import { BoundedPoints as Points, Id, Instant, pageLimit } from '../../schemas.ts';

export const GatewayNotification = z.object({
  type: z.literal('virtual_account.deposited'),
  transactionId: z.string().min(1).max(200),
  orderId: Id,
  accountNumber: z.string().min(1).max(50),
  amount: Points,
  depositorName: z.string().transform(stripForbiddenChars).pipe(z.string().trim().max(100)).nullable().optional(),
  depositedAt: Instant,
});

export const BankDepositBody = z
  .object({
    bankTransactionId: z.string().trim().min(1).max(200),
    amount: Points,
    depositorName: reportedName(100),
    depositedAt: Instant,
  })
  .strict();

export const SandboxDeposit = z.object({ amount: Points, depositorName: displayName(100).optional() }).strict();
export const Assign = z.object({ chargeId: Id }).strict();
export const BankDepositListQuery = z
  .object({
    status: z.enum(['received', 'matched', 'unmatched', 'assigned']).optional(),
    limit: pageLimit(200, 50),
  })
  .strict();

/** The sandbox's path parameter: a virtual account number. */
export const AccountNumber = z.string().regex(/^\d{6,20}$/, 'must be digits');
