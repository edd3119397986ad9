// The ledger core against real PostgreSQL: conditional debits never overdraw under concurrency, replayed
// business keys apply once, and the integrity check sees every wallet sum to its entries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/db.ts';
import { seedFundedAccount } from './support/seed.ts';
import { checkLedgerIntegrity, post } from '../db/ledger.ts';
import { BusinessError } from '../domain/errors.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 30 });
});
afterAll(async () => {
  await db?.drop();
});

async function fundedAccount(balance: number) {
  return (await seedFundedAccount(db.prisma, balance)).account;
}

describe('ledger core on PostgreSQL', () => {
  it('credits and debits carry balanceAfter and sum to the wallet balance', async () => {
    const a = await fundedAccount(1_000);
    const d = await post(db.prisma, { walletId: a.id, accountId: a.id, kind: 'consumption', amount: -300, businessKey: `d1:${a.id}` });
    expect(d.balanceAfter).toBe(700);
    const c = await post(db.prisma, { walletId: a.id, accountId: a.id, kind: 'refund', amount: 100, businessKey: `c1:${a.id}` });
    expect(c.balanceAfter).toBe(800);
    expect(await checkLedgerIntegrity(db.prisma)).toEqual([]);
  });

  it('refuses a debit beyond the balance with insufficient_balance and changes nothing', async () => {
    const a = await fundedAccount(100);
    const err = await post(db.prisma, { walletId: a.id, accountId: a.id, kind: 'consumption', amount: -101, businessKey: `over:${a.id}` }).catch((e) => e);
    expect(err).toBeInstanceOf(BusinessError);
    expect(err.code).toBe('insufficient_balance');
    expect(err.details).toMatchObject({ balance: 100, required: 101 });
    const wallet = await db.prisma.wallet.findUniqueOrThrow({ where: { accountId: a.id } });
    expect(wallet.balance).toBe(100n);
    expect(await db.prisma.ledgerEntry.count({ where: { walletId: a.id } })).toBe(1);
  });

  it('a replayed business key applies once and returns the first entry', async () => {
    const a = await fundedAccount(500);
    const input = { walletId: a.id, accountId: a.id, kind: 'consumption' as const, amount: -200, businessKey: `replay:${a.id}` };
    const first = await post(db.prisma, input);
    const second = await post(db.prisma, input);
    expect(second.id).toBe(first.id);
    expect(second.replayed).toBe(true);
    const wallet = await db.prisma.wallet.findUniqueOrThrow({ where: { accountId: a.id } });
    expect(wallet.balance).toBe(300n);
  });

  it('200 parallel debits on one wallet: exactly as many succeed as the balance allows, none lost', async () => {
    const a = await fundedAccount(10_000);
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) =>
        post(db.prisma, { walletId: a.id, accountId: a.id, kind: 'consumption', amount: -70, businessKey: `par:${a.id}:${i}` }),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    expect(ok).toHaveLength(Math.floor(10_000 / 70)); // 142
    for (const r of refused) expect((r as PromiseRejectedResult).reason.code).toBe('insufficient_balance');
    const wallet = await db.prisma.wallet.findUniqueOrThrow({ where: { accountId: a.id } });
    expect(wallet.balance).toBe(BigInt(10_000 - 142 * 70));
    expect(await db.prisma.ledgerEntry.count({ where: { walletId: a.id, kind: 'consumption' } })).toBe(142);
    expect(await checkLedgerIntegrity(db.prisma)).toEqual([]);
  });

  it('50 racing attempts of the same business key debit once', async () => {
    const a = await fundedAccount(1_000);
    const input = { walletId: a.id, accountId: a.id, kind: 'consumption' as const, amount: -10, businessKey: `race:${a.id}` };
    const results = await Promise.all(Array.from({ length: 50 }, () => post(db.prisma, input)));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    const wallet = await db.prisma.wallet.findUniqueOrThrow({ where: { accountId: a.id } });
    expect(wallet.balance).toBe(990n);
    expect(await checkLedgerIntegrity(db.prisma)).toEqual([]);
  });

  it('the ledger is append-only: updates and deletes are refused by the database', async () => {
    const a = await fundedAccount(10);
    await expect(db.prisma.ledgerEntry.updateMany({ where: { walletId: a.id }, data: { amount: 1_000_000n } })).rejects.toThrow(/append-only/);
    await expect(db.prisma.ledgerEntry.deleteMany({ where: { walletId: a.id } })).rejects.toThrow(/append-only/);
  });

  it('the integrity check reports a wallet whose cached balance drifted from its entries', async () => {
    const a = await fundedAccount(10);
    await db.prisma.$executeRaw`UPDATE "Wallet" SET "balance" = 11 WHERE "accountId" = ${a.id}::uuid`;
    const problems = await checkLedgerIntegrity(db.prisma);
    expect(problems).toContainEqual(expect.objectContaining({ walletId: a.id, problem: 'balance_differs_from_entries' }));
    await db.prisma.$executeRaw`UPDATE "Wallet" SET "balance" = 10 WHERE "accountId" = ${a.id}::uuid`;
  });
});
