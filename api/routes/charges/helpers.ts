// What the charge routes (and the charge-link pages, which open charges too) do besides parsing and
// answering: load a charge, check the limits, start the charge's workflow and send it decisions.
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import type { AppDeps } from '../../deps.ts';
import type { Outcome } from '../../idempotency.ts';
import { HttpProblem } from '../../problem.ts';
import { businessEvents } from '../../metrics.ts';
import { visibleOr404 } from '../../access.ts';
import type { Principal } from '../../principal.ts';
import { chargeView, type ChargeWithEvents } from '../../views/charge.ts';
import type { Db } from '../../../db/client.ts';
import type { Config } from '../../../config/config.ts';
import type { Charge, Prisma } from '../../../generated/prisma/client.ts';
import { ErrorCode, isErrorCode } from '../../../domain/errors.ts';
import { toPoints } from '../../../domain/money.ts';
import { chargeWorkflowId } from '../../../workflows/ids.ts';
import {
  awaitAcceptedWithinUpdate,
  chargeWorkflowType,
  isTerminalChargeStatus,
  type ChargeInput,
  type ChargeSnapshot,
  type ChargeStatus,
  type ChargeWorkflow,
} from '../../../workflows/charge/definitions.ts';

export const withEvents = { events: { orderBy: [{ at: 'asc' }, { id: 'asc' }] }, taxDocument: true } satisfies Prisma.ChargeInclude;

export function loadCharge(db: Db, id: string): Promise<ChargeWithEvents | null> {
  return db.charge.findUnique({ where: { id }, include: withEvents });
}

/** Loads a charge the principal may see, or answers 404 as if it did not exist. */
export async function chargeFor(db: Db, p: Principal, id: string): Promise<ChargeWithEvents> {
  return visibleOr404(db, p, await loadCharge(db, id), (c) => c.accountId, 'charge', id);
}

/** Refuses an amount outside the per-method minimum and the maximum (422) before anything is recorded. */
export function checkLimits(config: Config, method: 'card' | 'bank_transfer' | 'virtual_account', amount: number) {
  const minimum = config.chargeLimits.minimum[method];
  const maximum = config.chargeLimits.maximum;
  if (amount < minimum) {
    throw new HttpProblem('amount_below_minimum', `a ${method} charge is at least ${minimum} points`, { minimum, maximum });
  }
  if (amount > maximum) {
    throw new HttpProblem('amount_above_maximum', `a charge is at most ${maximum} points`, { minimum, maximum });
  }
}

/**
 * Starts the charge's workflow (or finds the running one: racing twins share the id) and waits for its
 * first answer: a bank transfer once it awaits its deposit, a card charge until its outcome is known or
 * `config.cardChargeWaitMs` passes (then it is still `pending`). Undefined when the workflow has already
 * closed (a card charge that finished before the update reached it, or a retried request whose first
 * answer was lost): the read model has the outcome.
 */
