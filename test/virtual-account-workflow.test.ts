// Virtual-account charges and tax documents end to end on the time-skipping Temporal server, with the
// real activities, the simulated gateway and tax issuer (both persisted) and real PostgreSQL: the account
// issued through the gateway port, the durable timer until dueAt (around the clock), the deposit
// notification credited once, and the races of a notification with the expiry, a cancel or a twin.
//
// The simulated gateway's clock is set to the test server's clock, so "before dueAt" means the same
// instant to the gateway and to the workflow.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { useWorkflowHarness } from './support/workflow-harness.ts';
import { createAccount } from '../db/accounts.ts';
import { checkLedgerIntegrity } from '../db/ledger.ts';
import { chargeSnapshot } from '../activities/charges.ts';
import { SimulatedGateway } from '../activities/gateway.ts';
import { CLOSED_BUSINESS_NUMBER, FLAKY_ISSUER_NUMBER, SimulatedTaxIssuer } from '../activities/tax-documents.ts';
import { defaultCalendar } from '../domain/calendar.ts';
import { chargeWorkflowId } from '../workflows/ids.ts';
import {
  awaitAcceptedUpdate,
  cancelChargeUpdate,
  chargeWorkflowType,
  confirmDepositUpdate,
  depositNotifiedUpdate,
  TAX_DOCUMENT_FAILED,
  type ChargeInput,
  type ChargeWorkflow,
  type DepositNotifiedInput,
  type VirtualAccountInfo,
} from '../workflows/charge/definitions.ts';
import { until } from './support/wait.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const h = useWorkflowHarness({ name: 'va', workflowsPath: fileURLToPath(new URL('../workflows/charge/workflow.ts', import.meta.url)) });
/** The simulated gateway's clock: the test server's time, refreshed by `syncClock`. */
let gatewayNow = Date.now();
let gateway: SimulatedGateway;
const started: WorkflowHandle[] = [];

beforeAll(() => {
  gateway = new SimulatedGateway(h.db.prisma, { now: () => gatewayNow });
});

afterEach(async () => {
  for (const handle of started.splice(0)) await handle.terminate('test finished').catch(() => undefined);
});

async function syncClock() {
  gatewayNow = await h.env.currentTimeMs();
}

function withWorker<T>(fn: (taskQueue: string) => Promise<T>): Promise<T> {
  return h.withWorker(fn, { deps: { gateway, taxIssuer: new SimulatedTaxIssuer(h.db.prisma) } });
}

async function newAccount(tax: { taxDocument?: 'tax_invoice' | 'cash_receipt' | 'none'; businessRegistrationNumber?: string } = {}) {
  const { account } = await createAccount(h.db.prisma, { name: '(주)에이비씨' });
  if (tax.taxDocument)
    await h.db.prisma.account.update({
      where: { id: account.id },
      data: { taxDocument: tax.taxDocument, businessRegistrationNumber: tax.businessRegistrationNumber ?? null },
    });
  return account;
}

function input(accountId: string, over: Partial<ChargeInput> = {}): ChargeInput {
  return {
    chargeId: randomUUID(),
    accountId,
    amount: 100_000,
    method: 'virtual_account',
    origin: 'api',
    paymentMethodId: null,
    calendar: defaultCalendar(),
    schedule: { confirmWithinBusinessHours: 1, expireAfterBusinessDays: 5 },
    bankAccount: { bank: 'Demo Bank', accountNumber: '000-000000-00-000', holder: 'Operator' },
    virtualAccountValidHours: 72,
    ...over,
  };
}

/** Starts the charge and answers once its virtual account is issued: the handle and the account. */
async function open(taskQueue: string, charge: ChargeInput): Promise<{ handle: WorkflowHandle<ChargeWorkflow>; va: VirtualAccountInfo; requestedAt: number }> {
  const handle = await h.env.client.workflow.start<ChargeWorkflow>(chargeWorkflowType, {
    taskQueue,
    workflowId: chargeWorkflowId(charge.chargeId),
    args: [charge],
  });
  started.push(handle);
  const snap = await handle.executeUpdate(awaitAcceptedUpdate);
  expect(snap.status).toBe('awaiting_deposit');
  const row = await h.db.prisma.charge.findUniqueOrThrow({ where: { id: charge.chargeId } });
  return { handle, va: row.virtualAccount as unknown as VirtualAccountInfo, requestedAt: row.createdAt.getTime() };
}

async function settle(handle: WorkflowHandle) {
  await until(async () => (await handle.describe()).status.name !== 'RUNNING', `workflow ${handle.workflowId} to close`);
  return chargeSnapshot(await h.db.prisma.charge.findUniqueOrThrow({ where: { id: handle.workflowId.slice('charge:'.length) } }));
}

