import type { Db } from '../db/client.ts';
import { fundingAccountId } from '../db/accounts.ts';
import { ledgerTransaction, postEntry } from '../db/ledger.ts';
import { BusinessError } from '../domain/errors.ts';
import { toPoints } from '../domain/money.ts';
import { consumptionWorkflowId, stepKey } from '../workflows/ids.ts';
import type { ConsumptionInput, ConsumptionRecord, DebitResult } from '../workflows/consumption/definitions.ts';
import type { Tx } from '../db/ledger.ts';
import { asActivity } from './failures.ts';

export const consumptionDebitKey = (consumptionId: string) => stepKey(consumptionWorkflowId(consumptionId), 'debit');

export function createConsumptionActivities(deps: { db: Db }) {
  const { db } = deps;
  return {
    /**
     * Debits the funding account and records the consumption, atomically and once: a retry (or a
     * concurrent twin) finds the consumption the first attempt recorded and returns it unchanged. Also
     * says whether the debit left the funding balance below its enabled auto-recharge threshold.
     */
    async debitConsumption(input: ConsumptionInput): Promise<DebitResult> {
      return asActivity(() =>
        ledgerTransaction(db, async (tx) => {
          const key = consumptionDebitKey(input.consumptionId);
          const existing = await tx.consumption.findUnique({ where: { id: input.consumptionId } });
          if (existing) {
            const entry = await tx.ledgerEntry.findUniqueOrThrow({ where: { businessKey: key } });
            const balanceAfter = toPoints(entry.balanceAfter);
            return { ...consumptionRecord(existing, balanceAfter), autoRechargeDue: await autoRechargeDue(tx, existing.fundingAccountId, balanceAfter) };
          }
          const account = await tx.account.findUnique({ where: { id: input.accountId } });
          if (!account) throw new BusinessError('not_found', `account ${input.accountId} not found`);
          const funding = fundingAccountId(account);
          const entry = await postEntry(tx, {
            walletId: funding,
            accountId: account.id,
            kind: 'consumption',
            amount: -input.amount,
            businessKey: key,
            consumptionId: input.consumptionId,
            memo: input.reference ?? input.memo ?? null,
          });
          const created = await tx.consumption.create({
            data: {
              id: input.consumptionId,
              accountId: account.id,
              fundingAccountId: funding,
              amount: BigInt(input.amount),
              item: input.item ?? null,
              quantity: input.quantity ?? null,
              reference: input.reference ?? null,
              memo: input.memo ?? null,
            },
          });
          return { ...consumptionRecord(created, entry.balanceAfter), autoRechargeDue: await autoRechargeDue(tx, funding, entry.balanceAfter) };
        }),
      );
    },
  };
}

/** One primary-key read: the funding account has auto-recharge switched on and is now below its threshold. */
async function autoRechargeDue(tx: Tx, fundingAccountId: string, balanceAfter: number): Promise<boolean> {
  const setting = await tx.autoRecharge.findUnique({ where: { accountId: fundingAccountId }, select: { enabled: true, threshold: true } });
  return setting !== null && setting.enabled && BigInt(balanceAfter) < setting.threshold;
}

function consumptionRecord(
  c: { id: string; accountId: string; fundingAccountId: string; amount: bigint; item: string | null; quantity: number | null; reference: string | null; memo: string | null; createdAt: Date },
  balanceAfter: number,
): ConsumptionRecord {
  return {
    id: c.id,
    accountId: c.accountId,
    fundingAccountId: c.fundingAccountId,
    amount: toPoints(c.amount),
    balanceAfter,
    item: c.item,
    quantity: c.quantity,
    reference: c.reference,
    memo: c.memo,
    createdAt: c.createdAt.toISOString(),
  };
}
