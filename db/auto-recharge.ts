// Auto-recharge settings and state (one row per funding account), shared by the activities and the API.
import type { Db } from './client.ts';
import type { Tx } from './ledger.ts';
import type { AutoRecharge } from '../generated/prisma/client.ts';
import { startOfMonth } from '../domain/calendar.ts';
import { toPoints } from '../domain/money.ts';

export type { AutoRecharge };

/** Points credited by the account's succeeded auto-recharge charges in the calendar month of `at`. */
export async function autoRechargedThisMonth(db: Db | Tx, accountId: string, timeZone: string, at: Date): Promise<number> {
  const sum = await db.charge.aggregate({
    where: { accountId, origin: 'auto_recharge', status: 'succeeded', completedAt: { gte: startOfMonth(timeZone, at) } },
    _sum: { creditedAmount: true },
  });
  return toPoints(sum._sum.creditedAmount ?? 0n);
}

/** The JSON shape of the settings and their state. */
export function autoRechargeView(a: AutoRecharge, chargedThisMonth: number) {
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
