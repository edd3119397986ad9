import type { Db } from '../db/client.ts';
import { fundingAccountId } from '../db/accounts.ts';
import { ledgerTransaction } from '../db/ledger.ts';
import { BusinessError } from '../domain/errors.ts';
import { toPoints } from '../domain/money.ts';
import { consumerOf, consumptionDebitKey, debitOne, debitWallet } from '../db/consumption-debits.ts';
import { debitedRecord, type ConsumptionInput, type ConsumptionRecord, type DebitResult } from '../workflows/consumption/definitions.ts';
import type { Tx } from '../db/ledger.ts';
import { claimAutoRecharge } from '../db/auto-recharge.ts';
import { asActivity } from './failures.ts';

export { consumptionDebitKey };

export function createConsumptionActivities(deps: { db: Db }) {
  const { db } = deps;
  return {
    /**
     * Debits the funding account and records the consumption, atomically and once: a retry (or a
     * concurrent twin) finds the consumption the first attempt recorded and returns it unchanged. Also
     * says whether the debit left the funding balance below its enabled auto-recharge threshold and this
     * debit won the account's claim to ask for a recharge (a refused debit below the threshold too).
     */
    async debitConsumption(input: ConsumptionInput): Promise<DebitResult> {
      return asActivity(async () => {
        let decided: Decided;
        try {
          decided = await ledgerTransaction(db, (tx) => debitOnce(tx, input));
        } catch (err) {
          if (!(err instanceof RefusedBefore)) throw err;
          // The debit found a refusal recorded for this id before it got the lock: undo it, keep the refusal.
          decided = await ledgerTransaction(db, (tx) => decideLocked(tx, input, err.fundingAccountId, err.setting));
        }
        if ('refused' in decided) {
          const { autoRechargeDue, ...r } = decided.refused;
          throw new BusinessError('insufficient_balance', 'The funding balance does not cover this debit', {
            balance: r.balance,
            required: r.required,
            fundingAccountId: r.fundingAccountId,
            ...(autoRechargeDue ? { autoRechargeDue: true } : {}),
          });
        }
        return decided.debited;
      });
    },
  };
}

type Decided = { debited: DebitResult } | { refused: { balance: number; required: number; fundingAccountId: string; autoRechargeDue: boolean } };

/** Thrown inside the debit's transaction to roll it back: this consumption id was refused before. */
class RefusedBefore extends Error {
  constructor(
    readonly fundingAccountId: string,
    readonly setting: AutoRechargeSetting,
  ) {
    super('consumption refused before');
  }
}

/**
 * The common path, in three statements: the account with its funding account's auto-recharge setting,
 * the wallet's conditional UPDATE with its ledger entry, and the Consumption row (db/consumption-debits.ts
 * debitOne). A short balance, or a refusal of this id recorded by a batch before the UPDATE took the
 * wallet's lock, goes to `decideLocked`.
 */
async function debitOnce(tx: Tx, input: ConsumptionInput): Promise<Decided> {
  const consumer = await consumerOf(tx, input.accountId);
  if (!consumer) throw new BusinessError('not_found', `account ${input.accountId} not found`);
  const funding = fundingAccountId(consumer.account);
  const { setting } = consumer;
  const debit = await debitOne(tx, funding, input);
  switch (debit.kind) {
    case 'short':
      // Nothing was written: decide under the wallet's lock (a top-up or an earlier decision may be there).
      return decideLocked(tx, input, funding, setting);
    case 'refused_before':
      throw new RefusedBefore(funding, setting);
    case 'replayed': {
      // An earlier attempt (or a batch sharing this key) debited it: answer that consumption.
      const existing = await tx.consumption.findUniqueOrThrow({ where: { id: input.consumptionId } });
      return { debited: { ...consumptionRecord(existing, debit.balanceAfter), autoRechargeDue: await holdsClaim(tx, setting, funding, input.consumptionId) } };
    }
    case 'debited': {
      const record = debitedRecord(input, {
        id: input.consumptionId,
        accountId: input.accountId,
        fundingAccountId: funding,
        amount: input.amount,
        balanceAfter: debit.balanceAfter,
        createdAt: debit.createdAt.toISOString(),
      });
      return { debited: { ...record, autoRechargeDue: await claimIfDue(tx, setting, funding, debit.balanceAfter, input.consumptionId) } };
    }
  }
}

/** Decides this id under the funding wallet's lock, like a batch of one: an earlier decision stands. */
async function decideLocked(tx: Tx, input: ConsumptionInput, funding: string, setting: AutoRechargeSetting): Promise<Decided> {
  const result = await debitWallet(tx, funding, [input]);
  if (!result) throw new BusinessError('not_found', `no wallet for account ${funding}`);
  const d = result.decisions[0]!;
  const balance = d.status === 'succeeded' ? d.balanceAfter : d.balance;
  // Taken now: the claim, when the balance is below the threshold (also for a refusal: the next attempt
  // may pass after the recharge). Taken before: whether that decision won the claim.
  const due = d.replayed ? await holdsClaim(tx, setting, funding, input.consumptionId) : await claimIfDue(tx, setting, funding, balance, input.consumptionId);
  if (d.status === 'insufficient_balance') {
    return { refused: { balance: d.balance, required: d.required, fundingAccountId: d.fundingAccountId, autoRechargeDue: due } };
  }
  return { debited: { ...debitedRecord(input, d), autoRechargeDue: due } };
}

export type AutoRechargeSetting = { enabled: boolean; threshold: bigint } | null;

/**
 * When the balance is below an enabled threshold, tries to win the account's claim to ask for a recharge
 * (only one debit does; the others send nothing while the run it asked for is in flight).
 */
export async function claimIfDue(db: Db | Tx, setting: AutoRechargeSetting, funding: string, balance: number, consumptionId: string): Promise<boolean> {
  return autoRechargeDue(setting, balance) && claimAutoRecharge(db, funding, consumptionId);
}

/** A retried decision whose first attempt won the claim asks again (its request may be lost). */
async function holdsClaim(tx: Tx, setting: AutoRechargeSetting, funding: string, consumptionId: string): Promise<boolean> {
  if (setting === null) return false;
  return (await tx.autoRecharge.count({ where: { accountId: funding, requestedBy: consumptionId } })) > 0;
}

/** Auto-recharge is switched on and the balance is below its threshold. */
export function autoRechargeDue(setting: AutoRechargeSetting, balance: number): boolean {
  return setting !== null && setting.enabled && BigInt(balance) < setting.threshold;
}

function consumptionRecord(
  c: {
    id: string;
    accountId: string;
    fundingAccountId: string;
    amount: bigint;
    item: string | null;
    quantity: number | null;
    reference: string | null;
    memo: string | null;
    createdAt: Date;
  },
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
