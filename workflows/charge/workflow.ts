// One charge (top-up) request, from start to its one outcome (SPEC §2–§3).
//
// Card: record the charge, capture through the gateway (charge id = idempotency key; transient errors
// retry, a decline fails the charge), credit once.
//
// Bank transfer: compute the schedule from workflow time and the calendar given at start, record
// `awaiting_deposit`, then wait on durable timers for one decision: the admin's confirmation (credits
// what was deposited), the admin's rejection, the requester's cancellation, or expiry. A reminder goes to
// the admins when the confirmation target passes. Each decision arrives as an update; the first one
// accepted claims the charge synchronously, so racing decisions end in exactly one outcome and the
// losers are refused with `invalid_state` by the validator (or by the handler, when they were accepted in
// the same workflow task).
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { AdminEventActivities, ChargeActivities } from '../../activities/types.ts';
import { chargeSchedule } from '../../domain/calendar.ts';
import { MAX_POINTS } from '../../domain/money.ts';
import { businessOutcome } from '../failures.ts';
import { durableActivity } from '../activity-options.ts';
import { chargeWorkflowId, stepKey } from '../ids.ts';
import {
  awaitAcceptedUpdate,
  cancelChargeUpdate,
  CHARGE_CONFIRMATION_OVERDUE,
  ChargeEventType,
  chargeStateQuery,
  confirmDepositUpdate,
  isTerminalChargeStatus,
  rejectChargeUpdate,
  type CancelChargeInput,
  type ChargeInput,
  type ChargeSnapshot,
  type ConfirmDepositInput,
  type RejectChargeInput,
} from './definitions.ts';

// Recording and crediting must eventually happen: retry technical failures without a limit.
const ledger = proxyActivities<ChargeActivities>(durableActivity);

const gateway = proxyActivities<ChargeActivities>({
  startToCloseTimeout: '30 seconds',
  // Transient gateway errors retry quickly; after the last attempt the charge fails (the capture's
  // idempotency key lets a later reconciliation find any capture that did go through).
  retry: { initialInterval: '100 milliseconds', backoffCoefficient: 2, maximumInterval: '5 seconds', maximumAttempts: 8 },
});

const admin = proxyActivities<AdminEventActivities>(durableActivity);

type Decision =
  | { kind: 'confirm'; input: ConfirmDepositInput }
  | { kind: 'reject'; input: RejectChargeInput }
  | { kind: 'cancel'; input: CancelChargeInput }
  | { kind: 'expire' };

const PROGRESS: Record<Decision['kind'], string> = {
  confirm: 'being confirmed',
  reject: 'being rejected',
  cancel: 'being cancelled',
  expire: 'expiring',
};

function invalidState(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'invalid_state', message, nonRetryable: true });
}

