// Shared by the refund workflow and its callers (the API, tests): input, result, updates, queries, and
// nothing that does I/O. The API imports this module, never the workflow code.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { BusinessCalendar } from '../../domain/calendar.ts';
import type { ErrorCode } from '../../domain/errors.ts';

export const REFUND_REASONS = ['send_failed', 'unreachable_number', 'duplicate_order', 'wrong_service', 'other'] as const;
export type RefundReason = (typeof REFUND_REASONS)[number];

/** Reasons credited back at once; the others wait for an admin's approval or rejection. */
export const AUTOMATIC_REFUND_REASONS: readonly RefundReason[] = ['send_failed', 'unreachable_number', 'duplicate_order'];

export function refundNeedsReview(reason: RefundReason): boolean {
  return !AUTOMATIC_REFUND_REASONS.includes(reason);
}

export type RefundStatus = 'pending_review' | 'succeeded' | 'rejected';

export interface RefundInput {
  refundId: string;
  consumptionId: string;
  amount: number;
  reason: RefundReason;
  memo?: string | null;
  /** The business calendar, computed outside the workflow (plain JSON). */
  calendar: BusinessCalendar;
  review: { remindAfterBusinessDays: number; overdueAfterBusinessDays: number };
  /**
   * Automatic reasons on a consumption older than this many days go to review instead (absent: no
   * window, as before AUTO_REFUND_WINDOW_DAYS existed).
   */
  autoRefundWindowDays?: number | null;
}

/** A refund as recorded in the database (the Refund row), as plain JSON. */
export interface RefundRecord {
  id: string;
  consumptionId: string;
  accountId: string;
  fundingAccountId: string;
  amount: number;
  reason: RefundReason;
  memo: string | null;
  status: RefundStatus;
  decisionReason: string | null;
  reviewDueAt: string | null;
  remindedAt: string | null;
  overdueAt: string | null;
  createdAt: string;
  completedAt: string | null;
}

/**
 * What the refund request is answered with: the refund as recorded (credited, or awaiting review), or a
 * business refusal (refund_exceeds_consumption, not_found) that recorded nothing.
 */
export type RefundOutcome =
  { outcome: 'recorded'; refund: RefundRecord } | { outcome: 'refused'; code: ErrorCode; message: string; details: Record<string, unknown> };

/** What the refund's state query answers (the workflow's view; the Refund row is the read model). */
export interface RefundSnapshot {
  phase: 'requesting' | 'refused' | RefundStatus;
  refund: RefundRecord | null;
  /** Review deadlines from workflow start time and the calendar (review reasons only). */
  remindAt: string | null;
  overdueAt: string | null;
  reminded: boolean;
  overdue: boolean;
  decision: RefundDecision | null;
}

export type RefundDecision = { kind: 'approve'; memo: string | null } | { kind: 'reject'; reason: string };

/**
 * The first answer: waits until the refund was recorded (or refused) and returns it. The API sends it
 * right after starting (or finding) the workflow, so racing twins of one request get the same answer.
 */
export const refundOutcomeUpdate = defineUpdate<RefundOutcome>('refundOutcome');
/** Admin decisions on a refund awaiting review; validators refuse a contrary decision (invalid_state). */
export const approveRefundUpdate = defineUpdate<RefundRecord, [{ memo?: string | null }]>('approveRefund');
export const rejectRefundUpdate = defineUpdate<RefundRecord, [{ reason: string }]>('rejectRefund');
export const refundStateQuery = defineQuery<RefundSnapshot>('refundState');

/** The workflow's result: the refund's final outcome. */
export type RefundResult = RefundOutcome;

/**
 * The type the worker registers the workflow under: the name of this flow's function (./workflow.ts) as
 * exported by workflows/index.ts, checked here (`satisfies`): renaming one without the other fails to compile.
 */
export const refundWorkflowType = 'refundWorkflow' satisfies keyof typeof import('./workflow.ts') & keyof typeof import('../index.ts');
/** The registered function's own type: a change of its input or result reaches every caller. */
export type RefundWorkflow = (typeof import('../index.ts'))[typeof refundWorkflowType];

export const refundEventTypes = {
  reminder: 'refund_review_reminder',
  overdue: 'refund_review_overdue',
} as const;
