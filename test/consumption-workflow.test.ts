// The consumption workflow on the time-skipping test server with the real debit activity on PostgreSQL:
// a retried (transiently failing) debit applies once, replayed and concurrent activity attempts debit once,
// a refused debit leaves nothing behind, and a worker restart between two consumptions loses nothing.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useWorkflowHarness } from './support/workflow-harness.ts';
import { seedFundedAccount } from './support/seed.ts';
import { createActivities } from '../activities/index.ts';
import { checkLedgerIntegrity } from '../db/ledger.ts';
import { consumptionWorkflowId } from '../workflows/ids.ts';
import { consumptionWorkflowType, type ConsumptionInput, type ConsumptionWorkflow } from '../workflows/consumption/definitions.ts';

const h = useWorkflowHarness({ name: 'consume', poolSize: 30 });

async function funded(balance: number) {
  return (await seedFundedAccount(h.db.prisma, balance, { name: 'Consumer' })).account.id;
}

const balanceOf = async (id: string) => Number((await h.db.prisma.wallet.findUniqueOrThrow({ where: { accountId: id } })).balance);

function input(accountId: string, amount: number): ConsumptionInput {
  return { consumptionId: randomUUID(), accountId, amount, reference: 'msg-1' };
}

describe('consumption workflow', () => {
  it('a debit whose first attempts fail after committing is retried and still applies once', async () => {
    const accountId = await funded(1_000);
    const real = createActivities({ db: h.db.prisma });
    let attempts = 0;
    // The first two attempts commit the debit and then "lose" the answer (a crash after the write):
    // the retries must find the committed debit instead of applying it again.
    const flaky = {
      ...real,
      async debitConsumption(i: ConsumptionInput) {
        attempts++;
        const result = await real.debitConsumption(i);
        if (attempts <= 2) throw new Error('connection reset after commit');
        return result;
      },
    };
    const taskQueue = h.newTaskQueue();
    const worker = await h.createWorker({ taskQueue, options: { activities: flaky } });
    const args = input(accountId, 300);
    const result = await worker.runUntil(
      h.env.client.workflow.execute<ConsumptionWorkflow>(consumptionWorkflowType, {
        workflowId: consumptionWorkflowId(args.consumptionId),
        taskQueue,
        args: [args],
      }),
    );
    expect(attempts).toBe(3);
    expect(result).toMatchObject({ status: 'succeeded', consumption: { id: args.consumptionId, amount: 300, balanceAfter: 700 } });
    expect(await balanceOf(accountId)).toBe(700);
    expect(await h.db.prisma.ledgerEntry.count({ where: { consumptionId: args.consumptionId } })).toBe(1);
  });

  it('replayed and concurrent attempts of one debit activity debit once and answer alike', async () => {
    const accountId = await funded(1_000);
    const acts = createActivities({ db: h.db.prisma });
    const args = input(accountId, 250);
    const first = await acts.debitConsumption(args);
    const again = await Promise.all(Array.from({ length: 20 }, () => acts.debitConsumption(args)));
    for (const r of again) expect(r).toEqual(first);
    expect(await balanceOf(accountId)).toBe(750);
    expect(await h.db.prisma.consumption.count({ where: { id: args.consumptionId } })).toBe(1);
    expect(await checkLedgerIntegrity(h.db.prisma)).toEqual([]);
  });

  it('a consumption beyond the balance answers insufficient_balance and leaves no consumption and no entry', async () => {
    const accountId = await funded(100);
    const taskQueue = h.newTaskQueue();
    const worker = await h.createWorker({ taskQueue });
    const args = input(accountId, 101);
    const result = await worker.runUntil(
      h.env.client.workflow.execute<ConsumptionWorkflow>(consumptionWorkflowType, {
        workflowId: consumptionWorkflowId(args.consumptionId),
        taskQueue,
        args: [args],
      }),
    );
    expect(result).toEqual({ status: 'insufficient_balance', balance: 100, required: 101, fundingAccountId: accountId });
    expect(await h.db.prisma.consumption.count({ where: { id: args.consumptionId } })).toBe(0);
    expect(await h.db.prisma.ledgerEntry.count({ where: { walletId: accountId } })).toBe(1);
    expect(await balanceOf(accountId)).toBe(100);
  });

  it('a new worker after a restart carries on: consumptions before and after it each debit once', async () => {
    const accountId = await funded(1_000);
    const taskQueue = h.newTaskQueue();
    const a = input(accountId, 100);
    const b = input(accountId, 200);
    const w1 = await h.createWorker({ taskQueue, options: { maxCachedWorkflows: 0 } });
    await w1.runUntil(
      h.env.client.workflow.execute<ConsumptionWorkflow>(consumptionWorkflowType, { workflowId: consumptionWorkflowId(a.consumptionId), taskQueue, args: [a] }),
    );
    const w2 = await h.createWorker({ taskQueue });
    const rb = await w2.runUntil(
      h.env.client.workflow.execute<ConsumptionWorkflow>(consumptionWorkflowType, { workflowId: consumptionWorkflowId(b.consumptionId), taskQueue, args: [b] }),
    );
    expect(rb).toMatchObject({ status: 'succeeded', consumption: { balanceAfter: 700 } });
    expect(await balanceOf(accountId)).toBe(700);
    expect(await checkLedgerIntegrity(h.db.prisma)).toEqual([]);
  });
});
