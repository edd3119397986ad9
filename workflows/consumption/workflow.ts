// A consumption: debit the funding account once the paid operation succeeded. The caller waits for the
// debit (the workflow's result), not for anything that may follow it.
import { proxyLocalActivities } from '@temporalio/workflow';
import type { ConsumptionActivities } from '../../activities/types.ts';
import { businessOutcome } from '../failures.ts';
import type { ConsumptionInput, ConsumptionResult } from './definitions.ts';

// A local activity: the debit is one short database transaction, so running it in the worker that runs
// the workflow saves two task round trips through the server on the caller's critical path. It is retried
// like any activity, and idempotent by the consumption id.
const { debitConsumption } = proxyLocalActivities<ConsumptionActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' },
});

export async function consumptionWorkflow(input: ConsumptionInput): Promise<ConsumptionResult> {
  try {
    const consumption = await debitConsumption(input);
    return { status: 'succeeded', consumption };
  } catch (err) {
    const outcome = businessOutcome(err);
    if (!outcome) throw err;
    if (outcome.code === 'insufficient_balance') {
      const d = outcome.details as { balance: number; required: number; fundingAccountId: string };
      return { status: 'insufficient_balance', balance: d.balance, required: d.required, fundingAccountId: d.fundingAccountId };
    }
    return { status: 'rejected', code: outcome.code, message: outcome.message };
  }
}
