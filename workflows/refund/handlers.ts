// The refund workflow's message handlers and decision state, apart from its main flow (the shape of
// Temporal's safe-message-handlers sample, and of ../charge/handlers.ts). An admin's decision (approve,
// reject) arrives as an update: `checkDecision` (the update's validator, and again in the handler once the
// refund is recorded) refuses what cannot be taken; `takeDecision` claims the refund synchronously, before
// any other update runs, so racing decisions end in exactly one outcome, then waits until the main flow
// has applied it. The first answer (recorded or refused) is served by its own update.
import { ApplicationFailure, allHandlersFinished, condition, setHandler } from '@temporalio/workflow';
import type { ReviewSchedule } from '../../domain/calendar.ts';
import {
  approveRefundUpdate,
  refundOutcomeUpdate,
  refundStateQuery,
  rejectRefundUpdate,
  type RefundDecision,
  type RefundInput,
  type RefundOutcome,
  type RefundRecord,
  type RefundResult,
  type RefundSnapshot,
} from './definitions.ts';

function invalidState(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'invalid_state', message, nonRetryable: true });
}

function validationError(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'validation_error', message, nonRetryable: true });
}

export class RefundState {
  /** What the state query answers; the main flow moves it along, the handlers read it. */
  readonly snapshot: RefundSnapshot;
  /** The first answer, once the refund was recorded or refused. */
  private outcome: RefundOutcome | undefined;

  /**
   * @param review whether the refund waits for a review: known for review reasons; for automatic ones
   *   under a window the first step decides (the consumption's age), so it is unknown until then.
   * @param schedule the review deadlines, when a review is possible.
   */
  constructor(
    private readonly input: RefundInput,
    private review: boolean | undefined,
    schedule: ReviewSchedule | undefined,
  ) {
    this.snapshot = {
      phase: 'requesting',
      refund: null,
      remindAt: review ? (schedule?.remindAt.toISOString() ?? null) : null,
      overdueAt: review ? (schedule?.overdueAt.toISOString() ?? null) : null,
      reminded: false,
      overdue: false,
      decision: null,
    };
  }

  get decision(): RefundDecision | null {
    return this.snapshot.decision;
  }

  /** Registers the query and the updates; call once, first thing in the workflow. */
  register(): void {
    setHandler(refundStateQuery, () => this.snapshot);
    setHandler(refundOutcomeUpdate, async () => {
      await condition(() => this.outcome !== undefined);
      return this.outcome!;
    });
    setHandler(approveRefundUpdate, ({ memo }) => this.takeDecision({ kind: 'approve', memo: memo ?? null }), {
      validator: (_args) => this.checkDecision({ kind: 'approve', memo: null }),
    });
    setHandler(rejectRefundUpdate, ({ reason }) => this.takeDecision({ kind: 'reject', reason }), {
      validator: ({ reason }) => {
        if (typeof reason !== 'string' || reason.trim() === '') throw validationError('a rejection needs a reason');
        this.checkDecision({ kind: 'reject', reason });
      },
    });
  }

  /**
   * Whether `next` may be taken. The same decision again is allowed (it answers the same outcome); one
   * on an automatic or refused refund, or contrary to the one taken, is invalid_state. A decision may
   * arrive while the refund is still being recorded; it is checked again once it is.
   */
  checkDecision(next: RefundDecision): void {
    if (this.review === false) throw invalidState(`a ${this.input.reason} refund is credited automatically; there is nothing to decide`);
    if (this.snapshot.phase === 'refused') throw invalidState('the refund was refused; there is nothing to decide');
    const taken = this.snapshot.decision;
    if (taken && taken.kind !== next.kind) {
      throw invalidState(`the refund was already ${taken.kind === 'approve' ? 'approved' : 'rejected'}`);
    }
  }

  /** Claims the refund for `next` once it is recorded and waits until the main flow has applied it. */
  async takeDecision(next: RefundDecision): Promise<RefundRecord> {
    await condition(() => this.snapshot.phase !== 'requesting');
    this.checkDecision(next);
    this.snapshot.decision ??= next;
    await condition(() => this.snapshot.phase === 'succeeded' || this.snapshot.phase === 'rejected');
    return this.snapshot.refund!;
  }

  /** Waits (up to `ms` of workflow time, if given) for an admin's decision; true when one was taken. */
  async waitForDecision(ms?: number): Promise<boolean> {
    const decided = () => this.snapshot.decision !== null;
    if (ms === undefined) {
      await condition(decided);
      return true;
    }
    return condition(decided, ms);
  }

  /** The first step refused the refund (nothing was recorded). */
  refuse(outcome: Extract<RefundOutcome, { outcome: 'refused' }>): Promise<RefundResult> {
    this.snapshot.phase = 'refused';
    return this.finish(outcome);
  }

  /** The first step recorded the refund: credited at once, or awaiting review (decisions only after this). */
  record(refund: RefundRecord, schedule: ReviewSchedule | undefined): void {
    this.snapshot.refund = refund;
    this.snapshot.phase = refund.status;
    this.review = refund.status === 'pending_review';
    if (this.review && schedule) {
      this.snapshot.remindAt = schedule.remindAt.toISOString();
      this.snapshot.overdueAt = schedule.overdueAt.toISOString();
    }
    this.outcome = { outcome: 'recorded', refund };
  }

  /** A review milestone passed without a decision (the read model has recorded it). */
  markReview(milestone: 'reminded' | 'overdue', at: Date): void {
    this.snapshot[milestone] = true;
    const refund = this.snapshot.refund;
    if (refund && this.snapshot.phase === 'pending_review') {
      this.snapshot.refund = { ...refund, [milestone === 'reminded' ? 'remindedAt' : 'overdueAt']: at.toISOString() };
    }
  }

  /** The decision was applied: the refund as credited or rejected. */
  settle(refund: RefundRecord): void {
    this.snapshot.refund = refund;
    this.snapshot.phase = refund.status;
  }

  /** Answers the first answer if none was given, and ends once every handler has finished. */
  async finish(result: RefundOutcome): Promise<RefundResult> {
    this.outcome ??= result;
    await condition(allHandlersFinished);
    return result;
  }
}
