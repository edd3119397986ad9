// Shared by the bank-deposit workflow and its callers: input, result, the workflow id and type.
export type BankDepositStatus = 'received' | 'matched' | 'unmatched' | 'assigned';

export interface BankDepositInput {
  depositId: string;
}

export interface BankDepositOutcome {
  depositId: string;
  status: BankDepositStatus;
  bankTransactionId: string;
  amount: number;
  depositorName: string;
  chargeId: string | null;
  note: string | null;
}

/** The admin event raised for a deposit that matched no charge, or several. */
export const BANK_DEPOSIT_UNMATCHED = 'bank_deposit_unmatched';

export const bankDepositWorkflowType = 'bankDepositWorkflow' satisfies keyof typeof import('./workflow.ts') & keyof typeof import('../index.ts');
/** The registered function's own type: a change of its input or result reaches every caller. */
export type BankDepositWorkflow = (typeof import('../index.ts'))[typeof bankDepositWorkflowType];
