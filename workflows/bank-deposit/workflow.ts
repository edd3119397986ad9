// One deposit reported by the bank feed (SPEC §6.2), settled durably: match it against the charges
// awaiting a deposit and confirm the one match through the charge workflow's confirmDeposit update (the
// same one an admin sends), or leave it unmatched and tell the admins. The settle activity is idempotent
// (its claim is a conditional row update, re-sending a confirmation answers the same outcome), so a retry
// after a crash finishes what the first attempt started.
import { proxyActivities } from '@temporalio/workflow';
import type { AdminEventActivities, DepositActivities } from '../../activities/types.ts';
import { durableActivity } from '../activity-options.ts';
import { bankDepositWorkflowId, stepKey } from '../ids.ts';
import { BANK_DEPOSIT_UNMATCHED, type BankDepositInput, type BankDepositOutcome } from './definitions.ts';

const deposits = proxyActivities<DepositActivities>({ ...durableActivity, startToCloseTimeout: '2 minutes' });
const admin = proxyActivities<AdminEventActivities>(durableActivity);

export async function bankDepositWorkflow(input: BankDepositInput): Promise<BankDepositOutcome> {
  const outcome = await deposits.settleBankDeposit({ depositId: input.depositId });
  if (outcome.status === 'unmatched') {
    await admin.raiseAdminEvent({
      type: BANK_DEPOSIT_UNMATCHED,
      subjectId: input.depositId,
      data: {
        depositId: input.depositId,
        bankTransactionId: outcome.bankTransactionId,
        amount: outcome.amount,
        depositorName: outcome.depositorName,
        note: outcome.note,
      },
      key: stepKey(bankDepositWorkflowId(input.depositId), 'unmatched'),
    });
  }
  return outcome;
}
