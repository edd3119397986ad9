// A batch of consumptions (SPEC §6.4): one workflow for up to 1,000 consumptions, so a batch costs one
// workflow start instead of one per consumption. One local activity decides them all in one transaction
// that locks each funding wallet once for all its items (activities/consumption-batch.ts); a retried
// attempt — also after the worker was killed mid-way — finds the decisions already taken and answers them. Then, like a single consumption,
// every funding wallet the batch left below its auto-recharge threshold is handed to that account's
// auto-recharge workflow, without waiting for the recharge.
//
// History: started, a few workflow-task events, one marker for the debit, at most one marker per
// funding wallet for the auto-recharge requests, completed — bounded by the batch size (≤ 1,000 items).
import { log, proxyLocalActivities } from '@temporalio/workflow';
import type { AutoRechargeActivities, ConsumptionBatchActivities } from '../../activities/types.ts';
import { durableActivity } from '../activity-options.ts';
import type { ConsumptionBatchInput, ConsumptionBatchResult } from './definitions.ts';

const { debitConsumptionBatch } = proxyLocalActivities<ConsumptionBatchActivities>(durableActivity);

const { requestAutoRecharge } = proxyLocalActivities<AutoRechargeActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '2 seconds', maximumAttempts: 3 },
});

export async function consumptionBatchWorkflow(input: ConsumptionBatchInput): Promise<ConsumptionBatchResult> {
  const { outcomes, autoRecharge } = await debitConsumptionBatch(input);
  await Promise.all(
    autoRecharge.map((request) =>
      requestAutoRecharge(request).catch((err: unknown) => {
        log.warn('auto-recharge request not delivered; the next debit below the threshold asks again', { fundingAccountId: request.accountId, error: String(err) });
      }),
    ),
  );
  return { outcomes };
}
