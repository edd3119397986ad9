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
            const setting = await autoRechargeSetting(tx, existing.fundingAccountId);
            return { ...consumptionRecord(existing, balanceAfter), autoRechargeDue: autoRechargeDue(setting, balanceAfter) };
          }
          const account = await tx.account.findUnique({ where: { id: input.accountId } });
          if (!account) throw new BusinessError('not_found', `account ${input.accountId} not found`);
          const funding = fundingAccountId(account);
          // Read before the debit: the debit locks the funding wallet's row until commit, and many
          // consumptions of one busy wallet queue on that lock.
          const setting = await autoRechargeSetting(tx, funding);
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
          return { ...consumptionRecord(created, entry.balanceAfter), autoRechargeDue: autoRechargeDue(setting, entry.balanceAfter) };
        }),
      );
    },
  };
}

type AutoRechargeSetting = { enabled: boolean; threshold: bigint } | null;

/** One primary-key read of the funding account's auto-recharge switch and threshold. */
function autoRechargeSetting(tx: Tx, fundingAccountId: string): Promise<AutoRechargeSetting> {
  return tx.autoRecharge.findUnique({ where: { accountId: fundingAccountId }, select: { enabled: true, threshold: true } });
}

/** Auto-recharge is switched on and the debit left the balance below its threshold. */
function autoRechargeDue(setting: AutoRechargeSetting, balanceAfter: number): boolean {
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
