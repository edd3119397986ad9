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

export const consumptionWorkflowType = 'consumptionWorkflow';
export type ConsumptionWorkflow = (input: ConsumptionInput) => Promise<ConsumptionResult>;
