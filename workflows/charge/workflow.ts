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
//
// Virtual account: record the charge, have the gateway issue an account for it (keyed by the charge id),
// then wait around the clock (no business hours) on a durable timer until dueAt for one decision: the
// gateway's deposit notification (credits it), the requester's cancellation, or expiry. Cancel and expiry
// close the account at the gateway, which settles the race with a deposit: one that arrived first is
// credited instead. Exactly one outcome either way (the ChargeState claim).
//
// A succeeded bank transfer or virtual-account charge then requests its tax document, if the account
// wants one, through the tax-document port, retried for a day; a refusal is recorded on the charge and
// raises an admin event. A card charge requests none.
import { allHandlersFinished, condition, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { AdminEventActivities, ChargeActivities, DepositActivities } from '../../activities/types.ts';
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
  DEFAULT_VIRTUAL_ACCOUNT_VALID_HOURS,
  TAX_DOCUMENT_FAILED,
  TAX_DOCUMENT_RETRY_WINDOW,
  type ChargeInput,
  type ChargeSnapshot,
  type DepositNotifiedInput,
  type VirtualAccountInfo,
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

// The gateway's virtual-account calls and the tax-document bookkeeping: retried until they happen.
const deposits = proxyActivities<DepositActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

// The tax-document issuer: retried with backoff for a day; a refusal ends the retries at once.
const taxIssuer = proxyActivities<DepositActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: TAX_DOCUMENT_RETRY_WINDOW,
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 minutes' },
});

const now = () => new Date(Date.now()).toISOString();

export async function chargeWorkflow(input: ChargeInput): Promise<ChargeSnapshot> {
  const state = new ChargeState(input);
  state.register();
  try {
    if (input.method === 'card') await cardCharge(input, state);
    else if (input.method === 'virtual_account') await virtualAccountCharge(input, state);
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
        failure: {
          code: 'card_declined',
          message: `the card was declined by its issuer (${found.declineCode ?? 'declined'})`,
          details: { declineCode: found.declineCode, gatewayReference: found.reference },
        },
      };
    case 'not_found':
      return {
        kind: 'failed',
        failure: {
          code: 'payment_failed',
          message: 'the payment gateway did not take the payment (it holds no capture for this charge); the card was not charged',
          details: {},
        },
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
      await requestTaxDocument(input, state.snapshot);
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

async function virtualAccountCharge(input: ChargeInput, state: ChargeState): Promise<void> {
  const requestedAt = workflowInfo().startTime;
  const validHours = input.virtualAccountValidHours ?? DEFAULT_VIRTUAL_ACCOUNT_VALID_HOURS;
  const dueAt = new Date(requestedAt.getTime() + validHours * 3_600_000);
  state.snapshot = await ledger.openCharge({
    chargeId: input.chargeId,
    accountId: input.accountId,
    amount: input.amount,
    method: 'virtual_account',
    origin: input.origin,
    depositorName: input.depositorName ?? null,
    requestedAt: requestedAt.toISOString(),
  });
  let account: VirtualAccountInfo;
  try {
    account = await deposits.issueVirtualAccount({
      chargeId: input.chargeId,
      amount: input.amount,
      dueAt: dueAt.toISOString(),
      holder: input.bankAccount.holder,
    });
  } catch (err) {
    // Transient gateway failures are retried inside the activity; only a definite refusal arrives here.
    const refused = businessOutcome(err);
    if (!refused) throw err;
    state.snapshot = await ledger.closeCharge({ chargeId: input.chargeId, status: 'failed', at: now(), reason: refused.message, failureCode: refused.code });
    return;
  }
  state.snapshot = await ledger.recordVirtualAccount({ chargeId: input.chargeId, virtualAccount: account, at: now() });
  state.opened = true;

  // Around the clock: one durable timer until dueAt, no business calendar.
  const wait = new Date(account.dueAt).getTime() - Date.now();
  if (!state.decision && wait > 0) await state.waitForDecision(wait);
  state.decision ??= { kind: 'expire' };
  const d = state.decision;

  let deposit: DepositNotifiedInput | undefined = d.kind === 'deposit' ? d.input : undefined;
  if (!deposit) {
    const reason = d.kind === 'cancel' ? 'cancelled' : 'expired';
    const closing = await deposits.closeVirtualAccount({ chargeId: input.chargeId, at: now(), reason });
    // The gateway took a deposit before the account closed: it wins over the cancel or the expiry.
    if (closing.status === 'deposited') deposit = closing.deposit;
  }
  if (deposit) {
    state.creditedTransactionId = deposit.transactionId;
    await ledger.recordChargeEvent({
      chargeId: input.chargeId,
      type: ChargeEventType.depositNotified,
      at: now(),
      data: {
        transactionId: deposit.transactionId,
        amount: deposit.amount,
        depositorName: deposit.depositorName ?? null,
        depositedAt: deposit.depositedAt,
        via: d.kind === 'deposit' ? 'notification' : 'closing',
      },
    });
    state.snapshot = await ledger.creditCharge({
      chargeId: input.chargeId,
      amount: deposit.amount,
      at: now(),
      gatewayReference: deposit.transactionId,
      deposit: { depositedAmount: deposit.amount, depositorName: deposit.depositorName ?? null, memo: null, by: 'gateway' },
    });
    await requestTaxDocument(input, state.snapshot);
    return;
  }
  if (d.kind === 'cancel') {
    state.snapshot = await ledger.closeCharge({
      chargeId: input.chargeId,
      status: 'cancelled',
      at: now(),
      reason: d.input.reason ?? 'cancelled by the requester',
      data: { by: d.input.by ?? null },
    });
  } else {
    state.snapshot = await ledger.closeCharge({
      chargeId: input.chargeId,
      status: 'expired',
      at: now(),
      reason: `no deposit into the virtual account by ${account.dueAt}`,
    });
  }
}

/**
 * Issues the tax document of a succeeded deposit top-up, if the credit recorded one as requested (the
 * account wanted one at that moment). Nothing at all happens for an account that wants none.
 */
async function requestTaxDocument(input: ChargeInput, snapshot: ChargeSnapshot): Promise<void> {
  const type = snapshot.taxDocument;
  if (!type) return;
  const doc = { type };
  let reason: string;
  try {
    await taxIssuer.issueTaxDocument({ chargeId: input.chargeId, at: now() });
    return;
  } catch (err) {
    reason = businessOutcome(err)?.message ?? `the tax-document issuer did not answer within ${TAX_DOCUMENT_RETRY_WINDOW}`;
  }
  await deposits.failTaxDocument({ chargeId: input.chargeId, at: now(), reason });
  await admin.raiseAdminEvent({
    type: TAX_DOCUMENT_FAILED,
    subjectId: input.chargeId,
    accountId: input.accountId,
    data: { chargeId: input.chargeId, type: doc.type, reason },
    key: stepKey(chargeWorkflowId(input.chargeId), 'tax-document-failed'),
  });
}
