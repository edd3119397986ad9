// The batch debit: every consumption of a batch decided once, in one transaction that locks each funding
// wallet once for all its items (db/consumption-debits.ts). Idempotent by consumption id:
// a retried attempt, a racing batch that shares keys or a single request with the same key finds the
// decisions already taken under the wallet's lock and answers them again.
import { createAutoRechargeActivities } from './auto-recharge.ts';
import { ledgerTransaction } from '../db/ledger.ts';
import { debitWallets, type DebitDecision } from '../db/consumption-debits.ts';
import type {
  BatchAutoRechargeRequest,
  BatchConsumptionInput,
  BatchConsumptionOutcome,
  ConsumptionBatchDebit,
  ConsumptionBatchInput,
} from '../workflows/consumption-batch/definitions.ts';

export function createConsumptionBatchActivities(deps: Parameters<typeof createAutoRechargeActivities>[0]) {
  const { db } = deps;
  const { requestAutoRecharge } = createAutoRechargeActivities(deps);
  return {
    /**
     * Hands every wallet the batch left below its threshold to that account's auto-recharge workflow (the
     * single path's trigger, once per wallet), in one activity so the batch's history stays constant.
     * Undelivered requests fail the attempt, which is retried a few times (the auto-recharge workflow
     * absorbs a repeated request); after that they are dropped, as on the single path: the next debit
     * below the threshold asks again.
     */
    async requestAutoRecharges(requests: BatchAutoRechargeRequest[]): Promise<{ delivered: number }> {
      const settled = await Promise.allSettled(requests.map((r) => requestAutoRecharge(r)));
      const failed = settled.flatMap((s, i) => (s.status === 'rejected' ? [{ accountId: requests[i]!.accountId, err: s.reason as unknown }] : []));
      if (failed.length > 0) throw new Error(`${failed.length} of ${requests.length} auto-recharge requests not delivered: ${String(failed[0]!.err)}`);
      return { delivered: requests.length };
    },

    async debitConsumptionBatch(input: ConsumptionBatchInput): Promise<ConsumptionBatchDebit> {
      const byWallet = new Map<string, { index: number; item: BatchConsumptionInput }[]>();
      input.items.forEach((item, index) => {
        const group = byWallet.get(item.fundingAccountId) ?? [];
        group.push({ index, item });
        byWallet.set(item.fundingAccountId, group);
      });
      const walletIds = [...byWallet.keys()];
      // Read before the locks, as the single path does: many debits of a busy wallet queue on them.
      const settings = new Map(
        (await db.autoRecharge.findMany({ where: { accountId: { in: walletIds } }, select: { accountId: true, enabled: true, threshold: true } })).map((s) => [s.accountId, s]),
      );
      const debits = await ledgerTransaction(db, (tx) => debitWallets(tx, new Map([...byWallet].map(([w, group]) => [w, group.map((g) => g.item)]))));

      const outcomes: BatchConsumptionOutcome[] = new Array(input.items.length);
      const autoRecharge: BatchAutoRechargeRequest[] = [];
      for (const [walletId, group] of byWallet) {
        const debit = debits.get(walletId);
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
        const setting = settings.get(walletId);
        if (last && setting?.enabled && BigInt(last.balanceAfter) < setting.threshold) {
          autoRecharge.push({ accountId: walletId, consumptionId: last.id, balanceAfter: last.balanceAfter });
        }
      }
      return { outcomes, autoRecharge };
    },
  };
}
