// The JSON shapes of a charge: the API's (with its timeline and tax document) and the one a charge-link
// holder sees (no ids of the account, its cards or the gateway).
import { z } from 'zod';
import type { Charge, ChargeEvent, TaxDocument } from '../../generated/prisma/client.ts';
import { toPoints } from '../../domain/money.ts';
import type { VirtualAccountInfo } from '../../workflows/charge/definitions.ts';
import type { LinkCharge } from '../pages/pay.ts';
import { PointsValue, Timestamp, Uuid } from './common.ts';

export const CHARGE_METHODS = ['card', 'bank_transfer', 'virtual_account'] as const;
export const CHARGE_STATUSES = ['pending', 'awaiting_deposit', 'succeeded', 'failed', 'cancelled', 'rejected', 'expired'] as const;

export const BankAccountView = z
  .object({ bank: z.string(), accountNumber: z.string(), holder: z.string() })
  .meta({ description: 'The operator account a bank transfer is paid into.' });

export const VirtualAccountView = z
  .object({ bank: z.string(), accountNumber: z.string(), holder: z.string(), dueAt: Timestamp })
  .meta({ description: 'A virtual account (가상계좌) issued by the gateway for one charge: it accepts exactly the charge amount, once, before dueAt.' });

export const TaxDocumentView = z
  .object({
    type: z.enum(['tax_invoice', 'cash_receipt', 'none']),
    status: z.enum(['requested', 'issued', 'failed']),
    number: z.string().optional(),
    failureReason: z.string().optional(),
  })
  .meta({ description: 'The tax document of a succeeded bank-transfer or virtual-account charge (a card charge has none).' });

export const ChargeView = z.object({
  id: Uuid,
  accountId: Uuid,
  amount: PointsValue,
  method: z.enum(CHARGE_METHODS),
  status: z.enum(CHARGE_STATUSES),
  origin: z.enum(['api', 'charge_link', 'auto_recharge']),
  depositorName: z.string().optional(),
  paymentMethodId: Uuid.optional(),
  bankAccount: BankAccountView.optional(),
  processingStartsAt: Timestamp.optional(),
  expectedBy: Timestamp.optional(),
  expiresAt: Timestamp.optional(),
  depositedAmount: PointsValue.optional(),
  difference: PointsValue.optional().describe('deposited minus requested (bank transfers)'),
  creditedAmount: PointsValue.optional(),
  failureCode: z.string().optional(),
  failureReason: z.string().optional(),
  gatewayReference: z.string().optional(),
  virtualAccount: VirtualAccountView.optional(),
  confirmedBy: z
    .enum(['admin', 'bank_feed', 'gateway'])
    .optional()
    .describe('who confirmed the deposit: admin, bank_feed (the bank deposit feed) or gateway (a virtual account)'),
  taxDocument: TaxDocumentView.optional(),
  createdAt: Timestamp,
  completedAt: Timestamp.optional(),
  timeline: z.array(z.object({ type: z.string(), at: Timestamp, data: z.unknown().optional() })),
});
export type ChargeView = z.infer<typeof ChargeView>;

export type ChargeWithEvents = Charge & { events: ChargeEvent[]; taxDocument?: TaxDocument | null };

/** A deposit top-up's tax document as the charge shows it. */
export function taxDocumentView(d: TaxDocument): z.infer<typeof TaxDocumentView> {
  return { type: d.type, status: d.status, number: d.number ?? undefined, failureReason: d.failureReason ?? undefined };
}

/** The JSON shape of a charge with its timeline. */
export function chargeView(c: ChargeWithEvents): ChargeView {
  const amount = toPoints(c.amount);
  const deposited = c.depositedAmount === null ? undefined : toPoints(c.depositedAmount);
  return {
    id: c.id,
    accountId: c.accountId,
    amount,
    method: c.method,
    status: c.status,
    origin: c.origin,
    depositorName: c.depositorName ?? undefined,
    paymentMethodId: c.paymentMethodId ?? undefined,
    bankAccount: (c.bankAccount ?? undefined) as ChargeView['bankAccount'],
    processingStartsAt: c.processingStartsAt?.toISOString(),
    expectedBy: c.expectedBy?.toISOString(),
    expiresAt: c.expiresAt?.toISOString(),
    depositedAmount: deposited,
    /** Deposited minus requested (bank transfers), when they differ or not. */
    difference: deposited === undefined ? undefined : deposited - amount,
    creditedAmount: c.creditedAmount === null ? undefined : toPoints(c.creditedAmount),
    failureCode: c.failureCode ?? undefined,
    failureReason: c.failureReason ?? undefined,
    gatewayReference: c.gatewayReference ?? undefined,
    virtualAccount: (c.virtualAccount ?? undefined) as VirtualAccountInfo | undefined,
    /** Who confirmed the deposit: admin, bank_feed (the bank deposit feed) or gateway (a virtual account). */
    confirmedBy: (c.confirmedBy ?? undefined) as ChargeView['confirmedBy'],
    taxDocument: c.taxDocument ? taxDocumentView(c.taxDocument) : undefined,
    createdAt: c.createdAt.toISOString(),
    completedAt: c.completedAt?.toISOString(),
    timeline: c.events.map((e) => ({ type: e.type, at: e.at.toISOString(), data: e.data ?? undefined })),
  };
}

/** A charge as the link holder sees it: no ids of the account, its cards or the gateway. */
export function linkChargeView(view: ChargeView): LinkCharge {
  return {
    id: view.id,
    amount: view.amount,
    method: view.method,
    status: view.status,
    depositorName: view.depositorName,
    bankAccount: view.bankAccount,
    processingStartsAt: view.processingStartsAt,
    expectedBy: view.expectedBy,
    expiresAt: view.expiresAt,
    depositedAmount: view.depositedAmount,
    creditedAmount: view.creditedAmount,
    failureCode: view.failureCode,
    failureReason: view.failureReason,
    createdAt: view.createdAt,
    completedAt: view.completedAt,
    virtualAccount: view.virtualAccount,
  };
}

/** The charge a link holder is shown (JSON clients of /pay/{token}/…); the receipt adds the card used. */
export const LinkChargeView = ChargeView.pick({
  id: true,
  amount: true,
  method: true,
  status: true,
  depositorName: true,
  bankAccount: true,
  processingStartsAt: true,
  expectedBy: true,
  expiresAt: true,
  depositedAmount: true,
  creditedAmount: true,
  failureCode: true,
  failureReason: true,
  createdAt: true,
  completedAt: true,
  virtualAccount: true,
}).extend({ card: z.object({ brand: z.string(), last4: z.string() }).optional().describe('the stored card a card charge used') });
