// The batch debit: every consumption of a batch decided once, one transaction per funding wallet
// (db/consumption-debits.ts), wallets in parallel over a few connections. Idempotent by consumption id:
// a retried attempt, a racing batch that shares keys or a single request with the same key finds the
// decisions already taken under the wallet's lock and answers them again.
import type { Db } from '../db/client.ts';
import { ledgerTransaction } from '../db/ledger.ts';
import { debitWallet, type DebitDecision } from '../db/consumption-debits.ts';
import type {
  BatchAutoRechargeRequest,
  BatchConsumptionInput,
  BatchConsumptionOutcome,
  ConsumptionBatchDebit,
  ConsumptionBatchInput,
} from '../workflows/consumption-batch/definitions.ts';

/** Wallet transactions of one batch in flight at once (each holds one pooled connection). */
const WALLETS_IN_PARALLEL = 4;

export function createConsumptionBatchActivities(deps: { db: Db }) {
  const { db } = deps;
  return {
    async debitConsumptionBatch(input: ConsumptionBatchInput): Promise<ConsumptionBatchDebit> {
      const byWallet = new Map<string, { index: number; item: BatchConsumptionInput }[]>();
      input.items.forEach((item, index) => {
        const group = byWallet.get(item.fundingAccountId) ?? [];
        group.push({ index, item });
        byWallet.set(item.fundingAccountId, group);
      });
      const outcomes: BatchConsumptionOutcome[] = new Array(input.items.length);
      const autoRecharge: BatchAutoRechargeRequest[] = [];
      const wallets = [...byWallet];
      let next = 0;
      const lane = async () => {
        while (next < wallets.length) {
          const [walletId, group] = wallets[next++]!;
          // Read before the lock, as the single path does: many debits of a busy wallet queue on it.
          const setting = await db.autoRecharge.findUnique({ where: { accountId: walletId }, select: { enabled: true, threshold: true } });
          const debit = await ledgerTransaction(db, (tx) => debitWallet(tx, walletId, group.map((g) => g.item)));
          let last: Extract<DebitDecision, { status: 'succeeded' }> | undefined;
          group.forEach(({ index }, k) => {
            const d = debit?.decisions[k];
            if (!d) {
              outcomes[index] = { status: 'rejected', code: 'not_found', message: `no wallet for account ${walletId}` };
            } else if (d.status === 'succeeded') {
              outcomes[index] = { status: 'succeeded', id: d.id, fundingAccountId: d.fundingAccountId, amount: d.amount, balanceAfter: d.balanceAfter, createdAt: d.createdAt };
              if (!last || d.balanceAfter <= last.balanceAfter) last = d;
            } else {
              outcomes[index] = { status: 'insufficient_balance', balance: d.balance, required: d.required, fundingAccountId: d.fundingAccountId };
            }
          });
          // Like a single consumption: the debit (the batch's lowest balance on this wallet) left the
          // balance below the enabled threshold. A retried attempt asks again; the recharge is one per account.
          if (last && setting?.enabled && BigInt(last.balanceAfter) < setting.threshold) {
            autoRecharge.push({ accountId: walletId, consumptionId: last.id, balanceAfter: last.balanceAfter });
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(WALLETS_IN_PARALLEL, wallets.length) }, lane));
      return { outcomes, autoRecharge };
    },
  };
}
