// The charge workflow's client side, one convention with the other flows' clients (workflows/*/client.ts):
// - start or attach: `charge:<id>` (workflows/ids.ts) is started, or the running one found (racing twins
//   of one request share the id: USE_EXISTING), never started again once it has ended (REJECT_DUPLICATE);
//   the caller gets the workflow's first answer (awaitAcceptedWithin);
// - decide: confirm a deposit, reject or cancel, through the workflow's updates (its validators refuse what
//   is not possible now);
// - read after close: a decision that finds the workflow closed is answered from the database read model.
// The type string is bound to the workflow function in ./definitions.ts (`satisfies`).
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Db } from '../../db/client.ts';
import type { Charge } from '../../generated/prisma/client.ts';
import { BusinessError } from '../../domain/errors.ts';
import { toPoints } from '../../domain/money.ts';
import { chargeWorkflowId } from '../ids.ts';
import {
  awaitAcceptedWithinUpdate,
  cancelChargeUpdate,
  chargeWorkflowType,
  confirmDepositUpdate,
  isTerminalChargeStatus,
  rejectChargeUpdate,
  type CancelChargeInput,
  type ChargeInput,
  type ChargeSnapshot,
  type ChargeStatus,
  type ChargeWorkflow,
  type ConfirmDepositInput,
  type RejectChargeInput,
} from './definitions.ts';

export interface ChargeTarget {
  taskQueue: string;
  /** How long to wait for a card charge's outcome before answering it as still pending. */
  cardChargeWaitMs: number;
}

/**
 * Starts the charge's workflow (or finds the running one) and waits for its first answer: a deposit
 * charge once it awaits its deposit, a card charge until its outcome is known or `cardChargeWaitMs` passes
 * (then it is still `pending`). Undefined when the workflow has already closed (a card charge that
 * finished before the update reached it, or a retried request whose first answer was lost): the read
 * model has the outcome.
 */
export async function startCharge(temporal: Client, target: ChargeTarget, input: ChargeInput): Promise<ChargeSnapshot | undefined> {
  let handle: WorkflowHandle<ChargeWorkflow>;
  try {
    handle = await temporal.workflow.start<ChargeWorkflow>(chargeWorkflowType, {
      workflowId: chargeWorkflowId(input.chargeId),
      taskQueue: target.taskQueue,
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [input],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return undefined;
  }
  try {
    return await handle.executeUpdate(awaitAcceptedWithinUpdate, { args: [{ waitMs: target.cardChargeWaitMs }] });
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    return undefined;
  }
}

/** The closed workflow's result (a charge refused before anything was recorded has only that). */
export function chargeResult(temporal: Client, chargeId: string): Promise<ChargeSnapshot> {
  return temporal.workflow.getHandle<ChargeWorkflow>(chargeWorkflowId(chargeId)).result();
}

/** A person's (or the bank feed's) decision on a charge awaiting its deposit. */
export type ChargeDecision =
  { kind: 'confirm'; input: ConfirmDepositInput } | { kind: 'reject'; input: RejectChargeInput } | { kind: 'cancel'; input: CancelChargeInput };

const OUTCOME: Record<ChargeDecision['kind'], ChargeStatus> = { confirm: 'succeeded', reject: 'rejected', cancel: 'cancelled' };

/**
 * Sends a decision to the charge's workflow. A charge that cannot take it (a card charge; a virtual
 * account, which only a cancel reaches) or a closed one is answered here; a refusal by the update's
 * validator reaches the caller as the workflow's failure (the API maps it with toHttpProblem).
 */
export async function decideCharge(temporal: Client, db: Db, charge: Charge, decision: ChargeDecision): Promise<void> {
  const { kind } = decision;
  if (charge.method !== 'bank_transfer' && !(charge.method === 'virtual_account' && kind === 'cancel')) {
    throw new BusinessError('invalid_state', `a ${charge.method} charge cannot be ${kind === 'confirm' ? 'confirmed' : `${kind}ed`}`, {
      currentStatus: charge.status,
    });
  }
  if (isTerminalChargeStatus(charge.status)) return decidedAfterClose(charge, decision);
  const handle = temporal.workflow.getHandle<ChargeWorkflow>(chargeWorkflowId(charge.id));
  try {
    if (decision.kind === 'confirm') await handle.executeUpdate(confirmDepositUpdate, { args: [decision.input] });
    else if (decision.kind === 'reject') await handle.executeUpdate(rejectChargeUpdate, { args: [decision.input] });
    else await handle.executeUpdate(cancelChargeUpdate, { args: [decision.input] });
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    // The workflow closed between our read and the update: the read model has its outcome.
    return decidedAfterClose(await db.charge.findUniqueOrThrow({ where: { id: charge.id } }), decision);
  }
}

/**
 * A decision on a closed charge, from the read model: the same decision again is harmless, but anything
 * else — including a confirmation of another deposited amount than the one confirmed — is invalid_state.
 */
export function decidedAfterClose(charge: Charge, decision: ChargeDecision): void {
  if (charge.status !== OUTCOME[decision.kind]) {
    throw new BusinessError('invalid_state', `charge ${charge.id} is ${charge.status}`, { currentStatus: charge.status });
  }
  const requested = decision.kind === 'confirm' ? decision.input.depositedAmount : undefined;
  const confirmed = charge.depositedAmount === null ? undefined : toPoints(charge.depositedAmount);
  if (requested !== undefined && confirmed !== undefined && confirmed !== requested) {
    throw new BusinessError('invalid_state', `charge ${charge.id} was confirmed with a deposit of ${confirmed} points, not ${requested}`, {
      currentStatus: charge.status,
      depositedAmount: confirmed,
      requestedDepositedAmount: requested,
    });
  }
}
