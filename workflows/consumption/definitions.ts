// Shared by the consumption workflow and its callers: input, result, and nothing that does I/O.
export interface ConsumptionInput {
  consumptionId: string;
  /** The account on whose behalf it is consumed (a parent-billed sub-account for its partner's wallet). */
  accountId: string;
  amount: number;
  item?: string | null;
  quantity?: number | null;
  reference?: string | null;
  memo?: string | null;
}

export interface ConsumptionRecord {
  id: string;
  accountId: string;
  fundingAccountId: string;
  amount: number;
  balanceAfter: number;
  item: string | null;
  quantity: number | null;
  reference: string | null;
  memo: string | null;
  createdAt: string;
}

/** What a debit decided for a consumption; the rest of its record is the request's own fields. */
export interface DebitedAs {
  id: string;
  accountId: string;
  fundingAccountId: string;
  amount: number;
  balanceAfter: number;
  createdAt: string;
}

/** The record of a debited consumption: what the debit decided, with the request's item, quantity, reference and memo. */
export function debitedRecord(input: Pick<ConsumptionInput, 'item' | 'quantity' | 'reference' | 'memo'>, debit: DebitedAs): ConsumptionRecord {
  return {
    id: debit.id,
    accountId: debit.accountId,
    fundingAccountId: debit.fundingAccountId,
    amount: debit.amount,
    balanceAfter: debit.balanceAfter,
    item: input.item ?? null,
    quantity: input.quantity ?? null,
    reference: input.reference ?? null,
    memo: input.memo ?? null,
    createdAt: debit.createdAt,
  };
}

/** The debit activity's answer: the record, and whether the funding account's auto-recharge is due. */
export type DebitResult = ConsumptionRecord & { autoRechargeDue: boolean };

export type ConsumptionResult =
  | { status: 'succeeded'; consumption: ConsumptionRecord }
  | { status: 'insufficient_balance'; balance: number; required: number; fundingAccountId: string }
  | { status: 'rejected'; code: string; message: string };

/**
 * The type the worker registers the workflow under: the name of this flow's function (./workflow.ts) as
 * exported by workflows/index.ts, checked here (`satisfies`): renaming one without the other fails to compile.
 */
export const consumptionWorkflowType = 'consumptionWorkflow' satisfies keyof typeof import('./workflow.ts') & keyof typeof import('../index.ts');
/** The registered function's own type: a change of its input or result reaches every caller. */
export type ConsumptionWorkflow = (typeof import('../index.ts'))[typeof consumptionWorkflowType];
