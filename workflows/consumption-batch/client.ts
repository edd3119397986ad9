// The batch consumption workflow's client side, one convention with the other flows' clients
// (workflows/*/client.ts):
// - start or attach: `consumption-batch:<batchId>` (workflows/ids.ts), the id derived from the caller and
//   the batch's consumption ids, so the same batch sent again while it runs attaches to it (USE_EXISTING);
//   a new run after it ended finds every decision already taken and answers the same (ALLOW_DUPLICATE);
// - decide: nothing to decide, the debits are the whole workflow;
// - read after close: each consumption's answer is stored under its idempotency key by the caller.
// The type string is bound to the workflow function in ./definitions.ts (`satisfies`).
import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { consumptionBatchWorkflowId } from '../ids.ts';
import type { ConsumptionTarget } from '../consumption/client.ts';
import { consumptionBatchWorkflowType, type BatchConsumptionInput, type BatchConsumptionOutcome, type ConsumptionBatchWorkflow } from './definitions.ts';

/**
 * Runs the batch workflow over `inputs` and answers its decisions, in input order. Its id is derived from
 * the caller and the consumption ids, so the same batch sent again while it runs attaches to it; a new run
 * after it ended finds every decision already taken and answers the same.
 */
export async function executeConsumptionBatch(
  temporal: Client,
  target: ConsumptionTarget,
  scope: string,
  inputs: BatchConsumptionInput[],
): Promise<BatchConsumptionOutcome[]> {
  const batchId = createHash('sha256')
    .update(`${scope}\n${inputs.map((x) => x.consumptionId).join(',')}`)
    .digest('hex')
    .slice(0, 40);
  const { outcomes } = await temporal.workflow.execute<ConsumptionBatchWorkflow>(consumptionBatchWorkflowType, {
    workflowId: consumptionBatchWorkflowId(batchId),
    taskQueue: target.taskQueue,
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    requestEagerStart: target.eagerStart === true,
    args: [{ items: inputs }],
  });
  return outcomes;
}
