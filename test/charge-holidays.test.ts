// Real Korean public holidays (from @hyunbinseo/holidays-kr, via defaultCalendar) in the bank-transfer
// charge workflow on the time-skipping server: Seollal 2027 (Sat 6 – Tue 9 Feb, with its substitute day)
// and Independence Movement Day 2027 (Mon 1 Mar). Instants are written out in KST by hand.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useWorkflowHarness } from './support/workflow-harness.ts';
import { createAccount } from '../db/accounts.ts';
import { checkLedgerIntegrity } from '../db/ledger.ts';
import { defaultCalendar } from '../domain/calendar.ts';
import { chargeWorkflowId } from '../workflows/ids.ts';
import { awaitAcceptedUpdate, chargeWorkflowType, confirmDepositUpdate, type ChargeInput, type ChargeWorkflow } from '../workflows/charge/definitions.ts';

const h = useWorkflowHarness({ name: 'holiday' });

const kst = (local: string) => Date.parse(`${local}+09:00`);

async function goto(instant: number) {
  const now = await h.env.currentTimeMs();
  if (instant < now) {
    // Deliberately loud: by then the shipped holiday data (2018–2027) is running out too. Upgrade
    // @hyunbinseo/holidays-kr and move these scenarios to holidays still ahead.
    throw new Error(`${new Date(instant).toISOString()} is in the past: move this test to upcoming holidays`);
  }
  await h.env.sleep(instant - now);
}

async function requestBankTransfer(requestedAtKst: string) {
  const { account } = await createAccount(h.db.prisma, { name: 'Holiday shop' });
  const taskQueue = h.newTaskQueue();
  const worker = await h.createWorker({ taskQueue });
  const input: ChargeInput = {
    chargeId: randomUUID(),
    accountId: account.id,
    amount: 80_000,
    method: 'bank_transfer',
    origin: 'api',
    depositorName: '김영희',
    paymentMethodId: null,
    calendar: defaultCalendar(),
    schedule: { confirmWithinBusinessHours: 1, expireAfterBusinessDays: 5 },
    bankAccount: { bank: 'Demo Bank', accountNumber: '000-000000-00-000', holder: 'Operator' },
  };
  await goto(kst(requestedAtKst));
  return worker.runUntil(async () => {
    const handle = await h.env.client.workflow.start<ChargeWorkflow>(chargeWorkflowType, {
      taskQueue,
      workflowId: chargeWorkflowId(input.chargeId),
      args: [input],
    });
    const accepted = await handle.executeUpdate(awaitAcceptedUpdate);
    const confirmed = await handle.executeUpdate(confirmDepositUpdate, {
      args: [{ depositedAmount: 80_000, depositorName: '김영희', memo: null, by: 'admin' }],
    });
    return { accountId: account.id, accepted, confirmed };
  });
}

describe('Korean public holidays in the charge workflow', () => {
  it('Friday 5 Feb 2027 17:00 (before Seollal): picked up Wednesday 10 Feb 09:30, expires Wednesday 17 Feb', async () => {
    const { accountId, accepted, confirmed } = await requestBankTransfer('2027-02-05T17:00:00');
    expect(accepted).toMatchObject({
      status: 'awaiting_deposit',
      processingStartsAt: new Date(kst('2027-02-10T09:30:00')).toISOString(),
      expectedBy: new Date(kst('2027-02-10T10:30:00')).toISOString(),
      // Business days after Wed 10: Thu 11, Fri 12, Mon 15, Tue 16, Wed 17.
      expiresAt: new Date(kst('2027-02-17T09:30:00')).toISOString(),
    });
    expect(confirmed).toMatchObject({ status: 'succeeded', creditedAmount: 80_000 });
    expect(Number((await h.db.prisma.wallet.findUniqueOrThrow({ where: { accountId } })).balance)).toBe(80_000);
  });

  it('Friday 26 Feb 2027 16:30 (after the cut-off, before Independence Movement Day): picked up Tuesday 2 Mar 09:30', async () => {
    const { accepted } = await requestBankTransfer('2027-02-26T16:30:00');
    expect(accepted).toMatchObject({
      processingStartsAt: new Date(kst('2027-03-02T09:30:00')).toISOString(),
      // Business days after Tue 2: Wed 3, Thu 4, Fri 5 (closes 13:30), Mon 8, Tue 9.
      expiresAt: new Date(kst('2027-03-09T09:30:00')).toISOString(),
    });
    expect(await checkLedgerIntegrity(h.db.prisma)).toEqual([]);
  });
});
