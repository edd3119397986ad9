// A consumption: debit the funding account once the paid operation succeeded. The caller waits for the
// debit (the workflow's result), not for anything that may follow it: when the debit left the funding
// balance below its auto-recharge threshold, the workflow only hands a request to the account's
// auto-recharge workflow (signal-with-start) and returns; the recharge runs there.
import { log, proxyLocalActivities } from '@temporalio/workflow';
import type { AutoRechargeActivities, ConsumptionActivities } from '../../activities/types.ts';
import { businessOutcome } from '../failures.ts';
import { durableActivity } from '../activity-options.ts';
import type { ConsumptionInput, ConsumptionResult } from './definitions.ts';

// A local activity: the debit is one short database transaction, so running it in the worker that runs
// the workflow saves two task round trips through the server on the caller's critical path. It is retried
// like any activity, and idempotent by the consumption id.
const { debitConsumption } = proxyLocalActivities<ConsumptionActivities>(durableActivity);

// Local too (one signal-with-start call, no extra task round trip), and bounded: a request that cannot be
// delivered is dropped, since the next debit below the threshold asks again.
const { requestAutoRecharge } = proxyLocalActivities<AutoRechargeActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '2 seconds', maximumAttempts: 3 },
});

export async function consumptionWorkflow(input: ConsumptionInput): Promise<ConsumptionResult> {
  let debited;
  try {
    debited = await debitConsumption(input);
  } catch (err) {
    const outcome = businessOutcome(err);
    if (!outcome) throw err;
    if (outcome.code === 'insufficient_balance') {
      const d = outcome.details as { balance: number; required: number; fundingAccountId: string; autoRechargeDue?: boolean };
      // A refused debit below the threshold asks for a recharge too (the next attempt may then pass).
      if (d.autoRechargeDue) await askForRecharge(d.fundingAccountId, input.consumptionId, d.balance);
      return { status: 'insufficient_balance', balance: d.balance, required: d.required, fundingAccountId: d.fundingAccountId };
    }
    return { status: 'rejected', code: outcome.code, message: outcome.message };
  }
  const { autoRechargeDue, ...consumption } = debited;
  if (autoRechargeDue) await askForRecharge(consumption.fundingAccountId, consumption.id, consumption.balanceAfter);
  return { status: 'succeeded', consumption };
}

/** Hands a request to the funding account's auto-recharge workflow; a lost one is logged, not fatal. */
async function askForRecharge(fundingAccountId: string, consumptionId: string, balanceAfter: number): Promise<void> {
  try {
    await requestAutoRecharge({ accountId: fundingAccountId, consumptionId, balanceAfter });
  } catch (err) {
    log.warn('auto-recharge request not delivered; a debit below the threshold asks again once the claim is stale', { fundingAccountId, error: String(err) });
  }
}
