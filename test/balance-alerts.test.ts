// Balance alerts on real PostgreSQL: under concurrent debits and credits of one wallet, balance.low is
// emitted exactly once per downward crossing of a threshold and balance.recovered once per crossing back,
// each tied to the ledger entry that crossed — checked against the crossings recomputed from the ledger's
// own balanceAfter chain. Replayed postings emit nothing new.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/db.ts';
import { seedFundedAccount } from './support/seed.ts';
import { checkLedgerIntegrity, post } from '../db/ledger.ts';
import { setBalanceAlerts } from '../db/balance-alerts.ts';
import { BusinessError } from '../domain/errors.ts';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 30 });
});

afterAll(async () => {
  await db?.drop();
});

async function wallet(balance: number) {
  return (await seedFundedAccount(db.prisma, balance)).account.id;
}

/** The crossings the ledger's entries (after the seed) imply, in entry order. */
async function expectedCrossings(walletId: string, thresholds: number[]) {
  const entries = await db.prisma.ledgerEntry.findMany({ where: { walletId }, orderBy: { id: 'asc' } });
  const out: { type: string; threshold: number; cause: string }[] = [];
  let before = Number(entries[0]!.balanceAfter);
  for (const e of entries.slice(1)) {
    const after = Number(e.balanceAfter);
    for (const t of thresholds) {
      if (before >= t && after < t) out.push({ type: 'balance.low', threshold: t, cause: e.businessKey });
      if (before < t && after >= t) out.push({ type: 'balance.recovered', threshold: t, cause: e.businessKey });
    }
    before = after;
  }
  return out;
}

async function emitted(walletId: string) {
  const events = await db.prisma.webhookEvent.findMany({ where: { accountId: walletId, type: { startsWith: 'balance.' } }, orderBy: { createdAt: 'asc' } });
  return events.map((e) => {
    const d = e.data as { threshold: number; cause: string; balance: number; previousBalance: number };
    return { type: e.type, threshold: d.threshold, cause: d.cause, balance: d.balance, previousBalance: d.previousBalance };
  });
}

const key = (e: { type: string; threshold: number; cause: string }) => `${e.type}|${e.threshold}|${e.cause}`;

describe('balance alerts', () => {
  it('a debit crossing a threshold emits balance.low once; a credit back above emits balance.recovered once; staying on one side emits nothing', async () => {
    const id = await wallet(30_000);
    await setBalanceAlerts(db.prisma, id, [20_000, 10_000]);
    const debit = (amount: number, k: string = randomUUID()) =>
      post(db.prisma, { walletId: id, accountId: id, kind: 'consumption', amount: -amount, businessKey: k });
    await debit(5_000); // 25,000: above both
    expect(await emitted(id)).toEqual([]);
    await debit(6_000, 'd-cross'); // 19,000: below 20,000
    await debit(1_000); // 18,000: still below, nothing new
    await debit(9_000, 'd-both'); // 9,000: below 10,000
    await post(db.prisma, { walletId: id, accountId: id, kind: 'charge', amount: 50_000, businessKey: 'c-back' }); // 59,000: above both
    expect(await emitted(id)).toEqual([
      { type: 'balance.low', threshold: 20_000, cause: 'd-cross', balance: 19_000, previousBalance: 25_000 },
      { type: 'balance.low', threshold: 10_000, cause: 'd-both', balance: 9_000, previousBalance: 18_000 },
      { type: 'balance.recovered', threshold: 10_000, cause: 'c-back', balance: 59_000, previousBalance: 9_000 },
      { type: 'balance.recovered', threshold: 20_000, cause: 'c-back', balance: 59_000, previousBalance: 9_000 },
    ]);
    // A replayed posting (the same business key) finds its entry and emits nothing.
    await debit(9_000, 'd-both');
    await post(db.prisma, { walletId: id, accountId: id, kind: 'charge', amount: 50_000, businessKey: 'c-back' });
    expect(await emitted(id)).toHaveLength(4);
  });

  it('under 150 concurrent debits and credits, every crossing is emitted exactly once and nothing else', async () => {
    const id = await wallet(60_000);
    const thresholds = [15_000, 30_000, 45_000];
    await setBalanceAlerts(db.prisma, id, thresholds);
    // Deterministic pseudo-random amounts: debits of 1,000–9,000 and credits of 2,000–14,000.
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed / 2 ** 31);
    const ops = Array.from({ length: 150 }, (_, i) => {
      const credit = i % 3 === 0;
      const amount = credit ? 2_000 + Math.floor(rnd() * 12) * 1_000 : 1_000 + Math.floor(rnd() * 9) * 1_000;
      return { kind: credit ? ('charge' as const) : ('consumption' as const), amount: credit ? amount : -amount, businessKey: `op-${id}-${i}` };
    });
    const results = await Promise.allSettled(ops.map((op) => post(db.prisma, { walletId: id, accountId: id, ...op })));
    for (const r of results) if (r.status === 'rejected') expect((r.reason as BusinessError).code).toBe('insufficient_balance');
    // Replays of every operation, concurrently: no new entries, no new events.
    await Promise.allSettled(ops.map((op) => post(db.prisma, { walletId: id, accountId: id, ...op })));

    const expected = await expectedCrossings(id, thresholds);
    const got = await emitted(id);
    // How many crossings happen depends on the order the database serialised the operations in (not
    // controlled here); the run must have some, and exactly those must have been emitted.
    expect(expected.length).toBeGreaterThan(0);
    expect(got.map(key).sort()).toEqual(expected.map(key).sort());
    expect(new Set(got.map(key)).size).toBe(got.length);
    // Per threshold, lows and recoveries alternate, starting with a low (the wallet started above all).
    for (const t of thresholds) {
      const seq = expected.filter((e) => e.threshold === t).map((e) => e.type);
      seq.forEach((type, i) => expect(type).toBe(i % 2 === 0 ? 'balance.low' : 'balance.recovered'));
      const emittedSeq = got.filter((e) => e.threshold === t);
      expect(emittedSeq).toHaveLength(seq.length);
    }
    console.log(`[figures] 150 concurrent postings: ${results.filter((r) => r.status === 'fulfilled').length} applied, ${got.length} crossings emitted`);
    expect(await checkLedgerIntegrity(db.prisma)).toEqual([]);
  });
});
