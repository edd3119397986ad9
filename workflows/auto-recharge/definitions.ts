// Shared by the auto-recharge workflow and its callers (the trigger activity, the API, tests): input,
// signal, query, result, and nothing that does I/O.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { BusinessCalendar } from '../../domain/calendar.ts';
import type { BankAccountInfo, ChargeScheduleOptions, ChargeStatus } from '../charge/definitions.ts';

/** Failed auto-recharge charges in a row that switch the setting off. */
export const AUTO_RECHARGE_FAILURES_TO_DISABLE = 3;
/** Card charges one run may make when the balance is still below the threshold after a success. */
export const AUTO_RECHARGE_MAX_CHARGES_PER_RUN = 3;
/** Balance re-checks one run makes for debits that went below the threshold while it was deciding. */
export const AUTO_RECHARGE_MAX_CHECKS_PER_RUN = 20;
/** A run continues as new past this many history events (it may wait hours for an unresolved charge). */
export const AUTO_RECHARGE_MAX_HISTORY = 2_000;
export const DEFAULT_AUTO_RECHARGE_THRESHOLD = 15_000;

/** The admin event raised when three failures in a row switch auto-recharge off. */
export const AUTO_RECHARGE_DISABLED = 'auto_recharge_disabled';

/** What an auto-recharge's card charge workflow is started with besides the card (Config satisfies it). */
export interface ChargeSettings {
  calendar: BusinessCalendar;
  schedule: ChargeScheduleOptions;
  bankAccount: BankAccountInfo;
}

export interface AutoRechargeInput {
  /** The funding account (whose wallet the debit left below its threshold). */
  accountId: string;
  /** What a charge workflow needs besides the card (plain JSON from configuration). */
  calendar: BusinessCalendar;
  schedule: ChargeScheduleOptions;
  bankAccount: BankAccountInfo;
}

/** A debit left (or found) the funding balance below the threshold, or the settings were saved so. */
export interface AutoRechargeRequest {
  /** The consumption whose debit asked, or `settings`. */
  consumptionId: string;
  balanceAfter: number;
}

export interface AutoRechargeSettings {
  enabled: boolean;
  threshold: number;
  amount: number;
  paymentMethodId: string;
  monthlyLimit: number | null;
  consecutiveFailures: number;
  /** Current funding balance. */
  balance: number;
  /** Points credited by succeeded auto-recharges this calendar month (business time zone). */
  chargedThisMonth: number;
  /** An auto-recharge charge whose outcome is not known yet: no new charge starts until it is. */
  unresolvedChargeId: string | null;
}

export type AutoRechargeStop = 'balance_above_threshold' | 'not_configured' | 'disabled' | 'monthly_limit' | 'charge_failed' | 'run_limit';

export interface AutoRechargeState {
  accountId: string;
  /** Requests (signals) received by this run, absorbed while a charge is in flight. */
  requests: number;
  /** The charge in flight, if any. */
  inFlight: string | null;
  charges: { chargeId: string; status: ChargeStatus; failureCode: string | null }[];
  stoppedBy: AutoRechargeStop | null;
}

export const autoRechargeRequestedSignal = defineSignal<[AutoRechargeRequest]>('autoRechargeRequested');
export const autoRechargeStateQuery = defineQuery<AutoRechargeState>('autoRechargeState');

/**
 * The type the worker registers the workflow under: the name of this flow's function (./workflow.ts) as
 * exported by workflows/index.ts, checked here (`satisfies`): renaming one without the other fails to compile.
 */
export const autoRechargeWorkflowType = 'autoRechargeWorkflow' satisfies keyof typeof import('./workflow.ts') & keyof typeof import('../index.ts');
/** The registered function's own type: a change of its input or result reaches every caller. */
export type AutoRechargeWorkflow = (typeof import('../index.ts'))[typeof autoRechargeWorkflowType];
