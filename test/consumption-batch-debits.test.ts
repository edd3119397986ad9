// The batch debit activity on real PostgreSQL, without Temporal: the balance alerts and auto-recharge
// claims of a batch that debits a wallet for many items in one transaction. A batch emits each threshold
// crossing once (over its wallet's whole change, naming its last debit entry), also when batches and
// single debits race on one wallet; a retried batch emits nothing new. The auto-recharge claim is won by
// one debit of the account at a time, single or batched; a retried batch that won it asks again.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/db.ts';
import { until } from './support/wait.ts';
import { createAccount } from '../db/accounts.ts';
import { checkLedgerIntegrity, post } from '../db/ledger.ts';
import { setBalanceAlerts } from '../db/balance-alerts.ts';
import { consumptionDebitKey } from '../db/consumption-debits.ts';
import { createConsumptionBatchActivities } from '../activities/consumption-batch.ts';
import { createConsumptionActivities } from '../activities/consumption.ts';
import type { BatchConsumptionInput } from '../workflows/consumption-batch/definitions.ts';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 30 });
});

afterAll(async () => {
  await db?.drop();
});

async function wallet(balance: number) {
  const { account } = await createAccount(db.prisma, { name: 'Shop' });
  await post(db.prisma, { walletId: account.id, accountId: account.id, kind: 'adjustment', amount: balance, businessKey: `seed:${account.id}` });
  return account.id;
}

const items = (walletId: string, amounts: number[]): BatchConsumptionInput[] =>
  amounts.map((amount) => ({ consumptionId: randomUUID(), accountId: walletId, fundingAccountId: walletId, amount }));

async function lowEvents(walletId: string) {
  const events = await db.prisma.webhookEvent.findMany({ where: { accountId: walletId, type: { startsWith: 'balance.' } }, orderBy: { createdAt: 'asc' } });
  return events.map((e) => {
    const d = e.data as { threshold: number; cause: string; balance: number; previousBalance: number };
    return { type: e.type, threshold: d.threshold, cause: d.cause, balance: d.balance, previousBalance: d.previousBalance };
  });
}

const balanceOf = async (walletId: string) => Number((await db.prisma.wallet.findUniqueOrThrow({ where: { accountId: walletId } })).balance);

