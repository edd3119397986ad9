// Shared by the charge workflow and its callers (the API, tests): input, state, updates and queries, and
// nothing that does I/O. The API imports this module, never the workflow code.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { BusinessCalendar } from '../../domain/calendar.ts';

export type ChargeMethod = 'card' | 'bank_transfer' | 'virtual_account';
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
  /** Virtual accounts: hours from the request to `dueAt` (VIRTUAL_ACCOUNT_VALID_HOURS, default 72). */
  virtualAccountValidHours?: number;
}

/** A virtual account (가상계좌) issued by the gateway for one charge (plain JSON). */
export interface VirtualAccountInfo {
  bank: string;
  accountNumber: string;
  holder: string;
  /** ISO instant: the account takes no deposit from then on and the charge expires. */
  dueAt: string;
}

/** The gateway's notification of a deposit into the charge's virtual account. */
export interface DepositNotifiedInput {
  /** The gateway's transaction id: the same notification twice credits once. */
  transactionId: string;
  amount: number;
  depositorName?: string | null;
  /** ISO instant of the deposit, as the gateway reports it. */
  depositedAt: string;
}

export const DEFAULT_VIRTUAL_ACCOUNT_VALID_HOURS = 72;

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
  /** Deposit top-ups: the tax document recorded as requested when the charge succeeded (SPEC §6.2). */
  taxDocument?: 'tax_invoice' | 'cash_receipt' | null;
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

/** How long `awaitAccepted` may wait for a card charge's outcome before it answers it as still pending. */
export interface AwaitAcceptedInput {
  /** Milliseconds of workflow time to wait for a card charge's outcome. */
  waitMs: number;
}

/**
 * Answers once the workflow has recorded its first state: `awaiting_deposit` for a bank transfer, the
 * outcome of a card charge (however long it takes to be known).
 */
export const awaitAcceptedUpdate = defineUpdate<ChargeSnapshot>('awaitAccepted');
/**
 * Like awaitAccepted, but a card charge whose outcome is not known within `waitMs` is answered as it
 * stands, `pending` (the workflow keeps asking the gateway). The API calls it right after the start.
 */
export const awaitAcceptedWithinUpdate = defineUpdate<ChargeSnapshot, [AwaitAcceptedInput]>('awaitAcceptedWithin');
/** Admin: credits the deposited amount. Repeating it answers the same succeeded charge. */
export const confirmDepositUpdate = defineUpdate<ChargeSnapshot, [ConfirmDepositInput]>('confirmDeposit');
/** Admin: refuses a bank transfer (no deposit, wrong depositor, …). */
export const rejectChargeUpdate = defineUpdate<ChargeSnapshot, [RejectChargeInput]>('rejectCharge');
/** Requester: withdraws a bank transfer while it awaits its deposit. */
export const cancelChargeUpdate = defineUpdate<ChargeSnapshot, [CancelChargeInput]>('cancelCharge');
/** Gateway webhook: a deposit arrived in the charge's virtual account. Repeating it answers the same outcome. */
export const depositNotifiedUpdate = defineUpdate<ChargeSnapshot, [DepositNotifiedInput]>('depositNotified');
export const chargeStateQuery = defineQuery<ChargeSnapshot>('chargeState');

/** Timeline event types, in the order a charge may record them. */
export const ChargeEventType = {
  requested: 'requested',
  awaitingDeposit: 'awaiting_deposit',
  captureAttemptFailed: 'capture_attempt_failed',
  /** The capture's retries ran out without an answer: the workflow looks the capture up by its key. */
  captureOutcomeUnknown: 'capture_outcome_unknown',
  /** What the gateway's lookup of the capture key answered. */
  captureLookedUp: 'capture_looked_up',
  cardCaptured: 'card_captured',
  confirmationOverdue: 'confirmation_overdue',
  depositConfirmed: 'deposit_confirmed',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
  rejected: 'rejected',
  expired: 'expired',
  /** Virtual accounts: the gateway's deposit notification, and the account closed at dueAt or on cancel. */
  depositNotified: 'deposit_notified',
  virtualAccountClosed: 'virtual_account_closed',
  /** Tax documents of deposit top-ups. */
  taxDocumentRequested: 'tax_document_requested',
  taxDocumentIssued: 'tax_document_issued',
  taxDocumentFailed: 'tax_document_failed',
} as const;

/** The admin event raised when a tax document could not be issued. */
export const TAX_DOCUMENT_FAILED = 'tax_document_failed';
/** The issuer is retried with backoff for this long before the document counts as failed. */
export const TAX_DOCUMENT_RETRY_WINDOW = '24 hours';

/** The admin event raised when staff miss the confirmation target of a bank transfer. */
export const CHARGE_CONFIRMATION_OVERDUE = 'charge_confirmation_overdue';

/**
 * A card capture is retried with backoff for this long (the same idempotency key every time) before the
 * workflow settles the outcome with a lookup of the capture by its key.
 */
export const CAPTURE_RETRY_WINDOW = '6 hours';
/** Between the last capture attempt and the lookup: longer than one attempt may take, so none is in flight. */
export const CAPTURE_SETTLE_DELAY = '2 minutes';

export const chargeWorkflowType = 'chargeWorkflow' satisfies keyof typeof import('./workflow.ts') & keyof typeof import('../index.ts');
/** The registered function's own type: a change of its input or result reaches every caller. */
export type ChargeWorkflow = (typeof import('../index.ts'))[typeof chargeWorkflowType];