/** Moves the test server's clock to `instant` (never back) and the gateway's with it. */
async function goto(instant: number) {
  const now = await h.env.currentTimeMs();
  if (instant > now) await h.env.sleep(instant - now);
  await syncClock();
}

/** A deposit into the simulated gateway's account (as a business at its bank) and the notification it sends. */
async function depositAtGateway(va: VirtualAccountInfo, amount: number, depositorName = '에이비씨'): Promise<DepositNotifiedInput> {
  await syncClock();
  const { deposit } = await gateway.simulateDeposit(va.accountNumber, { amount, depositorName });
  return { transactionId: deposit.transactionId, amount: deposit.amount, depositorName: deposit.depositorName, depositedAt: deposit.depositedAt.toISOString() };
}

const notify = (handle: WorkflowHandle<ChargeWorkflow>, n: DepositNotifiedInput) => handle.executeUpdate(depositNotifiedUpdate, { args: [n] });
const creditsOf = (chargeId: string) => h.db.prisma.ledgerEntry.findMany({ where: { chargeId } });
const gatewayAccount = (chargeId: string) => h.db.prisma.simulatedVirtualAccount.findUniqueOrThrow({ where: { chargeId } });

function failureType(err: unknown): string | undefined {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) return err.cause.type ?? undefined;
  return undefined;
}

