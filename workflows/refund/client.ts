// The refund workflow's client side, one convention with the other flows' clients (workflows/*/client.ts):
// - start or attach: `refund:<id>` (workflows/ids.ts) is started, or the running one found (racing twins
//   of one request share the id: USE_EXISTING), and never started again once it has ended
//   (REJECT_DUPLICATE); the answer is the first answer (an update), or the closed workflow's result;
// - decide: an admin's approval or rejection is an update, refused by the workflow's validator when it
//   cannot be taken (invalid_state);
// - read after close: a decision that reaches a closed workflow is answered from the database's Refund
//   row (the read model): repeating the decision that was taken is harmless, a contrary one is not.
// The type string is bound to the workflow function in ./definitions.ts (`satisfies`).
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../../db/client.ts';
import type { Refund } from '../../generated/prisma/client.ts';
import { BusinessError } from '../../domain/errors.ts';
import { refundWorkflowId } from '../ids.ts';
import {
  approveRefundUpdate,
  refundNeedsReview,
  refundOutcomeUpdate,
  refundWorkflowType,
  rejectRefundUpdate,
  type RefundDecision,
  type RefundInput,
  type RefundOutcome,
  type RefundRecord,
  type RefundWorkflow,
} from './definitions.ts';

export interface RefundTarget {
  taskQueue: string;
}

/** Starts `refund:<id>` (or attaches to it) and answers its first answer: recorded, or refused. */
export async function startRefund(temporal: Client, target: RefundTarget, input: RefundInput): Promise<RefundOutcome> {
  const workflowId = refundWorkflowId(input.refundId);
  try {
    const handle = await temporal.workflow.start<RefundWorkflow>(refundWorkflowType, {
      workflowId,
      taskQueue: target.taskQueue,
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [input],
    });
    return await handle.executeUpdate(refundOutcomeUpdate);
  } catch (err) {
    // Ended already (before the start, or before the update reached it): its result is the answer.
    if (err instanceof WorkflowExecutionAlreadyStartedError || err instanceof WorkflowNotFoundError) {
      return temporal.workflow.getHandle<RefundWorkflow>(workflowId).result();
    }
    throw err;
  }
}

/**
 * Sends an admin's decision on a refund awaiting review and answers the refund as decided. A refusal by
 * the update's validator or handler is thrown as the client reports it (WorkflowUpdateFailedError with
 * a typed ApplicationFailure); a closed workflow is answered from the read model (`decidedAfterClose`).
 */
export async function decideRefund(temporal: Client, db: Db, refundId: string, decision: RefundDecision): Promise<RefundRecord | Refund> {
  const handle = temporal.workflow.getHandle<RefundWorkflow>(refundWorkflowId(refundId));
  try {
    return decision.kind === 'approve'
      ? await handle.executeUpdate(approveRefundUpdate, { args: [{ memo: decision.memo }] })
      : await handle.executeUpdate(rejectRefundUpdate, { args: [{ reason: decision.reason }] });
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    return decidedAfterClose(db, refundId, decision.kind);
  }
}

/**
 * Read after close: a decision on a refund whose workflow has ended, answered from its Refund row. The
 * decision that was taken answers the refund; anything else is invalid_state (a BusinessError).
 */
export async function decidedAfterClose(db: Db, refundId: string, kind: RefundDecision['kind']): Promise<Refund> {
  const current = await db.refund.findUniqueOrThrow({ where: { id: refundId } });
  // Went to review: a review reason, or an automatic one past the window (it carries a review deadline).
  if (!refundNeedsReview(current.reason) && current.reviewDueAt === null) {
    throw new BusinessError('invalid_state', `a ${current.reason} refund is credited automatically; there is nothing to decide`);
  }
  if (current.status === (kind === 'approve' ? 'succeeded' : 'rejected')) return current;
  throw new BusinessError('invalid_state', `refund ${refundId} is ${current.status}; it cannot be ${kind === 'approve' ? 'approved' : 'rejected'}`);
}
