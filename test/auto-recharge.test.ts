// Auto-recharge end to end on the time-skipping Temporal server with the real activities, the simulated
// card gateway and real PostgreSQL: consumption workflows whose debit leaves the funding balance below
// the threshold signal-with-start the account's one auto-recharge workflow, which runs one card charge
// (the charge workflow as a child, origin auto_recharge). Three declines in a row switching it off with an
// admin event, the monthly limit, a disabled setting, a parent-billed sub-account (its partner's wallet
// recharges) and the bounded repeat. The race of 20 concurrent debits is in api-auto-recharge.test.ts,
// on the dev server: the time-skipping test server mishandles a burst of signals-with-start to one
// workflow ("Trying to send a new WFT for a run which already has one!", then timeouts).
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WorkflowNotFoundError } from '@temporalio/client';
import { useWorkflowHarness } from './support/workflow-harness.ts';
import { seedFundedAccount } from './support/seed.ts';
import { checkLedgerIntegrity } from '../db/ledger.ts';
import { createConsumptionActivities } from '../activities/consumption.ts';
import { SimulatedGateway, type CaptureRequest, type PaymentGateway, type VirtualAccountRequest } from '../activities/gateway.ts';
import { requestAutoRecharge } from '../workflows/auto-recharge/client.ts';
import { until } from './support/wait.ts';
import { loadConfig } from '../config/config.ts';
import { autoRechargeWorkflowId, consumptionWorkflowId } from '../workflows/ids.ts';
import { consumptionWorkflowType, type ConsumptionResult, type ConsumptionWorkflow } from '../workflows/consumption/definitions.ts';
import { AUTO_RECHARGE_DISABLED, autoRechargeStateQuery, type AutoRechargeWorkflow } from '../workflows/auto-recharge/definitions.ts';

const h = useWorkflowHarness({ name: 'auto-recharge', poolSize: 30, sharedWorker: (t) => ({ deps: { temporal: t.env.client, charging: loadConfig({}) } }) });
const { taskQueue } = h;

async function funded(balance: number, opts: { parentId?: string; billingMode?: 'own' | 'parent' } = {}) {
  return (await seedFundedAccount(h.db.prisma, balance, opts)).account.id;
}

async function autoRecharge(
  accountId: string,
  opts: { token?: string; enabled?: boolean; threshold?: number; amount?: number; monthlyLimit?: number | null } = {},
) {
  const pm = await h.db.prisma.paymentMethod.create({ data: { id: randomUUID(), accountId, brand: 'visa', last4: '4242', token: opts.token ?? 'tok_visa' } });
  await h.db.prisma.autoRecharge.create({
    data: {
      accountId,
      enabled: opts.enabled ?? true,
      threshold: BigInt(opts.threshold ?? 15_000),
      amount: BigInt(opts.amount ?? 50_000),
      paymentMethodId: pm.id,
      monthlyLimit: opts.monthlyLimit == null ? null : BigInt(opts.monthlyLimit),
    },
  });
  return pm.id;
}

function consume(accountId: string, amount: number): Promise<ConsumptionResult> {
  const consumptionId = randomUUID();
  return h.env.client.workflow.execute<ConsumptionWorkflow>(consumptionWorkflowType, {
    workflowId: consumptionWorkflowId(consumptionId),
    taskQueue,
    args: [{ consumptionId, accountId, amount, reference: 'msg' }],
  });
}

/** The result of the account's latest auto-recharge run (a run starts only after the previous ended). */
const rechargeRun = (accountId: string) => h.env.client.workflow.getHandle<AutoRechargeWorkflow>(autoRechargeWorkflowId(accountId)).result();