describe('virtual accounts', () => {
  it('issues one account through the gateway, due 72 hours after the request around the clock, and credits the notified deposit once', async () => {
    const account = await newAccount();
    await withWorker(async (taskQueue) => {
      const charge = input(account.id);
      const { handle, va, requestedAt } = await open(taskQueue, charge);
      expect(va).toMatchObject({ bank: 'Simulated Bank', accountNumber: expect.stringMatching(/^\d{14}$/), holder: 'Operator' });
      expect(Date.parse(va.dueAt)).toBe(requestedAt + 72 * HOUR);
      const row = await h.db.prisma.charge.findUniqueOrThrow({ where: { id: charge.chargeId } });
      expect(row.expiresAt?.toISOString()).toBe(va.dueAt);
      expect(await h.db.prisma.simulatedVirtualAccount.count({ where: { chargeId: charge.chargeId } })).toBe(1);

      const n = await depositAtGateway(va, 100_000);
      const snap = await notify(handle, n);
      expect(snap).toMatchObject({ status: 'succeeded', creditedAmount: 100_000, depositedAmount: 100_000 });
      // The same notification again: while the workflow runs it answers the same outcome; once it has
      // closed the update finds no workflow (the webhook then answers from the read model). No credit.
      const again = await notify(handle, n).catch((e: unknown) => e);
      if (!(again instanceof WorkflowNotFoundError)) expect(again).toMatchObject({ status: 'succeeded' });
      const done = await h.db.prisma.charge.findUniqueOrThrow({ where: { id: charge.chargeId } });
      expect(done).toMatchObject({ status: 'succeeded', confirmedBy: 'gateway', gatewayReference: n.transactionId });
      expect(await creditsOf(charge.chargeId)).toHaveLength(1);
      const types = (await h.db.prisma.chargeEvent.findMany({ where: { chargeId: charge.chargeId }, orderBy: { id: 'asc' } })).map((e) => e.type);
      expect(types).toEqual(['requested', 'awaiting_deposit', 'deposit_notified', 'deposit_confirmed', 'succeeded']);
      await settle(handle);
    });
    expect(await checkLedgerIntegrity(h.db.prisma)).toEqual([]);
  });

  it('a deposit one minute before dueAt is credited', async () => {
    const account = await newAccount();
    await withWorker(async (taskQueue) => {
      const { handle, va } = await open(taskQueue, input(account.id));
      await goto(Date.parse(va.dueAt) - MINUTE);
      const n = await depositAtGateway(va, 100_000);
      expect((await notify(handle, n)).status).toBe('succeeded');
      expect((await settle(handle)).status).toBe('succeeded');
      expect((await gatewayAccount(handle.workflowId.slice(7))).status).toBe('deposited');
    });
  });

  it('at dueAt the account is closed and the charge expired; a deposit and a notification just after are refused, no credit', async () => {
    const account = await newAccount();
    await withWorker(async (taskQueue) => {
      const charge = input(account.id);
      const { handle, va } = await open(taskQueue, charge);
      // The admin's confirmation is for bank transfers only.
      expect(failureType(await handle.executeUpdate(confirmDepositUpdate, { args: [{ depositedAmount: 100_000 }] }).catch((e) => e))).toBe('invalid_state');
      await goto(Date.parse(va.dueAt) + MINUTE);
      const closed = await settle(handle);
      expect(closed).toMatchObject({ status: 'expired', creditedAmount: null });
      expect(await gatewayAccount(charge.chargeId)).toMatchObject({ status: 'closed' });
      await expect(depositAtGateway(va, 100_000)).rejects.toMatchObject({ code: 'deposit_refused' });
      // A notification that comes anyway (a forged or very late one) finds the charge closed.
      const late = await notify(handle, { transactionId: 'vtx_late', amount: 100_000, depositedAt: new Date(gatewayNow).toISOString() }).catch((e) => e);
      expect(late).toBeInstanceOf(Error);
      expect(await creditsOf(charge.chargeId)).toHaveLength(0);
      expect((await h.db.prisma.charge.findUniqueOrThrow({ where: { id: charge.chargeId } })).status).toBe('expired');
    });
  });

  it('a deposit whose notification never arrived is credited when closing at dueAt finds it', async () => {
    const account = await newAccount();
    await withWorker(async (taskQueue) => {
      const charge = input(account.id);
      const { handle, va } = await open(taskQueue, charge);
      await goto(Date.parse(va.dueAt) - 5 * MINUTE);
      const n = await depositAtGateway(va, 100_000);
      await goto(Date.parse(va.dueAt) + MINUTE);
      expect(await settle(handle)).toMatchObject({ status: 'succeeded', creditedAmount: 100_000 });
      expect((await h.db.prisma.charge.findUniqueOrThrow({ where: { id: charge.chargeId } })).gatewayReference).toBe(n.transactionId);
      expect(await creditsOf(charge.chargeId)).toHaveLength(1);
    });
  });

  it('cancel then deposit: the account is closed by the cancel, the bank refuses the deposit, a notification is refused', async () => {
    const account = await newAccount();
    await withWorker(async (taskQueue) => {
      const charge = input(account.id);
      const { handle, va } = await open(taskQueue, charge);
      expect((await handle.executeUpdate(cancelChargeUpdate, { args: [{ reason: 'changed my mind' }] })).status).toBe('cancelled');
      expect(await gatewayAccount(charge.chargeId)).toMatchObject({ status: 'closed' });
      await expect(depositAtGateway(va, 100_000)).rejects.toMatchObject({ code: 'deposit_refused' });
      const refused = await notify(handle, { transactionId: 'vtx_after_cancel', amount: 100_000, depositedAt: new Date().toISOString() }).catch((e) => e);
      expect(refused).toBeInstanceOf(Error);
      expect((await settle(handle)).status).toBe('cancelled');
      expect(await creditsOf(charge.chargeId)).toHaveLength(0);
    });
  });

  it('the account accepts exactly the charge amount, once', async () => {
    const account = await newAccount();
    await withWorker(async (taskQueue) => {
      const charge = input(account.id);
      const { handle, va } = await open(taskQueue, charge);
      await expect(depositAtGateway(va, 99_999)).rejects.toMatchObject({ code: 'deposit_refused' });
      const wrong = await notify(handle, { transactionId: 'vtx_wrong', amount: 99_999, depositedAt: new Date().toISOString() }).catch((e) => e);
      expect(failureType(wrong)).toBe('invalid_state');
      const n = await depositAtGateway(va, 100_000);
      await expect(depositAtGateway(va, 100_000)).rejects.toMatchObject({ code: 'deposit_refused' });
      expect((await notify(handle, n)).status).toBe('succeeded');
      expect(await creditsOf(charge.chargeId)).toHaveLength(1);
    });
  });

  it('two notifications at once credit once; another transaction for the same charge is refused', async () => {
    const account = await newAccount();
    await withWorker(async (taskQueue) => {
      const charge = input(account.id);
      const { handle, va } = await open(taskQueue, charge);
      const n = await depositAtGateway(va, 100_000);
      const all = await Promise.allSettled([notify(handle, n), notify(handle, n), notify(handle, n)]);
      // Each answers succeeded, or (arriving after the workflow closed) finds no workflow; none is refused.
      expect(all.some((r) => r.status === 'fulfilled')).toBe(true);
      for (const r of all) {
        if (r.status === 'fulfilled') expect(r.value.status).toBe('succeeded');
        else expect(r.reason).toBeInstanceOf(WorkflowNotFoundError);
      }
      const other = await notify(handle, { ...n, transactionId: 'vtx_other' }).catch((e) => e);
      if (!(other instanceof WorkflowNotFoundError)) expect(failureType(other)).toBe('invalid_state');
      expect(await creditsOf(charge.chargeId)).toHaveLength(1);
      expect(Number((await h.db.prisma.wallet.findUniqueOrThrow({ where: { accountId: account.id } })).balance)).toBe(100_000);
    });
    expect(await checkLedgerIntegrity(h.db.prisma)).toEqual([]);
  });

  it('a notification racing a cancel: exactly one outcome, and the gateway agrees with it', async () => {
    const account = await newAccount();
    await withWorker(async (taskQueue) => {
      for (let i = 0; i < 4; i++) {
        const charge = input(account.id);
        const { handle, va } = await open(taskQueue, charge);
        const n = await depositAtGateway(va, 100_000);
        const cancel = () => handle.executeUpdate(cancelChargeUpdate, { args: [{}] });
        const deposit = () => notify(handle, n);
        const settled = await Promise.allSettled(i % 2 === 0 ? [deposit(), cancel()] : [cancel(), deposit()]);
        const [d, c] = i % 2 === 0 ? settled : [settled[1]!, settled[0]!];
        // The money reached the gateway before the cancel: whichever claimed first, closing the account
        // finds the deposit, the charge ends credited once, and the cancel is answered invalid_state.
        expect(d).toMatchObject({ status: 'fulfilled', value: { status: 'succeeded' } });
        expect(c!.status).toBe('rejected');
        expect(failureType((c as PromiseRejectedResult).reason)).toBe('invalid_state');
        expect((await settle(handle)).status).toBe('succeeded');
        expect(await creditsOf(charge.chargeId)).toHaveLength(1);
      }
    });
    expect(await checkLedgerIntegrity(h.db.prisma)).toEqual([]);
  });
});