export async function startCharge(temporal: Client, config: Config, input: ChargeInput): Promise<ChargeSnapshot | undefined> {
  const workflowId = chargeWorkflowId(input.chargeId);
  let handle: WorkflowHandle<ChargeWorkflow>;
  try {
    handle = await temporal.workflow.start<ChargeWorkflow>(chargeWorkflowType, {
      workflowId,
      taskQueue: config.temporal.taskQueue,
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [input],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return undefined;
  }
  try {
    return await handle.executeUpdate(awaitAcceptedWithinUpdate, { args: [{ waitMs: config.cardChargeWaitMs }] });
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    return undefined;
  }
}

export type ChargeAction = 'confirm' | 'reject' | 'cancel';
const OUTCOME: Record<ChargeAction, ChargeStatus> = { confirm: 'succeeded', reject: 'rejected', cancel: 'cancelled' };

/**
 * Answers a decision on a closed charge from the read model: the same decision again is harmless, but a
 * confirmation of another deposited amount than the one confirmed is not.
 */
function answerClosed(charge: Charge, action: ChargeAction, depositedAmount?: number): void {
  if (charge.status !== OUTCOME[action]) {
    throw new HttpProblem('invalid_state', `charge ${charge.id} is ${charge.status}`, { status: charge.status });
  }
  const confirmed = charge.depositedAmount === null ? undefined : toPoints(charge.depositedAmount);
  if (depositedAmount !== undefined && confirmed !== undefined && confirmed !== depositedAmount) {
    throw new HttpProblem('invalid_state', `charge ${charge.id} was confirmed with a deposit of ${confirmed} points, not ${depositedAmount}`, {
      status: charge.status,
      depositedAmount: confirmed,
      requestedDepositedAmount: depositedAmount,
    });
  }
}

/** Sends a decision to the charge's workflow; closed workflows and refusals become problems. */
export async function decideCharge(
  db: Db,
  temporal: Client,
  charge: Charge,
  action: ChargeAction,
  send: (h: WorkflowHandle<ChargeWorkflow>) => Promise<unknown>,
  depositedAmount?: number,
) {
  if (charge.method !== 'bank_transfer' && !(charge.method === 'virtual_account' && action === 'cancel')) {
    throw new HttpProblem('invalid_state', `a ${charge.method} charge cannot be ${action === 'confirm' ? 'confirmed' : `${action}ed`}`, { status: charge.status });
  }
  if (isTerminalChargeStatus(charge.status)) return answerClosed(charge, action, depositedAmount);
  try {
    await send(temporal.workflow.getHandle<ChargeWorkflow>(chargeWorkflowId(charge.id)));
  } catch (err) {
    // A refusal by the update's validator or handler reaches the client through toHttpProblem.
    if (err instanceof WorkflowNotFoundError) {
      // The workflow closed between our read and the update: the read model has its outcome.
      const now = await db.charge.findUniqueOrThrow({ where: { id: charge.id } });
      return answerClosed(now, action, depositedAmount);
    }
    throw err;
  }
}

export interface OpenCharge {
  chargeId: string;
  accountId: string;
  amount: number;
  method: 'card' | 'bank_transfer' | 'virtual_account';
  origin: ChargeInput['origin'];
  depositorName?: string | undefined;
  paymentMethodId?: string | undefined;
}

/**
 * Starts the charge (idempotent per charge id) and answers its first outcome: 201 a succeeded card
 * charge; 202 a bank transfer awaiting its deposit, or a card charge whose outcome is not known yet
 * (`pending`: the workflow keeps asking the gateway); a 4xx problem naming the charge (`chargeId`) for a
 * card charge that failed — never 201. The caller has checked access and limits.
 */
export async function openCharge({ db, temporal, config }: Pick<AppDeps, 'db' | 'temporal' | 'config'>, request: OpenCharge): Promise<Outcome> {
  const { chargeId } = request;
  const snapshot = await startCharge(temporal, config, {
    chargeId,
    accountId: request.accountId,
    amount: request.amount,
    method: request.method,
    origin: request.origin,
    depositorName: request.depositorName ?? null,
    paymentMethodId: request.paymentMethodId ?? null,
    calendar: config.calendar,
    schedule: { confirmWithinBusinessHours: config.schedule.confirmWithinBusinessHours, expireAfterBusinessDays: config.schedule.expireAfterBusinessDays },
    bankAccount: config.bankAccount,
    virtualAccountValidHours: config.virtualAccountValidHours,
  });
  const charge = await loadCharge(db, chargeId);
  if (!charge) {
    // Refused before anything was recorded (the account or card changed since the checks above).
    const refused = snapshot ?? (await temporal.workflow.getHandle<ChargeWorkflow>(chargeWorkflowId(chargeId)).result());
    businessEvents.inc({ kind: 'charge', outcome: 'refused' });
    const code = refused.failureCode && isErrorCode(refused.failureCode) ? refused.failureCode : 'invalid_state';
    throw new HttpProblem(code, refused.failureReason ?? 'the charge was refused');
  }
  businessEvents.inc({ kind: 'charge', outcome: charge.failureCode ?? charge.status });
  if (charge.status === 'failed') {
    const code = charge.failureCode && isErrorCode(charge.failureCode) && ErrorCode[charge.failureCode] < 500 ? charge.failureCode : 'payment_failed';
    throw new HttpProblem(code, charge.failureReason ?? 'the charge failed', { chargeId, charge: chargeView(charge) });
  }
  return { status: charge.status === 'succeeded' ? 201 : 202, body: chargeView(charge) };
}
