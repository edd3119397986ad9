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

/**
 * A claim older than this is taken over by the next debit below the threshold: it covers a request that
 * was claimed but never delivered (a crash between the debit's commit and the signal), at the price of
 * one more request every so often to a recharge that is still running.
 */
export const AUTO_RECHARGE_CLAIM_STALE_AFTER_MS = 10 * 60_000;

/**
 * Claims the right to ask the funding account's auto-recharge workflow to run: true for exactly one of
 * any number of concurrent callers while no fresh claim is held, the setting is enabled and the monthly
 * limit is not paused. The caller then sends the request; everyone else sends nothing.
 */
export async function claimAutoRecharge(db: Db | Tx, accountId: string, by: string, at = new Date()): Promise<boolean> {
  const staleBefore = new Date(at.getTime() - AUTO_RECHARGE_CLAIM_STALE_AFTER_MS);
  const claimed = await db.autoRecharge.updateMany({
    where: {
      accountId,
      enabled: true,
      OR: [{ requestedAt: null }, { requestedAt: { lt: staleBefore } }],
      AND: [{ OR: [{ pausedUntil: null }, { pausedUntil: { lte: at } }] }],
    },
    data: { requestedAt: at, requestedBy: by },
  });
  return claimed.count === 1;
}

/** The first instant of the calendar month after the one of `at`, in `timeZone`. */
export function startOfNextMonth(timeZone: string, at: Date): Date {
  return startOfMonth(timeZone, new Date(startOfMonth(timeZone, at).getTime() + 32 * 24 * 3_600_000));
}