describe('tax documents', () => {
  it('a virtual-account top-up of an account that wants tax invoices gets one issued, shown with its number', async () => {
    const account = await newAccount({ taxDocument: 'tax_invoice', businessRegistrationNumber: '1248100998' });
    await withWorker(async (taskQueue) => {
      const charge = input(account.id);
      const { handle, va } = await open(taskQueue, charge);
      await notify(handle, await depositAtGateway(va, 100_000));
      await settle(handle);
      const doc = await h.db.prisma.taxDocument.findUniqueOrThrow({ where: { chargeId: charge.chargeId } });
      expect(doc).toMatchObject({
        type: 'tax_invoice',
        status: 'issued',
        businessRegistrationNumber: '1248100998',
        amount: 100_000n,
        number: expect.stringMatching(/^\d{8}-41000000-\d{8}$/),
      });
      expect(await h.db.prisma.simulatedTaxIssue.count({ where: { idempotencyKey: charge.chargeId } })).toBe(1);
    });
  });

  it('a bank transfer confirmed by an admin gets a cash receipt; an issuer that times out twice is retried', async () => {
    const account = await newAccount({ taxDocument: 'cash_receipt', businessRegistrationNumber: FLAKY_ISSUER_NUMBER });
    await withWorker(async (taskQueue) => {
      const charge = input(account.id, { method: 'bank_transfer', depositorName: '에이비씨', virtualAccountValidHours: undefined });
      const handle = await h.env.client.workflow.start<ChargeWorkflow>(chargeWorkflowType, {
        taskQueue,
        workflowId: chargeWorkflowId(charge.chargeId),
        args: [charge],
      });
      started.push(handle);
      await handle.executeUpdate(awaitAcceptedUpdate);
      await handle.executeUpdate(confirmDepositUpdate, { args: [{ depositedAmount: 100_000, by: 'admin' }] });
      await settle(handle);
      expect(await h.db.prisma.taxDocument.findUniqueOrThrow({ where: { chargeId: charge.chargeId } })).toMatchObject({
        type: 'cash_receipt',
        status: 'issued',
        number: expect.stringMatching(/^\d{9}$/),
      });
    });
  });

  it('a refused document is failed on the charge and raises an admin event; the credit stands', async () => {
    const account = await newAccount({ taxDocument: 'tax_invoice', businessRegistrationNumber: CLOSED_BUSINESS_NUMBER });
    await withWorker(async (taskQueue) => {
      const charge = input(account.id);
      const { handle, va } = await open(taskQueue, charge);
      await notify(handle, await depositAtGateway(va, 100_000));
      expect((await settle(handle)).status).toBe('succeeded');
      expect(await h.db.prisma.taxDocument.findUniqueOrThrow({ where: { chargeId: charge.chargeId } })).toMatchObject({
        status: 'failed',
        failureReason: expect.stringContaining('closed'),
        number: null,
      });
      expect(await h.db.prisma.adminEvent.count({ where: { type: TAX_DOCUMENT_FAILED, subjectId: charge.chargeId } })).toBe(1);
      expect(await creditsOf(charge.chargeId)).toHaveLength(1);
    });
  });

  it('an account that wants no document gets none', async () => {
    const account = await newAccount();
    await withWorker(async (taskQueue) => {
      const charge = input(account.id);
      const { handle, va } = await open(taskQueue, charge);
      await notify(handle, await depositAtGateway(va, 100_000));
      await settle(handle);
      expect(await h.db.prisma.taxDocument.count({ where: { chargeId: charge.chargeId } })).toBe(0);
    });
  });
});
