// The batch debit: every consumption of a batch decided once, in one transaction that locks each funding
// wallet once for all its items (db/consumption-debits.ts). Idempotent by consumption id:
// a retried attempt, a racing batch that shares keys or a single request with the same key finds the
// decisions already taken under the wallet's lock and answers them again.
import { createAutoRechargeActivities } from './auto-recharge.ts';
import { ledgerTransaction } from '../db/ledger.ts';
import { debitWallets, type DebitDecision } from '../db/consumption-debits.ts';
import { claimIfDue } from './consumption.ts';
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
        (await db.autoRecharge.findMany({ where: { accountId: { in: walletIds } }, select: { accountId: true, enabled: true, threshold: true } })).map((s) => [
          s.accountId,
          s,
        ]),
      );
      // The decisions, and in the same transaction (as the single path) the auto-recharge claims: per
      // wallet, the batch's lowest balance below an enabled threshold tries to win the account's claim for
      // its last new decision; a wallet whose decisions were all taken before (a retried attempt, a batch
      // sent again) asks again when one of them won the claim then (its request may be lost).
      const { debits, claimed } = await ledgerTransaction(db, async (tx) => {
        const debits = await debitWallets(tx, new Map([...byWallet].map(([w, group]) => [w, group.map((g) => g.item)])));
        const claimed = new Map<string, string>();
        if (settings.size === 0) return { debits, claimed };
        for (const [walletId, debit] of debits) {
          if (!debit) continue;
          let by: string | undefined;
          debit.decisions.forEach((d, k) => {
            if (!d.replayed) by = byWallet.get(walletId)![k]!.item.consumptionId;
          });
          if (by && (await claimIfDue(tx, settings.get(walletId) ?? null, walletId, lowest(debit.decisions), by))) claimed.set(walletId, by);
        }
        const ids = input.items.map((i) => i.consumptionId);
        const held = await tx.autoRecharge.findMany({
          where: { accountId: { in: walletIds.filter((w) => !claimed.has(w)) }, requestedBy: { in: ids } },
          select: { accountId: true, requestedBy: true },
        });
        for (const h of held) claimed.set(h.accountId, h.requestedBy!);
        return { debits, claimed };
      });

      const outcomes: BatchConsumptionOutcome[] = new Array(input.items.length);
      const autoRecharge: BatchAutoRechargeRequest[] = [];
      for (const [walletId, group] of byWallet) {
        const debit = debits.get(walletId);
        group.forEach(({ index }, k) => {
          const d = debit?.decisions[k];
          if (!d) {
            outcomes[index] = { status: 'rejected', code: 'not_found', message: `no wallet for account ${walletId}` };
          } else if (d.status === 'succeeded') {
            outcomes[index] = {
              status: 'succeeded',
              id: d.id,
              fundingAccountId: d.fundingAccountId,
              amount: d.amount,
              balanceAfter: d.balanceAfter,
              createdAt: d.createdAt,
            };
          } else {
            outcomes[index] = { status: 'insufficient_balance', balance: d.balance, required: d.required, fundingAccountId: d.fundingAccountId };
          }
        });
        const by = claimed.get(walletId);
        if (debit && by) autoRecharge.push({ accountId: walletId, consumptionId: by, balanceAfter: lowest(debit.decisions) });
      }
      return { outcomes, autoRecharge };
    },
  };
}

/** The lowest balance a wallet's decisions left (each one's balance after it, or the balance that refused it). */
function lowest(decisions: readonly DebitDecision[]): number {
  return Math.min(...decisions.map((d) => (d.status === 'succeeded' ? d.balanceAfter : d.balance)));
}
