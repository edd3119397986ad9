// Shared by the consumption batch workflow and its callers: input, result, and nothing that does I/O.
import { debitedRecord, type ConsumptionInput, type ConsumptionResult } from '../consumption/definitions.ts';

/** One consumption of a batch: a single consumption's input and the wallet it debits. */
export interface BatchConsumptionInput extends ConsumptionInput {
  /** The funding account (the account itself, or its partner when it is parent-billed). */
  fundingAccountId: string;
}

export interface ConsumptionBatchInput {
  /** In the client's item order; every consumption id at most once. */
  items: BatchConsumptionInput[];
}

/** The decision on one consumption of the batch, in item order (input fields are the caller's own). */
export type BatchConsumptionOutcome =
  | { status: 'succeeded'; id: string; fundingAccountId: string; amount: number; balanceAfter: number; createdAt: string }
  | { status: 'insufficient_balance'; balance: number; required: number; fundingAccountId: string }
  | { status: 'rejected'; code: 'not_found'; message: string };

/** The auto-recharge request of one funding wallet that a batch left below its threshold. */
export interface BatchAutoRechargeRequest {
  accountId: string;
  consumptionId: string;
  balanceAfter: number;
}

export interface ConsumptionBatchDebit {
  outcomes: BatchConsumptionOutcome[];
  autoRecharge: BatchAutoRechargeRequest[];
}

export interface ConsumptionBatchResult {
  outcomes: BatchConsumptionOutcome[];
}

/** Most items a batch takes (SPEC §6.4). */
export const MAX_BATCH_ITEMS = 1_000;

export const consumptionBatchWorkflowType = 'consumptionBatchWorkflow' satisfies keyof typeof import('./workflow.ts') & keyof typeof import('../index.ts');
/** The registered function's own type: a change of its input or result reaches every caller. */
export type ConsumptionBatchWorkflow = (typeof import('../index.ts'))[typeof consumptionBatchWorkflowType];

/** A batch decision as the single consumption's result (the same answer whichever path decided it). */
export function asConsumptionResult(input: BatchConsumptionInput, o: BatchConsumptionOutcome): ConsumptionResult {
  if (o.status !== 'succeeded') return o;
  return { status: 'succeeded', consumption: debitedRecord(input, { ...o, accountId: input.accountId }) };
}
