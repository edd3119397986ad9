// The consumption workflow's client side, one convention with the other flows' clients
// (workflows/*/client.ts):
// - start or attach: `consumption:<id>` (workflows/ids.ts) is started, or the running one found (racing
//   twins of one request share the id: USE_EXISTING), and never started again once it has ended
//   (REJECT_DUPLICATE: a refused consumption retried after a top-up must not debit behind the 402 its
//   twin stored);
// - decide: nothing to decide, the debit is the whole workflow;
// - read after close: a twin that arrives after the workflow ended reads its result.
// The type string is bound to the workflow function in ./definitions.ts (`satisfies`).
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { consumptionWorkflowId } from '../ids.ts';
import { consumptionWorkflowType, type ConsumptionInput, type ConsumptionResult, type ConsumptionWorkflow } from './definitions.ts';

export interface ConsumptionTarget {
  taskQueue: string;
  /**
   * With a worker in this process sharing the client's connection (npm start), the server hands the
   * first workflow task straight back to it.
   */
  eagerStart?: boolean;
}

/** Starts `consumption:<id>` (or attaches to it) and answers its result: the debit, or why there was none. */
export async function executeConsumption(temporal: Client, target: ConsumptionTarget, input: ConsumptionInput): Promise<ConsumptionResult> {
  const workflowId = consumptionWorkflowId(input.consumptionId);
  try {
    return await temporal.workflow.execute<ConsumptionWorkflow>(consumptionWorkflowType, {
      workflowId,
      taskQueue: target.taskQueue,
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      requestEagerStart: target.eagerStart === true,
      args: [input],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return temporal.workflow.getHandle<ConsumptionWorkflow>(workflowId).result();
    throw err;
  }
}
