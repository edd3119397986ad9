// The JSON shapes of an account and what hangs off it: balance, ledger entries, stored cards, auto-recharge
// settings and balance alerts.
import { z } from 'zod';
import type { Account, AutoRecharge, LedgerEntry, PaymentMethod } from '../../generated/prisma/client.ts';
import { formatBusinessRegistrationNumber } from '../../domain/business-number.ts';
import { toPoints, type PriceList } from '../../domain/money.ts';
import { entryView } from '../../db/ledger.ts';
import { PointsValue, Timestamp, Uuid } from './common.ts';

export const AccountView = z.object({
  id: Uuid,
  name: z.string(),
  parentId: Uuid.nullable(),
  billingMode: z.enum(['own', 'parent']),
  businessRegistrationNumber: z.string().nullable().describe('123-45-67890'),
  taxDocument: z.enum(['tax_invoice', 'cash_receipt', 'none']),
  createdAt: Timestamp,
});
export const CreatedAccountView = AccountView.extend({ apiKey: z.string().describe('shown once, in the creation response') });

export function accountView(a: Account): z.infer<typeof AccountView> {
  return {
    id: a.id,
    name: a.name,
    parentId: a.parentId,
    billingMode: a.billingMode,
    businessRegistrationNumber: a.businessRegistrationNumber ? formatBusinessRegistrationNumber(a.businessRegistrationNumber) : null,
    taxDocument: a.taxDocument,
    createdAt: a.createdAt.toISOString(),
  };
}

/** The balance of the funding account; `sendable` has one count per item of the price list. */
export function balanceViewOf(items: z.ZodType<Record<string, number>>) {
  return z.object({
    accountId: Uuid,
    fundingAccountId: Uuid,
    balance: PointsValue,
    pendingCharges: PointsValue,
    sendable: items.describe('how many of each price-list item the balance pays for'),
  });
}
export const BalanceView = balanceViewOf(z.record(z.string(), z.number().int()));
export function balanceView(
  accountId: string,
  funding: { fundingAccountId: string; balance: number; pendingCharges: number; sendable: Record<string, number> },
): z.infer<typeof BalanceView> {
  return { accountId, ...funding };
}
/** The balance schema with the configured price list's items spelt out (for /openapi.json). */
export const balanceViewFor = (prices: PriceList) =>
  balanceViewOf(z.object(Object.fromEntries(Object.keys(prices).map((item) => [item, z.number().int().min(0)]))));

export const LedgerEntryView = z.object({
  id: z.string(),
  kind: z.enum(['charge', 'consumption', 'refund', 'adjustment']),
  amount: PointsValue,
  balanceAfter: PointsValue,
  accountId: Uuid,
  fundingAccountId: Uuid,
  chargeId: Uuid.optional(),
  consumptionId: Uuid.optional(),
  refundId: Uuid.optional(),
  memo: z.string().optional(),
  createdAt: Timestamp,
});

export function ledgerEntryView(row: LedgerEntry): z.infer<typeof LedgerEntryView> {
  const e = entryView(row);
  return {
    id: e.id,
    kind: e.kind,
    amount: e.amount,
    balanceAfter: e.balanceAfter,
    accountId: e.accountId,
    fundingAccountId: e.walletId,
    chargeId: e.chargeId ?? undefined,
    consumptionId: e.consumptionId ?? undefined,
    refundId: e.refundId ?? undefined,
    memo: e.memo ?? undefined,
    createdAt: e.createdAt.toISOString(),
  };
}

export const PaymentMethodView = z.object({ id: Uuid, accountId: Uuid, brand: z.string(), last4: z.string(), createdAt: Timestamp });

export function paymentMethodView(pm: PaymentMethod): z.infer<typeof PaymentMethodView> {
  return { id: pm.id, accountId: pm.accountId, brand: pm.brand, last4: pm.last4, createdAt: pm.createdAt.toISOString() };
}

export const AutoRechargeView = z.object({
  accountId: Uuid,
  enabled: z.boolean(),
  threshold: PointsValue,
  amount: PointsValue,
  paymentMethodId: Uuid,
  monthlyLimit: PointsValue.nullable(),
  consecutiveFailures: z.number().int().min(0).describe('failed auto-recharges in a row; the third switches it off'),
  disabledAt: Timestamp.nullable(),
  disabledReason: z.string().nullable(),
  chargedThisMonth: PointsValue.describe('points credited by auto-recharge this calendar month (business time zone)'),
  remainingThisMonth: PointsValue.min(0).nullable(),
  updatedAt: Timestamp,
});

/** The auto-recharge settings and their state. */
export function autoRechargeView(a: AutoRecharge, chargedThisMonth: number): z.infer<typeof AutoRechargeView> {
  const monthlyLimit = a.monthlyLimit === null ? null : toPoints(a.monthlyLimit);
  return {
    accountId: a.accountId,
    enabled: a.enabled,
    threshold: toPoints(a.threshold),
    amount: toPoints(a.amount),
    paymentMethodId: a.paymentMethodId,
    monthlyLimit,
    consecutiveFailures: a.consecutiveFailures,
    disabledAt: a.disabledAt?.toISOString() ?? null,
    disabledReason: a.disabledReason,
    chargedThisMonth,
    remainingThisMonth: monthlyLimit === null ? null : Math.max(0, monthlyLimit - chargedThisMonth),
    updatedAt: a.updatedAt.toISOString(),
  };
}

export const BalanceAlertsView = z.object({ accountId: Uuid, thresholds: z.array(z.number().int().min(1)) });

export function balanceAlertsView(accountId: string, thresholds: number[]): z.infer<typeof BalanceAlertsView> {
  return { accountId, thresholds };
}