async function noRechargeRun(accountId: string) {
  await expect(h.env.client.workflow.getHandle(autoRechargeWorkflowId(accountId)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
}

/** A gateway whose captures wait until the test opens it: a recharge that stays in flight. */
class GatedGateway implements PaymentGateway {
  waiting = 0;
  private release!: () => void;
  private readonly opened = new Promise<void>((r) => (this.release = r));
  constructor(private readonly inner: PaymentGateway) {}
  open() {
    this.release();
  }
  tokenize(token: string) {
    return this.inner.tokenize(token);
  }
  async capture(req: CaptureRequest) {
    this.waiting++;
    await this.opened;
    return this.inner.capture(req);
  }
  lookupCapture(key: string) {
    return this.inner.lookupCapture(key);
  }
  issueVirtualAccount(req: VirtualAccountRequest) {
    return this.inner.issueVirtualAccount(req);
  }
  closeVirtualAccount(key: string) {
    return this.inner.closeVirtualAccount(key);
  }
}

const balanceOf = async (id: string) => Number((await h.db.prisma.wallet.findUniqueOrThrow({ where: { accountId: id } })).balance);
const autoCharges = (accountId: string) => h.db.prisma.charge.findMany({ where: { accountId, origin: 'auto_recharge' }, orderBy: { createdAt: 'asc' } });
const creditEntries = (walletId: string) => h.db.prisma.ledgerEntry.findMany({ where: { walletId, kind: 'charge' } });

describe('auto-recharge workflow', () => {
  it('a debit that stays above the threshold starts nothing; the one that crosses below it starts one recharge, credited once', async () => {
    const id = await funded(20_000);
    await autoRecharge(id);

    const above = await consume(id, 4_000);
    expect(above).toMatchObject({ status: 'succeeded', consumption: { balanceAfter: 16_000 } });
    await noRechargeRun(id);

    const below = await consume(id, 2_000);
    // The consumption answers with its own debit: the recharge runs after it, elsewhere.
    expect(below).toMatchObject({ status: 'succeeded', consumption: { balanceAfter: 14_000 } });
    const run = await rechargeRun(id);
    expect(run).toMatchObject({ stoppedBy: 'balance_above_threshold', inFlight: null, charges: [{ status: 'succeeded', failureCode: null }] });

    const charges = await autoCharges(id);
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({ method: 'card', status: 'succeeded', origin: 'auto_recharge', amount: 50_000n, creditedAmount: 50_000n });
    expect(charges[0]!.id).toBe(run.charges[0]!.chargeId);
    const credits = await creditEntries(id);
    expect(credits).toHaveLength(1);
    expect(credits[0]).toMatchObject({ amount: 50_000n, balanceAfter: 64_000n, chargeId: charges[0]!.id });
    expect(await balanceOf(id)).toBe(64_000);
    expect(await h.db.prisma.autoRecharge.findUniqueOrThrow({ where: { accountId: id } })).toMatchObject({
      enabled: true,
      consecutiveFailures: 0,
      lastChargeId: charges[0]!.id,
    });
    expect(await checkLedgerIntegrity(h.db.prisma)).toEqual([]);
  });

  it('three declines in a row switch auto-recharge off and raise auto_recharge_disabled; later debits start nothing', async () => {
    const id = await funded(16_000);
    await autoRecharge(id, { token: 'tok_declined' });

    for (let i = 1; i <= 3; i++) {
      expect((await consume(id, 2_000)).status).toBe('succeeded');
      const run = await rechargeRun(id);
      expect(run).toMatchObject({ stoppedBy: 'charge_failed', charges: [{ status: 'failed', failureCode: 'card_declined' }] });
      const setting = await h.db.prisma.autoRecharge.findUniqueOrThrow({ where: { accountId: id } });
      expect(setting.consecutiveFailures).toBe(i);
      expect(setting.enabled).toBe(i < 3);
    }
    const setting = await h.db.prisma.autoRecharge.findUniqueOrThrow({ where: { accountId: id } });
    expect(setting.disabledAt).not.toBeNull();
    expect(setting.disabledReason).toMatch(/3 auto-recharge charges failed in a row.*card_declined/);
    const events = await h.db.prisma.adminEvent.findMany({ where: { type: AUTO_RECHARGE_DISABLED, accountId: id } });
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ consecutiveFailures: 3, failureCode: 'card_declined' });

    const charges = await autoCharges(id);
    expect(charges.map((c) => [c.status, c.failureCode])).toEqual([
      ['failed', 'card_declined'],
      ['failed', 'card_declined'],
      ['failed', 'card_declined'],
    ]);
    // Switched off: the next debit below the threshold asks for nothing.
    const runsBefore = (await h.env.client.workflow.getHandle(autoRechargeWorkflowId(id)).describe()).runId;
    expect((await consume(id, 2_000)).status).toBe('succeeded');
    expect((await h.env.client.workflow.getHandle(autoRechargeWorkflowId(id)).describe()).runId).toBe(runsBefore);
    expect(await autoCharges(id)).toHaveLength(3);
    expect(await creditEntries(id)).toHaveLength(0);
    expect(await balanceOf(id)).toBe(8_000);
    expect(await checkLedgerIntegrity(h.db.prisma)).toEqual([]);
  });

  it('the monthly limit stops a recharge that would exceed it', async () => {
    const id = await funded(16_000);
    await autoRecharge(id, { monthlyLimit: 60_000 });
    // 50,000 auto-recharged earlier this month (seeded at the test server's current time: its clock may
    // jump ahead by years while a client waits on a finished workflow, so one run's month is not the next's).
    const now = new Date(await h.env.currentTimeMs());
    await h.db.prisma.charge.create({
      data: {
        id: randomUUID(),
        accountId: id,
        amount: 50_000n,
        method: 'card',
        status: 'succeeded',
        origin: 'auto_recharge',
        creditedAmount: 50_000n,
        createdAt: now,
        completedAt: now,
      },
    });

    await consume(id, 2_000); // 14,000: another 50,000 would make 100,000 > 60,000
    const run = await rechargeRun(id);
    expect(run).toMatchObject({ stoppedBy: 'monthly_limit', charges: [] });
    expect(await autoCharges(id)).toHaveLength(1);
    expect(await balanceOf(id)).toBe(14_000);
    expect(await h.db.prisma.autoRecharge.findUniqueOrThrow({ where: { accountId: id } })).toMatchObject({ enabled: true, consecutiveFailures: 0 });
    expect(await checkLedgerIntegrity(h.db.prisma)).toEqual([]);
  });

  it('a disabled setting starts no recharge', async () => {
    const id = await funded(16_000);
    await autoRecharge(id, { enabled: false });
    expect(await consume(id, 5_000)).toMatchObject({ status: 'succeeded', consumption: { balanceAfter: 11_000 } });
    await noRechargeRun(id);
    expect(await autoCharges(id)).toHaveLength(0);
    expect(await balanceOf(id)).toBe(11_000);
  });

  it("a parent-billed sub-account's debit recharges its partner's wallet", async () => {
    const partner = await funded(16_000);
    await autoRecharge(partner);
    const sub = await funded(0, { parentId: partner, billingMode: 'parent' });

    expect(await consume(sub, 2_000)).toMatchObject({ status: 'succeeded', consumption: { fundingAccountId: partner, balanceAfter: 14_000 } });
    await noRechargeRun(sub);
    const run = await rechargeRun(partner);
    expect(run.charges).toHaveLength(1);
    expect(await autoCharges(partner)).toHaveLength(1);
    expect(await balanceOf(partner)).toBe(64_000);
    expect(await checkLedgerIntegrity(h.db.prisma)).toEqual([]);
  });

  it('a consumption refused for want of points below the threshold still starts the recharge', async () => {
    const id = await funded(100);
    await autoRecharge(id);
    expect(await consume(id, 500)).toMatchObject({ status: 'insufficient_balance', balance: 100, required: 500 });
    const run = await rechargeRun(id);
    expect(run.charges.map((c) => c.status)).toEqual(['succeeded']);
    expect(await balanceOf(id)).toBe(50_100);
    expect(await checkLedgerIntegrity(h.db.prisma)).toEqual([]);
  });

  it('10,000 debits below the threshold during a slow recharge: one request, one charge, a small bounded history', async () => {
    const DEBITS = Number(process.env.SLOW_RECHARGE_DEBITS ?? 10_000);
    const id = await funded(15_000);
    await autoRecharge(id, { amount: 50_000 });
    const gate = new GatedGateway(new SimulatedGateway(h.db.prisma));
    const slowQueue = h.newTaskQueue();
    const slow = await h.createWorker({ taskQueue: slowQueue, deps: { temporal: h.env.client, charging: loadConfig({}), gateway: gate } });
    await slow.runUntil(async () => {
      const { debitConsumption } = createConsumptionActivities({ db: h.db.prisma });
      let requests = 0;
      let next = 0;
      const one = async () => {
        const consumptionId = randomUUID();
        const debited = await debitConsumption({ consumptionId, accountId: id, amount: 1, reference: 'msg' });
        // What the consumption workflow does with a debit that won the claim.
        if (debited.autoRechargeDue) {
          requests++;
          await requestAutoRecharge(
            h.env.client,
            { accountId: id, taskQueue: slowQueue, charging: loadConfig({}) },
            { consumptionId, balanceAfter: debited.balanceAfter },
          );
        }
      };
      await Promise.all(
        Array.from({ length: 25 }, async () => {
          while (next++ < DEBITS) await one();
        }),
      );
      expect(await balanceOf(id)).toBe(15_000 - DEBITS);
      await until(async () => gate.waiting > 0, 'the recharge to reach the gateway', 60_000);
      expect(requests).toBe(1);
      expect(await autoCharges(id)).toHaveLength(1);
      gate.open();
      const handle = h.env.client.workflow.getHandle<AutoRechargeWorkflow>(autoRechargeWorkflowId(id));
      await until(async () => (await handle.describe()).status.name !== 'RUNNING', 'the recharge run to end', 60_000);
      const state = await handle.query(autoRechargeStateQuery);
      expect(state).toMatchObject({ requests: 1, stoppedBy: 'balance_above_threshold' });
      expect(state.charges.map((c) => c.status)).toEqual(['succeeded']);
      expect((await handle.describe()).historyLength).toBeLessThan(60);
      expect(await balanceOf(id)).toBe(65_000 - DEBITS);
      const setting = await h.db.prisma.autoRecharge.findUniqueOrThrow({ where: { accountId: id } });
      expect(setting.requestedAt).toBeNull();
      expect(await checkLedgerIntegrity(h.db.prisma)).toEqual([]);
    });
  }, 600_000);

  it('a success that leaves the balance still below the threshold goes again, bounded per run', async () => {
    const id = await funded(16_000);
    await autoRecharge(id, { threshold: 200_000, amount: 50_000 });
    await consume(id, 2_000); // 14,000; three charges of 50,000 still leave 164,000 < 200,000
    const run = await rechargeRun(id);
    expect(run.stoppedBy).toBe('run_limit');
    expect(run.charges.map((c) => c.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(await autoCharges(id)).toHaveLength(3);
    expect(await balanceOf(id)).toBe(164_000);
    const state = await h.env.client.workflow.getHandle(autoRechargeWorkflowId(id)).query(autoRechargeStateQuery);
    expect(state.requests).toBe(1);
    expect(await checkLedgerIntegrity(h.db.prisma)).toEqual([]);
  });
});
