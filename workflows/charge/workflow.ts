// One charge (top-up) request, from start to its one outcome (SPEC §2–§3, §6.1). The main flow records
// the charge and runs its method's function; handlers and decision state live in ./handlers.ts.
//
// Card: capture through the gateway with the charge id as idempotency key. Transient failures (the
// gateway unreachable, an answer lost after the request left) are retried with backoff for hours; when
// they run out, the outcome is still unknown, so the charge stays `pending` and the workflow looks the
// capture up by its key, as long as it takes to get a definite answer. Only a definite answer ends it:
// captured → credited once, declined or no capture under the key → failed.
//
// Bank transfer: compute the schedule from workflow time and the calendar given at start, record
// `awaiting_deposit`, then wait on durable timers for one decision: the admin's confirmation (credits
// what was deposited), the admin's rejection, the requester's cancellation, or expiry. A reminder goes to
// the admins when the confirmation target passes.
import { allHandlersFinished, condition, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { AdminEventActivities, ChargeActivities } from '../../activities/types.ts';
import { chargeSchedule } from '../../domain/calendar.ts';
import { businessOutcome, type BusinessOutcome } from '../failures.ts';
import { durableActivity } from '../activity-options.ts';
import { chargeWorkflowId, stepKey } from '../ids.ts';
import { ChargeState } from './handlers.ts';
import {
  CAPTURE_RETRY_WINDOW,
  CAPTURE_SETTLE_DELAY,
  CHARGE_CONFIRMATION_OVERDUE,
  ChargeEventType,
  type ChargeInput,
  type ChargeSnapshot,
} from './definitions.ts';

// Recording and crediting must eventually happen: retry technical failures without a limit.
const ledger = proxyActivities<ChargeActivities>(durableActivity);
const admin = proxyActivities<AdminEventActivities>(durableActivity);

// The capture: each attempt may take 30 s; transient failures retry with backoff for hours, always with
// the same idempotency key. A decline is a business failure and ends the retries at once.
const capture = proxyActivities<ChargeActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: CAPTURE_RETRY_WINDOW,
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

// The lookup that settles an unknown outcome: asked until the gateway answers, however long it is down.
const lookup = proxyActivities<ChargeActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 minutes' },
});

const now = () => new Date(Date.now()).toISOString();

export async function chargeWorkflow(input: ChargeInput): Promise<ChargeSnapshot> {
  const state = new ChargeState(input);
  state.register();
  try {
    if (input.method === 'card') await cardCharge(input, state);
    else await bankTransferCharge(input, state);
  } catch (err) {
    // The charge could not even be recorded (unknown account, parent-billed, unknown card).
    const outcome = state.opened ? undefined : businessOutcome(err);
    if (!outcome) throw err;
    state.snapshot = { ...state.snapshot, status: 'failed', failureCode: outcome.code, failureReason: outcome.message };
  }
  await condition(allHandlersFinished);
  return state.snapshot;
}

type CaptureOutcome = { kind: 'captured'; reference: string } | { kind: 'failed'; failure: BusinessOutcome };

async function cardCharge(input: ChargeInput, state: ChargeState): Promise<void> {
  state.snapshot = await ledger.openCharge({
    chargeId: input.chargeId,
    accountId: input.accountId,
    amount: input.amount,
    method: 'card',
    origin: input.origin,
    paymentMethodId: input.paymentMethodId ?? null,
    requestedAt: workflowInfo().startTime.toISOString(),
  });
  state.opened = true;
  if (state.terminal) return;
  const outcome = await captureOutcome(input);
  if (outcome.kind === 'captured') {
    state.snapshot = await ledger.creditCharge({ chargeId: input.chargeId, amount: input.amount, at: now(), gatewayReference: outcome.reference });
  } else {
    const { code, message, details } = outcome.failure;
    state.snapshot = await ledger.closeCharge({ chargeId: input.chargeId, status: 'failed', at: now(), reason: message, failureCode: code, data: details });
  }
}

/** Captures the card, settling an unknown outcome by a lookup of the capture key. Only definite answers. */
async function captureOutcome(input: ChargeInput): Promise<CaptureOutcome> {
  try {
    const captured = await capture.captureCardPayment({ chargeId: input.chargeId, paymentMethodId: input.paymentMethodId ?? '', amount: input.amount });
    return { kind: 'captured', reference: captured.reference };
  } catch (err) {
    const failure = businessOutcome(err);
    if (failure) return { kind: 'failed', failure };
    // Every retry ran out without an answer: the card may or may not have been charged.
  }
  await ledger.recordChargeEvent({
    chargeId: input.chargeId,
    type: ChargeEventType.captureOutcomeUnknown,
    at: now(),
    data: { retriedFor: CAPTURE_RETRY_WINDOW, next: 'looking the capture up by its idempotency key' },
  });
  await sleep(CAPTURE_SETTLE_DELAY);
  const found = await lookup.lookupCardCapture({ chargeId: input.chargeId });
  await ledger.recordChargeEvent({ chargeId: input.chargeId, type: ChargeEventType.captureLookedUp, at: now(), data: { ...found } });
  switch (found.status) {
    case 'captured':
      return { kind: 'captured', reference: found.reference };
    case 'declined':
      return {
        kind: 'failed',
        failure: { code: 'card_declined', message: `the card was declined by its issuer (${found.declineCode ?? 'declined'})`, details: { declineCode: found.declineCode, gatewayReference: found.reference } },
      };
    case 'not_found':
      return {
        kind: 'failed',
        failure: { code: 'payment_failed', message: 'the payment gateway did not take the payment (it holds no capture for this charge); the card was not charged', details: {} },
      };
  }
}

async function bankTransferCharge(input: ChargeInput, state: ChargeState): Promise<void> {
  const workflowId = chargeWorkflowId(input.chargeId);
  const requestedAt = workflowInfo().startTime;
  const schedule = chargeSchedule(input.calendar, requestedAt, input.schedule);
  state.snapshot = await ledger.openCharge({
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
  state.opened = true;

  const expectedBy = schedule.expectedBy.getTime();
  const expiresAt = schedule.expiresAt.getTime();
  let reminded = expectedBy >= expiresAt;
  while (!state.decision && !state.terminal) {
    const wait = (reminded ? expiresAt : expectedBy) - Date.now();
    if (wait > 0 && (await state.waitForDecision(wait))) break;
    if (state.decision) break;
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
      state.decision = { kind: 'expire' };
    }
  }
  if (state.terminal) return;

  const d = state.decision!;
  const close = (status: 'rejected' | 'cancelled' | 'expired', reason: string, by?: string | null) =>
    ledger.closeCharge({ chargeId: input.chargeId, status, at: now(), reason, data: by === undefined ? undefined : { by } });
  switch (d.kind) {
    case 'confirm':
      state.snapshot = await ledger.creditCharge({
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
      state.snapshot = await close('rejected', d.input.reason, d.input.by ?? null);
      break;
    case 'cancel':
      state.snapshot = await close('cancelled', d.input.reason ?? 'cancelled by the requester', d.input.by ?? null);
      break;
    case 'expire':
      state.snapshot = await close('expired', `no deposit confirmed by ${schedule.expiresAt.toISOString()}`);
      break;
  }
}
