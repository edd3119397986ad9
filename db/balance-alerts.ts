// Balance alerts (SPEC §6.3): thresholds per funding account. A change of the wallet's balance that crosses
// a threshold downwards (before ≥ t > after) emits `balance.low`; one that comes back (before < t ≤ after)
// emits `balance.recovered`. Detection runs inside the ledger transaction that moves the wallet: its
// conditional UPDATE holds the wallet row's lock until commit, so the changes of one wallet are serialised
// and each one's before/after are exact — concurrent debits and credits each see their own crossing, and
// every crossing belongs to exactly one ledger entry. The event key names that entry's business key, so a
// replayed activity (whose entry is found, not posted) emits nothing new.
import { Prisma } from '../generated/prisma/client.ts';
import type { Tx } from './ledger.ts';
import { emitEvent } from './events.ts';
import { toPoints } from '../domain/money.ts';
import type { Db } from './client.ts';

/**
 * A SQL expression for the RETURNING list of an UPDATE of "Wallet" that moved "balance" by `delta`:
 * whether the change crossed one of the wallet's thresholds. Lets the ledger call detectBalanceCrossings
 * only then, without another round trip while it holds the wallet's lock.
 */
export function crossedThreshold(delta: bigint): Prisma.Sql {
  return Prisma.sql`EXISTS (SELECT 1 FROM "BalanceAlert" a WHERE a."accountId" = "Wallet"."accountId"
    AND a."threshold" > LEAST("Wallet"."balance", "Wallet"."balance" - ${delta})
    AND a."threshold" <= GREATEST("Wallet"."balance", "Wallet"."balance" - ${delta}))`;
}

export interface BalanceChange {
  /** The funding account whose wallet moved. */
  walletId: string;
  before: bigint;
  after: bigint;
  /** The business key of the change (the ledger entry's), unique per change. */
  cause: string;
}

/**
 * Emits balance.low / balance.recovered for every threshold the change crossed. Call it in the transaction
 * that changed the wallet, with the balance before and after that change (a path that debits many items at
 * once calls it once per wallet update with that update's before and after).
 */
export async function detectBalanceCrossings(tx: Tx, change: BalanceChange): Promise<number> {
  const { walletId, before, after } = change;
  if (before === after) return 0;
  const down = after < before;
  const crossed = await tx.balanceAlert.findMany({
    where: { accountId: walletId, threshold: down ? { gt: after, lte: before } : { gt: before, lte: after } },
    orderBy: { threshold: down ? 'desc' : 'asc' },
    select: { threshold: true },
  });
  for (const { threshold } of crossed) {
    const type = down ? 'balance.low' : 'balance.recovered';
    await emitEvent(tx, {
      type,
      accountId: walletId,
      key: `balance:${walletId}/${threshold}/${down ? 'low' : 'recovered'}/${change.cause}`,
      data: { accountId: walletId, threshold: toPoints(threshold), balance: toPoints(after), previousBalance: toPoints(before), cause: change.cause },
    });
  }
  return crossed.length;
}

/** Replaces the account's thresholds (an empty list removes them). */
export async function setBalanceAlerts(db: Db, accountId: string, thresholds: number[]): Promise<number[]> {
  const unique = [...new Set(thresholds)].sort((a, b) => a - b);
  await db.$transaction([
    db.balanceAlert.deleteMany({ where: { accountId } }),
    db.balanceAlert.createMany({ data: unique.map((t) => ({ accountId, threshold: BigInt(t) })) }),
  ]);
  return unique;
}

export async function balanceAlerts(db: Db, accountId: string): Promise<number[]> {
  const rows = await db.balanceAlert.findMany({ where: { accountId }, orderBy: { threshold: 'asc' } });
  return rows.map((r) => toPoints(r.threshold));
}
