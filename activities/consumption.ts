import type { Db } from '../db/client.ts';
import { fundingAccountId } from '../db/accounts.ts';
import { ledgerTransaction, postEntry } from '../db/ledger.ts';
import { BusinessError } from '../domain/errors.ts';
import { toPoints } from '../domain/money.ts';
import { consumptionWorkflowId, stepKey } from '../workflows/ids.ts';
import type { ConsumptionInput, ConsumptionRecord, DebitResult } from '../workflows/consumption/definitions.ts';
import type { Tx } from '../db/ledger.ts';
import { claimAutoRecharge } from '../db/auto-recharge.ts';
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
      return asActivity(async () => {
        let refused: { funding: string; setting: AutoRechargeSetting } | undefined;
        try {
          return await ledgerTransaction(db, (tx) => debit(tx, input, (r) => (refused = r)));
        } catch (err) {
          // Refused for want of points: a balance below the threshold asks for a recharge all the same.
          if (err instanceof BusinessError && err.code === 'insufficient_balance' && refused) {
            const balance = Number(err.details.balance);
            if (await claimIfDue(db, refused.setting, refused.funding, balance, input.consumptionId)) {
              throw new BusinessError(err.code, err.message, { ...err.details, autoRechargeDue: true });
            }
          }
          throw err;
        }
      });
    },
  };
}

/** The debit proper, in one transaction; `onRefusal` learns the funding account before an overdraft throws. */
async function debit(tx: Tx, input: ConsumptionInput, onRefusal: (r: { funding: string; setting: AutoRechargeSetting }) => void): Promise<DebitResult> {
  const key = consumptionDebitKey(input.consumptionId);
  const existing = await tx.consumption.findUnique({ where: { id: input.consumptionId } });
  if (existing) {
    const entry = await tx.ledgerEntry.findUniqueOrThrow({ where: { businessKey: key } });
    const balanceAfter = toPoints(entry.balanceAfter);
    // A retried debit whose first attempt won the claim asks again (its request may be lost).
    const holds = await tx.autoRecharge.count({ where: { accountId: existing.fundingAccountId, requestedBy: input.consumptionId } });
    return { ...consumptionRecord(existing, balanceAfter), autoRechargeDue: holds > 0 };
  }
  const account = await tx.account.findUnique({ where: { id: input.accountId } });
  if (!account) throw new BusinessError('not_found', `account ${input.accountId} not found`);
  const funding = fundingAccountId(account);
  // Read before the debit: the debit locks the funding wallet's row until commit, and many
  // consumptions of one busy wallet queue on that lock.
  const setting = await autoRechargeSetting(tx, funding);
  onRefusal({ funding, setting });
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
  const due = await claimIfDue(tx, setting, funding, entry.balanceAfter, input.consumptionId);
  return { ...consumptionRecord(created, entry.balanceAfter), autoRechargeDue: due };
}

type AutoRechargeSetting = { enabled: boolean; threshold: bigint } | null;

/**
 * When the balance is below an enabled threshold, tries to win the account's claim to ask for a recharge
 * (only one debit does; the others send nothing while the run it asked for is in flight).
 */
async function claimIfDue(db: Db | Tx, setting: AutoRechargeSetting, funding: string, balance: number, consumptionId: string): Promise<boolean> {
  return autoRechargeDue(setting, balance) && claimAutoRecharge(db, funding, consumptionId);
}

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