export async function chargeWorkflow(input: ChargeInput): Promise<ChargeSnapshot> {
  const workflowId = chargeWorkflowId(input.chargeId);
  let snapshot: ChargeSnapshot = {
    chargeId: input.chargeId,
    status: 'pending',
    method: input.method,
    amount: input.amount,
    depositedAmount: null,
    creditedAmount: null,
    failureCode: null,
    failureReason: null,
    processingStartsAt: null,
    expectedBy: null,
    expiresAt: null,
  };
  /** Set only by the workflow, once the read model has recorded the state. */
  let opened = false;
  let decision: Decision | undefined;
  const terminal = () => isTerminalChargeStatus(snapshot.status);

  setHandler(chargeStateQuery, () => snapshot);
  setHandler(awaitAcceptedUpdate, async () => {
    await condition(() => opened || terminal());
    return snapshot;
  });

  /**
   * Whether a decision of `kind` may be taken now. The same decision again is allowed (it answers the
   * same outcome); a different one after the charge was claimed or closed is invalid_state.
   */
  const assertDecidable = (kind: 'confirm' | 'reject' | 'cancel') => {
    if (input.method !== 'bank_transfer') throw invalidState(`a ${input.method} charge takes no ${kind}`);
    if (decision) {
      if (decision.kind === kind) return;
      throw invalidState(`charge ${input.chargeId} is ${terminal() ? snapshot.status : PROGRESS[decision.kind]}`);
    }
    if (terminal()) throw invalidState(`charge ${input.chargeId} is ${snapshot.status}`);
    if (!opened) throw invalidState(`charge ${input.chargeId} is not awaiting a deposit yet`);
  };

  /** Claims the charge for a decision (synchronously, before any other update runs) and waits for it. */
  const decide = async (next: Exclude<Decision, { kind: 'expire' }>): Promise<ChargeSnapshot> => {
    assertDecidable(next.kind);
    decision ??= next;
    await condition(terminal);
    const expected = { confirm: 'succeeded', reject: 'rejected', cancel: 'cancelled' }[next.kind];
    if (snapshot.status !== expected) throw invalidState(`charge ${input.chargeId} is ${snapshot.status}`);
    return snapshot;
  };

  setHandler(confirmDepositUpdate, (req) => decide({ kind: 'confirm', input: req }), {
    validator: (req) => {
      if (!Number.isSafeInteger(req?.depositedAmount) || req.depositedAmount <= 0 || req.depositedAmount > MAX_POINTS) {
        throw ApplicationFailure.create({ type: 'validation_error', message: 'depositedAmount must be a positive whole number of points', nonRetryable: true });
      }
      assertDecidable('confirm');
    },
  });
  setHandler(rejectChargeUpdate, (req) => decide({ kind: 'reject', input: req }), {
    validator: (req) => {
      if (typeof req?.reason !== 'string' || req.reason.trim() === '') {
        throw ApplicationFailure.create({ type: 'validation_error', message: 'a rejection needs a reason', nonRetryable: true });
      }
      assertDecidable('reject');
    },
  });
  setHandler(cancelChargeUpdate, (req) => decide({ kind: 'cancel', input: req ?? {} }), {
    validator: (_req) => assertDecidable('cancel'),
  });

  const requestedAt = workflowInfo().startTime;
  const now = () => new Date(Date.now()).toISOString();

  const fail = async (code: string | null, reason: string, data?: Record<string, unknown>) => {
    snapshot = await ledger.closeCharge({ chargeId: input.chargeId, status: 'failed', at: now(), reason, failureCode: code, data });
  };

  if (input.method === 'card') {
    try {
      snapshot = await ledger.openCharge({
        chargeId: input.chargeId,
        accountId: input.accountId,
        amount: input.amount,
        method: 'card',
        origin: input.origin,
        paymentMethodId: input.paymentMethodId ?? null,
        requestedAt: requestedAt.toISOString(),
      });
    } catch (err) {
      return await refused(err);
    }
    if (!terminal()) {
      let captured: { reference: string } | undefined;
      try {
        captured = await gateway.captureCardPayment({ chargeId: input.chargeId, paymentMethodId: input.paymentMethodId ?? '', amount: input.amount });
      } catch (err) {
        const outcome = businessOutcome(err);
        if (outcome) await fail(outcome.code, outcome.message, outcome.details);
        else await fail('gateway_unavailable', 'the payment gateway did not answer; the card was not charged');
      }
      if (captured) {
        snapshot = await ledger.creditCharge({ chargeId: input.chargeId, amount: input.amount, at: now(), gatewayReference: captured.reference });
      }
    }
    opened = true;
    await condition(allHandlersFinished);
    return snapshot;
  }

  // Bank transfer.
  const schedule = chargeSchedule(input.calendar, requestedAt, input.schedule);
  try {
    snapshot = await ledger.openCharge({
      chargeId: input.chargeId,
      accountId: input.accountId,
      amount: input.amount,
      method: 'bank_transfer',
      origin: input.origin,
      depositorName: input.depositorName ?? null,
      requestedAt: requestedAt.toISOString(),
      bankAccount: input.bankAccount,
      processingStartsAt: schedule.processingStartsAt.toISOString(),
      expectedBy: schedule.expectedBy.toISOString(),
      expiresAt: schedule.expiresAt.toISOString(),
    });
  } catch (err) {
    return await refused(err);
  }
  opened = true;

  const expectedBy = schedule.expectedBy.getTime();
  const expiresAt = schedule.expiresAt.getTime();
  let reminded = expectedBy >= expiresAt;
  while (!decision && !terminal()) {
    const target = reminded ? expiresAt : expectedBy;
    const wait = target - Date.now();
    if (wait > 0 && (await condition(() => decision !== undefined, wait))) break;
    if (decision) break;
    if (!reminded) {
      reminded = true;
      await admin.raiseAdminEvent({
        type: CHARGE_CONFIRMATION_OVERDUE,
        subjectId: input.chargeId,
        accountId: input.accountId,
        data: { chargeId: input.chargeId, amount: input.amount, depositorName: input.depositorName ?? null, expectedBy: schedule.expectedBy.toISOString() },
        key: stepKey(workflowId, 'confirmation-overdue'),
      });
      await ledger.recordChargeEvent({
        chargeId: input.chargeId,
        type: ChargeEventType.confirmationOverdue,
        at: now(),
        data: { expectedBy: schedule.expectedBy.toISOString(), adminNotified: true },
      });
    } else {
      decision = { kind: 'expire' };
    }
  }

  const d = decision!;
  if (!terminal()) {
    switch (d.kind) {
      case 'confirm':
        snapshot = await ledger.creditCharge({
          chargeId: input.chargeId,
          amount: d.input.depositedAmount,
          at: now(),
          deposit: {
            depositedAmount: d.input.depositedAmount,
            depositorName: d.input.depositorName ?? null,
            memo: d.input.memo ?? null,
            by: d.input.by ?? null,
          },
        });
        break;
      case 'reject':
        snapshot = await ledger.closeCharge({ chargeId: input.chargeId, status: 'rejected', at: now(), reason: d.input.reason, data: { by: d.input.by ?? null } });
        break;
      case 'cancel':
        snapshot = await ledger.closeCharge({
          chargeId: input.chargeId,
          status: 'cancelled',
          at: now(),
          reason: d.input.reason ?? 'cancelled by the requester',
          data: { by: d.input.by ?? null },
        });
        break;
      case 'expire':
        snapshot = await ledger.closeCharge({
          chargeId: input.chargeId,
          status: 'expired',
          at: now(),
          reason: `no deposit confirmed by ${schedule.expiresAt.toISOString()}`,
        });
        break;
    }
  }
  await condition(allHandlersFinished);
  return snapshot;

  /** The charge could not even be recorded (unknown account, parent-billed, unknown card). */
  async function refused(err: unknown): Promise<ChargeSnapshot> {
    const outcome = businessOutcome(err);
    if (!outcome) throw err;
    snapshot = { ...snapshot, status: 'failed', failureCode: outcome.code, failureReason: outcome.message };
    await condition(allHandlersFinished);
    return snapshot;
  }
}
