// A batch of consumptions (SPEC §6.4): one workflow for up to 1,000 consumptions, so a batch costs one
// workflow start instead of one per consumption. One local activity decides them all in one transaction
// that locks each funding wallet once for all its items (activities/consumption-batch.ts); a retried
// attempt — also after the worker was killed mid-way — finds the decisions already taken and answers them. Then, like a single consumption,
// every funding wallet the batch left below its auto-recharge threshold is handed to that account's
// auto-recharge workflow, without waiting for the recharge.
//
// History: started, one workflow task, a marker for the debit, a marker for the auto-recharge requests
// when there are any, completed — 6 or 7 events whatever the batch (workflow-task heartbeats add a few
// only when the debit outlasts the workflow task timeout).
import { log, proxyLocalActivities } from '@temporalio/workflow';
import type { ConsumptionBatchActivities } from '../../activities/types.ts';
import { durableActivity } from '../activity-options.ts';
import type { ConsumptionBatchInput, ConsumptionBatchResult } from './definitions.ts';

const { debitConsumptionBatch } = proxyLocalActivities<ConsumptionBatchActivities>(durableActivity);

const { requestAutoRecharges } = proxyLocalActivities<ConsumptionBatchActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '2 seconds', maximumAttempts: 3 },
});

export async function consumptionBatchWorkflow(input: ConsumptionBatchInput): Promise<ConsumptionBatchResult> {
  const { outcomes, autoRecharge } = await debitConsumptionBatch(input);
  if (autoRecharge.length > 0) {
    try {
      await requestAutoRecharges(autoRecharge);
    } catch (err) {
      log.warn('auto-recharge requests not delivered; the next debit below the threshold asks again', { wallets: autoRecharge.length, error: String(err) });
    }
  }
  return { outcomes };
}
