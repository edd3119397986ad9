// A refund of (part of) a consumption. The first step records it and reserves its amount; an automatic
// reason (send_failed, unreachable_number, duplicate_order) is credited in that same step, unless the
// consumption is older than the automatic window (AUTO_REFUND_WINDOW_DAYS). A review reason (wrong_service,
// other), or an automatic one past the window, then waits for an admin's approval or rejection, with a reminder after 1 business
// day and an overdue flag after 5 (the calendar's deadlines from the workflow's start time), and keeps
// waiting after both. The first answer is served by an update, so the API can answer before the end.
// Handlers and decision state (checkDecision / takeDecision, as in the charge workflow) are in ./handlers.ts.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { AdminEventActivities, RefundActivities } from '../../activities/types.ts';
import { reviewSchedule, type ReviewSchedule } from '../../domain/calendar.ts';
import { businessOutcome } from '../failures.ts';
import { durableActivity } from '../activity-options.ts';
import { stepKey } from '../ids.ts';
import { RefundState } from './handlers.ts';
import { refundEventTypes, refundNeedsReview, type RefundInput, type RefundRecord, type RefundResult } from './definitions.ts';

const { createRefund, creditRefund, rejectRefund, markRefundReview } = proxyActivities<RefundActivities>(durableActivity);
const { raiseAdminEvent } = proxyActivities<AdminEventActivities>(durableActivity);

export async function refundWorkflow(input: RefundInput): Promise<RefundResult> {
  const { workflowId, startTime } = workflowInfo();
  // Whether the refund waits for a review: known for review reasons; for automatic ones the first step
  // decides (the consumption's age against the automatic window), so it is unknown until then.
  const review: boolean | undefined = refundNeedsReview(input.reason) ? true : input.autoRefundWindowDays == null ? false : undefined;
  const schedule =
    review !== false
      ? reviewSchedule(input.calendar, startTime, {
          remindAfterBusinessDays: input.review.remindAfterBusinessDays,
          overdueAfterBusinessDays: input.review.overdueAfterBusinessDays,
        })
      : undefined;
  const state = new RefundState(input, review, schedule);
  state.register();

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
    return state.refuse({ outcome: 'refused', code: refusal.code, message: refusal.message, details: refusal.details });
  }
  // Credited (automatic) or awaiting review; decisions are taken only from here on.
  state.record(refund, schedule);
  if (refund.status !== 'pending_review' || !schedule) return state.finish({ outcome: 'recorded', refund });

  await awaitReview(state, refund, schedule, workflowId);
  const decision = state.decision!;
  const decided =
    decision.kind === 'approve'
      ? await creditRefund({ refundId: refund.id, memo: decision.memo })
      : await rejectRefund({ refundId: refund.id, reason: decision.reason });
  state.settle(decided);
  return state.finish({ outcome: 'recorded', refund: decided });
}

/** Awaiting review: remind, then flag overdue, then keep waiting until an admin decides. */
async function awaitReview(state: RefundState, refund: RefundRecord, schedule: ReviewSchedule, workflowId: string): Promise<void> {
  const until = (at: Date) => Math.max(at.getTime() - Date.now(), 1);
  const notice = { subjectId: refund.id, accountId: refund.accountId };
  if (!(await state.waitForDecision(until(schedule.remindAt)))) {
    await raiseAdminEvent({
      type: refundEventTypes.reminder,
      ...notice,
      data: { consumptionId: refund.consumptionId, amount: refund.amount, reason: refund.reason, reviewDueAt: state.snapshot.overdueAt },
      key: stepKey(workflowId, 'remind'),
    });
    await markRefundReview({ refundId: refund.id, milestone: 'reminded', at: schedule.remindAt.toISOString() });
    state.markReview('reminded', schedule.remindAt);
  }
  if (state.decision === null && !(await state.waitForDecision(until(schedule.overdueAt)))) {
    await markRefundReview({ refundId: refund.id, milestone: 'overdue', at: schedule.overdueAt.toISOString() });
    await raiseAdminEvent({
      type: refundEventTypes.overdue,
      ...notice,
      data: { consumptionId: refund.consumptionId, amount: refund.amount, reason: refund.reason, overdueAt: state.snapshot.overdueAt },
      key: stepKey(workflowId, 'overdue'),
    });
    state.markReview('overdue', schedule.overdueAt);
  }
  await state.waitForDecision();
}
