// Shared by the consumption workflow and its callers: input, result, and nothing that does I/O.
export interface ConsumptionInput {
  consumptionId: string;
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