describe('balance alerts of batched debits', () => {
  it('a batch crossing two thresholds emits balance.low once for each, naming its last debit; sent again it emits nothing', async () => {
    const id = await wallet(30_000);
    await setBalanceAlerts(db.prisma, id, [20_000, 10_000, 1_000]);
    const { debitConsumptionBatch } = createConsumptionBatchActivities({ db: db.prisma });
    const input = { items: items(id, [6_000, 6_000, 6_000, 6_000, 7_000]) }; // 24k 18k 12k 6k, then 7k refused
    const first = await debitConsumptionBatch(input);
    expect(first.outcomes.map((o) => o.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded', 'insufficient_balance']);
    const cause = consumptionDebitKey(input.items[3]!.consumptionId);
    const expected = [
      { type: 'balance.low', threshold: 20_000, cause, balance: 6_000, previousBalance: 30_000 },
      { type: 'balance.low', threshold: 10_000, cause, balance: 6_000, previousBalance: 30_000 },
    ];
    expect(await lowEvents(id)).toEqual(expected);
    // A retried attempt finds every decision taken and writes nothing, events included.
    expect(await debitConsumptionBatch(input)).toEqual(first);
    expect(await lowEvents(id)).toEqual(expected);
    expect(await checkLedgerIntegrity(db.prisma)).toEqual([]);
  });

  it('racing batches and single debits on one wallet: each threshold crossed once is emitted once, by the change that crossed it', async () => {
    const id = await wallet(100_000);
    const thresholds = [75_000, 50_000, 25_000, 5_000];
    await setBalanceAlerts(db.prisma, id, thresholds);
    const { debitConsumptionBatch } = createConsumptionBatchActivities({ db: db.prisma });
    const { debitConsumption } = createConsumptionActivities({ db: db.prisma });
    // 8 batches of 20 × 500 and 40 single debits of 500: 100,000 in all, so every threshold is crossed.
    await Promise.all([
      ...Array.from({ length: 8 }, () => debitConsumptionBatch({ items: items(id, Array(20).fill(500)) })),
      ...Array.from({ length: 40 }, () => debitConsumption({ consumptionId: randomUUID(), accountId: id, amount: 500 })),
    ]);
    expect(await balanceOf(id)).toBe(0);
    const events = await lowEvents(id);
    expect(events.map((e) => e.threshold).sort((a, b) => b - a)).toEqual(thresholds);
    for (const e of events) {
      expect(e.type).toBe('balance.low');
      // The cause is a debit entry of this wallet that left the balance below the threshold, and the
      // change it closed started at or above it.
      const entry = await db.prisma.ledgerEntry.findUniqueOrThrow({ where: { businessKey: e.cause } });
      expect(entry.walletId).toBe(id);
      expect(Number(entry.balanceAfter)).toBe(e.balance);
      expect(e.balance).toBeLessThan(e.threshold);
      expect(e.previousBalance).toBeGreaterThanOrEqual(e.threshold);
    }
    expect(await checkLedgerIntegrity(db.prisma)).toEqual([]);
  });
});

describe('single debits racing on one key', () => {
  it('20 racing first attempts of one consumption debit once and answer alike (the losers roll back on the unique business key and find the winner)', async () => {
    const id = await wallet(1_000);
    const { debitConsumption } = createConsumptionActivities({ db: db.prisma });
    const input = { consumptionId: randomUUID(), accountId: id, amount: 250, reference: 'r' };
    // The pool opens its connections on demand: open 20 first (each held a moment), so that the 20
    // attempts run side by side.
    await Promise.all(Array.from({ length: 20 }, () => db.prisma.$transaction((tx) => tx.$executeRaw`SELECT pg_sleep(0.2)`)));
    // Every attempt queues behind a held lock of the wallet, so they all read before any of them commits.
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM "Wallet" WHERE "accountId" = $1 FOR UPDATE', [id]);
    const racing = Promise.all(Array.from({ length: 20 }, () => debitConsumption(input)));
    await until(async () => {
      const { rows } = await holder.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
      );
      return rows[0]!.n >= 20;
    }, 'the 20 attempts to wait for the wallet');
    await holder.query('COMMIT');
    await holder.end();
    const answers = await racing;
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(answers[0]).toMatchObject({ id: input.consumptionId, amount: 250, balanceAfter: 750, reference: 'r', autoRechargeDue: false });
    expect(await balanceOf(id)).toBe(750);
    expect(await db.prisma.ledgerEntry.count({ where: { consumptionId: input.consumptionId } })).toBe(1);
    expect(await checkLedgerIntegrity(db.prisma)).toEqual([]);
  });
});

describe('auto-recharge claims of batched debits', () => {
  async function withAutoRecharge(balance: number, threshold: number) {
    const id = await wallet(balance);
    await db.prisma.autoRecharge.create({ data: { accountId: id, threshold: BigInt(threshold), amount: 50_000n, paymentMethodId: randomUUID() } });
    return id;
  }

  it('the batch that takes the balance below the threshold wins the claim and asks once; sent again it asks again; another batch meanwhile asks nothing', async () => {
    const id = await withAutoRecharge(16_000, 15_000);
    const { debitConsumptionBatch } = createConsumptionBatchActivities({ db: db.prisma });
    const input = { items: items(id, [500, 500, 500]) }; // 15,500, 15,000, 14,500
    const first = await debitConsumptionBatch(input);
    expect(first.autoRecharge).toEqual([{ accountId: id, consumptionId: input.items[2]!.consumptionId, balanceAfter: 14_500 }]);
    expect(await db.prisma.autoRecharge.findUniqueOrThrow({ where: { accountId: id } })).toMatchObject({ requestedBy: input.items[2]!.consumptionId });
    // A retried attempt (its request may have been lost) asks again; the recharge is one per account.
    expect((await debitConsumptionBatch(input)).autoRecharge).toEqual(first.autoRecharge);
    // While the claim is held, further debits below the threshold, batched or single, send nothing.
    expect((await debitConsumptionBatch({ items: items(id, [100]) })).autoRecharge).toEqual([]);
    const { debitConsumption } = createConsumptionActivities({ db: db.prisma });
    expect(await debitConsumption({ consumptionId: randomUUID(), accountId: id, amount: 100 })).toMatchObject({ autoRechargeDue: false });
  });

  it('a batch refused for want of points below the threshold asks for a recharge too; one above the threshold asks nothing', async () => {
    const low = await withAutoRecharge(100, 15_000);
    const high = await withAutoRecharge(40_000, 15_000);
    const { debitConsumptionBatch } = createConsumptionBatchActivities({ db: db.prisma });
    const input = { items: [...items(low, [500]), ...items(high, [500, 500])] };
    const res = await debitConsumptionBatch(input);
    expect(res.outcomes.map((o) => o.status)).toEqual(['insufficient_balance', 'succeeded', 'succeeded']);
    expect(res.autoRecharge).toEqual([{ accountId: low, consumptionId: input.items[0]!.consumptionId, balanceAfter: 100 }]);
  });
});
