// What the charge routes accept: params, query and bodies.
import { z } from 'zod';
import { MAX_POINTS } from '../../../domain/money.ts';
import { displayName } from '../../validation.ts';
import { Cursor, Id, pageLimit, Points, Reason } from '../../schemas.ts';
import { CHARGE_METHODS, CHARGE_STATUSES } from '../../views/charge.ts';

export const CreateCharge = z
  .object({
    accountId: Id,
    amount: Points,
    method: z.enum(CHARGE_METHODS),
    depositorName: displayName(100).optional(),
    paymentMethodId: Id.optional(),
  })
  .strict()
  .refine((b) => b.method !== 'card' || b.paymentMethodId !== undefined, { message: 'a card charge needs a paymentMethodId', path: ['paymentMethodId'] })
  .refine((b) => b.method === 'card' || b.paymentMethodId === undefined, { message: 'paymentMethodId goes with method "card"', path: ['paymentMethodId'] })
  .refine((b) => b.method === 'bank_transfer' || b.depositorName === undefined, {
    message: 'depositorName goes with method "bank_transfer"',
    path: ['depositorName'],
  });

export const ConfirmDeposit = z
  .object({
    depositedAmount: Points.max(MAX_POINTS),
    depositorName: displayName(100).optional(),
    memo: z.string().max(500).optional(),
  })
  .strict();
export const RejectCharge = z.object({ reason: Reason }).strict();
export const CancelCharge = z.object({ reason: Reason.optional() }).strict();

export const ChargeListQuery = z
  .object({
    accountId: Id.optional(),
    status: z.enum(CHARGE_STATUSES).optional(),
    limit: pageLimit(200, 50),
    cursor: Cursor.optional(),
  })
  .strict();
