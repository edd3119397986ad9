// Shared by the charge workflow and its callers (the API, tests): input, state, updates and queries, and
// nothing that does I/O. The API imports this module, never the workflow code.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { BusinessCalendar } from '../../domain/calendar.ts';

export type ChargeMethod = 'card' | 'bank_transfer';
export type ChargeOrigin = 'api' | 'charge_link' | 'auto_recharge';
export type ChargeStatus = 'pending' | 'awaiting_deposit' | 'succeeded' | 'failed' | 'cancelled' | 'rejected' | 'expired';

export const TERMINAL_CHARGE_STATUSES: readonly ChargeStatus[] = ['succeeded', 'failed', 'cancelled', 'rejected', 'expired'];

export function isTerminalChargeStatus(status: ChargeStatus): boolean {
  return TERMINAL_CHARGE_STATUSES.includes(status);
}

export interface BankAccountInfo {
  bank: string;
  accountNumber: string;
  holder: string;
}

export interface ChargeScheduleOptions {
  confirmWithinBusinessHours: number;
  expireAfterBusinessDays: number;
}

export interface ChargeInput {
  chargeId: string;
  accountId: string;
  /** Requested points; the API has already checked the per-method minimum and the maximum. */
  amount: number;
  method: ChargeMethod;
  origin: ChargeOrigin;
  depositorName?: string | null;
  /** The stored card of a card charge. */
  paymentMethodId?: string | null;
  /** The business calendar and schedule options, from configuration at start (plain JSON). */
  calendar: BusinessCalendar;
  schedule: ChargeScheduleOptions;
  /** Where the business deposits a bank transfer. */
  bankAccount: BankAccountInfo;
}

/** The workflow's view of its charge: what updates and the query answer. The API renders the DB row. */
export interface ChargeSnapshot {
  chargeId: string;
  status: ChargeStatus;
  method: ChargeMethod;
  amount: number;
  depositedAmount: number | null;
  creditedAmount: number | null;
  /** The business error code of a failure (e.g. card_declined), when it has one. */
  failureCode: string | null;
  failureReason: string | null;
  processingStartsAt: string | null;
  expectedBy: string | null;
  expiresAt: string | null;
}

/** The admin saw the deposit on the operator's account. */
export interface ConfirmDepositInput {
  depositedAmount: number;
  depositorName?: string | null;
  memo?: string | null;
  /** Who confirmed (for the timeline). */
  by?: string | null;
}

export interface RejectChargeInput {
  reason: string;
  by?: string | null;
}

export interface CancelChargeInput {
  reason?: string | null;
  by?: string | null;
}

/**
 * Answers once the workflow has recorded its first state: `awaiting_deposit` for a bank transfer, the
 * terminal state for a card charge. The API calls it right after starting the workflow.
 */
export const awaitAcceptedUpdate = defineUpdate<ChargeSnapshot>('awaitAccepted');
/** Admin: credits the deposited amount. Repeating it answers the same succeeded charge. */
export const confirmDepositUpdate = defineUpdate<ChargeSnapshot, [ConfirmDepositInput]>('confirmDeposit');
/** Admin: refuses a bank transfer (no deposit, wrong depositor, …). */
export const rejectChargeUpdate = defineUpdate<ChargeSnapshot, [RejectChargeInput]>('rejectCharge');
/** Requester: withdraws a bank transfer while it awaits its deposit. */
export const cancelChargeUpdate = defineUpdate<ChargeSnapshot, [CancelChargeInput]>('cancelCharge');
export const chargeStateQuery = defineQuery<ChargeSnapshot>('chargeState');

/** Timeline event types, in the order a charge may record them. */
export const ChargeEventType = {
  requested: 'requested',
  awaitingDeposit: 'awaiting_deposit',
  captureAttemptFailed: 'capture_attempt_failed',
  cardCaptured: 'card_captured',
  confirmationOverdue: 'confirmation_overdue',
  depositConfirmed: 'deposit_confirmed',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
  rejected: 'rejected',
  expired: 'expired',
} as const;

/** The admin event raised when staff miss the confirmation target of a bank transfer. */
export const CHARGE_CONFIRMATION_OVERDUE = 'charge_confirmation_overdue';

export const chargeWorkflowType = 'chargeWorkflow';
export type ChargeWorkflow = (input: ChargeInput) => Promise<ChargeSnapshot>;
