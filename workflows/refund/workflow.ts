// A refund of (part of) a consumption. The first step records it and reserves its amount; an automatic
// reason (send_failed, unreachable_number, duplicate_order) is credited in that same step, unless the
// consumption is older than the automatic window (AUTO_REFUND_WINDOW_DAYS). A review reason (wrong_service,
// other), or an automatic one past the window, then waits for an admin's approval or rejection, with a reminder after 1 business
// day and an overdue flag after 5 (the calendar's deadlines from the workflow's start time), and keeps
// waiting after both. The first answer is served by an update, so the API can answer before the end.
import { ApplicationFailure, allHandlersFinished, condition, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { AdminEventActivities, RefundActivities } from '../../activities/types.ts';
import { reviewSchedule } from '../../domain/calendar.ts';
import { businessOutcome } from '../failures.ts';
import { durableActivity } from '../activity-options.ts';
import { stepKey } from '../ids.ts';
import {
  approveRefundUpdate,
  refundEventTypes,
  refundNeedsReview,
  refundOutcomeUpdate,
  refundStateQuery,
  rejectRefundUpdate,
  type RefundDecision,
  type RefundInput,
  type RefundOutcome,
  type RefundRecord,
  type RefundResult,
  type RefundState,
} from './definitions.ts';

const { createRefund, creditRefund, rejectRefund, markRefundReview } = proxyActivities<RefundActivities>(durableActivity);
const { raiseAdminEvent } = proxyActivities<AdminEventActivities>(durableActivity);

function invalidState(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'invalid_state', message, nonRetryable: true });
}

export async function refundWorkflow(input: RefundInput): Promise<RefundResult> {
  const { workflowId, startTime } = workflowInfo();
  // Whether the refund waits for a review: known for review reasons; for automatic ones the first step
  // decides (the consumption's age against the automatic window), so it is unknown until then.
  let review: boolean | undefined = refundNeedsReview(input.reason) ? true : input.autoRefundWindowDays == null ? false : undefined;
  const schedule =
    review !== false
      ? reviewSchedule(input.calendar, startTime, {
          remindAfterBusinessDays: input.review.remindAfterBusinessDays,
          overdueAfterBusinessDays: input.review.overdueAfterBusinessDays,
        })
      : undefined;

  const state: RefundState = {
    phase: 'requesting',
    refund: null,
    remindAt: review ? (schedule?.remindAt.toISOString() ?? null) : null,
    overdueAt: review ? (schedule?.overdueAt.toISOString() ?? null) : null,
    reminded: false,
    overdue: false,
    decision: null,
  };
  let outcome: RefundOutcome | undefined;

  setHandler(refundStateQuery, () => state);
  setHandler(refundOutcomeUpdate, async () => {
    await condition(() => outcome !== undefined);
    return outcome!;
  });

  // A decision may arrive while the refund is still being recorded; it is checked again once it is.
  const decide = (decision: RefundDecision) => {
    if (review === false) throw invalidState(`a ${input.reason} refund is credited automatically; there is nothing to decide`);
    if (state.phase === 'refused') throw invalidState('the refund was refused; there is nothing to decide');
    if (state.decision && state.decision.kind !== decision.kind) {
      throw invalidState(`the refund was already ${state.decision.kind === 'approve' ? 'approved' : 'rejected'}`);
    }
  };
  const settle = async (decision: RefundDecision): Promise<RefundRecord> => {
    await condition(() => state.phase !== 'requesting');
    decide(decision);
    state.decision ??= decision;
    await condition(() => state.phase === 'succeeded' || state.phase === 'rejected');
    return state.refund!;
  };
  setHandler(approveRefundUpdate, ({ memo }) => settle({ kind: 'approve', memo: memo ?? null }), {
    validator: (_args) => decide({ kind: 'approve', memo: null }),
  });
  setHandler(rejectRefundUpdate, ({ reason }) => settle({ kind: 'reject', reason }), {
    validator: ({ reason }) => {
      if (typeof reason !== 'string' || reason.trim() === '') throw ApplicationFailure.create({ type: 'validation_error', message: 'a rejection needs a reason', nonRetryable: true });
      decide({ kind: 'reject', reason });
    },
  });

  const finish = async (result: RefundOutcome): Promise<RefundResult> => {
    outcome ??= result;
    await condition(allHandlersFinished);
    return result;
  };

  let refund: RefundRecord;
  try {
    refund = await createRefund({
      refundId: input.refundId,
      consumptionId: input.consumptionId,
      amount: input.amount,
      reason: input.reason,
      memo: input.memo ?? null,
      reviewDueAt: schedule?.overdueAt.toISOString() ?? null,
      ...(input.autoRefundWindowDays == null ? {} : { autoRefundWindowDays: input.autoRefundWindowDays, requestedAt: startTime.toISOString() }),
    });
  } catch (err) {
    const refusal = businessOutcome(err);
    if (!refusal) throw err;
    state.phase = 'refused';
    return finish({ outcome: 'refused', code: refusal.code, message: refusal.message, details: refusal.details });
  }
  state.refund = refund;
  state.phase = refund.status;
  // The first step's record is credited (automatic) or awaiting review; decisions come only after it.
  review = refund.status === 'pending_review';
  if (review && schedule) {
    state.remindAt = schedule.remindAt.toISOString();
    state.overdueAt = schedule.overdueAt.toISOString();
  }
  outcome = { outcome: 'recorded', refund };
  if (refund.status !== 'pending_review' || !schedule) return finish(outcome);

  // Awaiting review: remind, then flag overdue, then keep waiting for the decision.
  const decided = () => state.decision !== null;
  const until = (at: Date) => Math.max(at.getTime() - Date.now(), 1);
  const notice = { subjectId: refund.id, accountId: refund.accountId };
  if (!(await condition(decided, until(schedule.remindAt)))) {
    await raiseAdminEvent({
      type: refundEventTypes.reminder,
      ...notice,
      data: { consumptionId: refund.consumptionId, amount: refund.amount, reason: refund.reason, reviewDueAt: state.overdueAt },
      key: stepKey(workflowId, 'remind'),
    });
    await markRefundReview({ refundId: refund.id, milestone: 'reminded', at: schedule.remindAt.toISOString() });
    state.reminded = true;
    if (state.refund && state.phase === 'pending_review') state.refund = { ...state.refund, remindedAt: schedule.remindAt.toISOString() };
  }
  if (!decided() && !(await condition(decided, until(schedule.overdueAt)))) {
    await markRefundReview({ refundId: refund.id, milestone: 'overdue', at: schedule.overdueAt.toISOString() });
    await raiseAdminEvent({
      type: refundEventTypes.overdue,
      ...notice,
      data: { consumptionId: refund.consumptionId, amount: refund.amount, reason: refund.reason, overdueAt: state.overdueAt },
      key: stepKey(workflowId, 'overdue'),
    });
    state.overdue = true;
    if (state.refund && state.phase === 'pending_review') state.refund = { ...state.refund, overdueAt: schedule.overdueAt.toISOString() };
  }
  await condition(decided);

  const decision = state.decision!;
  const decidedRefund =
    decision.kind === 'approve'
      ? await creditRefund({ refundId: refund.id, memo: decision.memo })
      : await rejectRefund({ refundId: refund.id, reason: decision.reason });
  state.refund = decidedRefund;
  state.phase = decidedRefund.status;
  return finish({ outcome: 'recorded', refund: decidedRefund });
}
