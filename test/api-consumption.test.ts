// Consumption over HTTP (Express + Temporal dev server + worker + PostgreSQL): partner billing with both
// kinds of sub-accounts, 402 leaving nothing behind, price-list items, and hundreds of concurrent
// consumptions on one wallet never overdrawing it.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestService, type TestService } from './support/service.ts';
import { checkLedgerIntegrity, post } from '../db/ledger.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ contract: true });
});
afterAll(async () => {
  await svc?.stop();
});

type Key = { id: string; apiKey: string };

const consume = (as: Key, body: object, key = `c-${randomUUID()}`) => svc.as(as.apiKey).post('/v1/consumptions', body, key);
const balanceOf = async (as: Key, accountId: string) => (await svc.as(as.apiKey).get(`/v1/accounts/${accountId}/balance`)).body;
const ledgerOf = async (as: Key, accountId: string) =>
  (await svc.as(as.apiKey).get(`/v1/accounts/${accountId}/ledger?limit=200`)).body.entries as Array<Record<string, unknown>>;

describe('partner billing', () => {
  it("a parent-billed child's consumption debits its partner and shows in the partner's ledger with the child's accountId; an own-billed child pays itself", async () => {
    const partner = await svc.account({ name: 'Partner', balance: 1_000 });
    const billed = await svc.account({ name: 'Parent-billed', parentId: partner.id, billingMode: 'parent' });
    const own = await svc.account({ name: 'Own-billed', parentId: partner.id, billingMode: 'own', balance: 200 });

    // The partner's key acts for both sub-accounts; the parent-billed child's own key works too.
    const byPartner = await consume(partner, { accountId: billed.id, amount: 50, reference: 'inv-1' });
    expect(byPartner.status).toBe(201);
    expect(byPartner.body).toMatchObject({ accountId: billed.id, fundingAccountId: partner.id, amount: 50, balanceAfter: 950, reference: 'inv-1' });
    const byChild = await consume(billed, { accountId: billed.id, amount: 30 });
    expect(byChild.status).toBe(201);
    expect(byChild.body).toMatchObject({ accountId: billed.id, fundingAccountId: partner.id, balanceAfter: 920 });
    const forOwn = await consume(partner, { accountId: own.id, amount: 20 });
    expect(forOwn.status).toBe(201);
    expect(forOwn.body).toMatchObject({ accountId: own.id, fundingAccountId: own.id, balanceAfter: 180 });

    const partnerLedger = await ledgerOf(partner, partner.id);
    expect(partnerLedger.filter((e) => e.kind === 'consumption')).toEqual([
      expect.objectContaining({ amount: -30, balanceAfter: 920, accountId: billed.id, fundingAccountId: partner.id, consumptionId: byChild.body.id }),
      expect.objectContaining({ amount: -50, balanceAfter: 950, accountId: billed.id, fundingAccountId: partner.id, consumptionId: byPartner.body.id }),
    ]);
    expect(partnerLedger.some((e) => e.consumptionId === forOwn.body.id)).toBe(false);

    // The partner reads its sub-accounts' history and balances.
    const billedHistory = await ledgerOf(partner, billed.id);
    expect(billedHistory.map((e) => e.consumptionId)).toEqual([byChild.body.id, byPartner.body.id]);
    expect(await ledgerOf(partner, own.id)).toEqual([
      expect.objectContaining({ kind: 'consumption', amount: -20, accountId: own.id, fundingAccountId: own.id }),
      expect.objectContaining({ kind: 'adjustment', amount: 200 }),
    ]);
    expect(await balanceOf(partner, billed.id)).toMatchObject({ accountId: billed.id, fundingAccountId: partner.id, balance: 920 });
    expect(await balanceOf(partner, own.id)).toMatchObject({ accountId: own.id, fundingAccountId: own.id, balance: 180 });
    expect((await svc.as(partner.apiKey).get(`/v1/consumptions/${byChild.body.id}`)).status).toBe(200);

    // A sub-account sees neither its partner nor its sibling.
    for (const path of [`/v1/accounts/${partner.id}/ledger`, `/v1/accounts/${own.id}/balance`, `/v1/consumptions/${forOwn.body.id}`]) {
      expect((await svc.as(billed.apiKey).get(path)).status).toBe(404);
    }
    expect((await consume(billed, { accountId: own.id, amount: 1 })).status).toBe(404);
    expect((await consume(own, { accountId: partner.id, amount: 1 })).status).toBe(404);
    expect(await checkLedgerIntegrity(svc.db.prisma)).toEqual([]);
  });
});

describe('insufficient balance', () => {
  it('402 insufficient_balance with the balance and the amount required, leaving nothing behind; its key replays the 402', async () => {
    const partner = await svc.account({ name: 'Partner', balance: 100 });
    const child = await svc.account({ parentId: partner.id, billingMode: 'parent' });
    const res = await consume(child, { accountId: child.id, amount: 101 }, 'too-much');
    expect(res.status).toBe(402);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.body).toMatchObject({ code: 'insufficient_balance', status: 402, balance: 100, required: 101, fundingAccountId: partner.id });

    expect(await svc.db.prisma.consumption.count({ where: { accountId: child.id } })).toBe(0);
    expect(await svc.db.prisma.ledgerEntry.count({ where: { OR: [{ walletId: partner.id }, { accountId: child.id }] } })).toBe(1); // the seed
    expect((await balanceOf(partner, partner.id)).balance).toBe(100);

    // The answer is stored for the key: a top-up afterwards does not turn the replay into a debit.
    await post(svc.db.prisma, { walletId: partner.id, accountId: partner.id, kind: 'adjustment', amount: 1_000, businessKey: `topup:${partner.id}` });
    const replay = await consume(child, { accountId: child.id, amount: 101 }, 'too-much');
    expect(replay.status).toBe(402);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(await svc.db.prisma.consumption.count({ where: { accountId: child.id } })).toBe(0);
    expect((await consume(child, { accountId: child.id, amount: 101 }, 'after-topup')).body.balanceAfter).toBe(999);
  });

  it('a twin arriving after a refused consumption ended gets the 402, never a debit, even after a top-up', async () => {
    const a = await svc.account({ balance: 10 });
    const first = await consume(a, { accountId: a.id, amount: 50 }, 'refused-twin');
    expect(first.status).toBe(402);
    // As if a racing twin's handler runs only now: the answer is not stored yet and the balance has grown.
    await svc.db.prisma.idempotencyRecord.updateMany({
      where: { principal: `account:${a.id}`, key: 'refused-twin' },
      data: { responseStatus: null, completedAt: null },
    });
    await post(svc.db.prisma, { walletId: a.id, accountId: a.id, kind: 'adjustment', amount: 1_000, businessKey: `topup:${a.id}` });
    const twin = await consume(a, { accountId: a.id, amount: 50 }, 'refused-twin');
    expect(twin.status).toBe(402);
    expect(twin.body).toEqual(first.body);
    expect(await svc.db.prisma.consumption.count({ where: { accountId: a.id } })).toBe(0);
    expect((await balanceOf(a, a.id)).balance).toBe(1_010);
  });
});

describe('price-list items', () => {
  it('item and quantity are priced from the price list; the balance shows what it can still send', async () => {
    const a = await svc.account({ balance: 100 });
    const lms = await consume(a, { accountId: a.id, item: 'lms', quantity: 3, reference: 'campaign-7' });
    expect(lms.status).toBe(201);
    expect(lms.body).toMatchObject({ amount: 90, item: 'lms', quantity: 3, balanceAfter: 10 });
    expect((await balanceOf(a, a.id)).sendable).toEqual({ sms: 1, lms: 0, mms: 0, alimtalk: 1 });
    const sms = await consume(a, { accountId: a.id, item: 'sms' });
    expect(sms.body).toMatchObject({ amount: 9, quantity: 1, balanceAfter: 1 });
    const short = await consume(a, { accountId: a.id, item: 'alimtalk', quantity: 1 });
    expect(short.status).toBe(402);
    expect(short.body).toMatchObject({ balance: 1, required: 8 });
    const got = await svc.as(a.apiKey).get(`/v1/consumptions/${lms.body.id}`);
    expect(got.body).toMatchObject({ amount: 90, item: 'lms', quantity: 3, reference: 'campaign-7', refundedAmount: 0, refunds: [] });

    for (const body of [
      { accountId: a.id, item: 'fax', quantity: 1 },
      { accountId: a.id, item: 'sms', amount: 9 },
      { accountId: a.id, amount: 5, quantity: 2 },
      { accountId: a.id },
    ]) {
      const bad = await consume(a, body);
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('validation_error');
    }
    expect((await balanceOf(a, a.id)).balance).toBe(1);
  });
});

describe('concurrency', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer(svc.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('300 concurrent consumptions on a wallet that pays for exactly 120: exactly 120 succeed, 180 are 402, the ledger sums to the balance', async () => {
    const unit = 70;
    const affordable = 120;
    const partner = await svc.account({ name: 'Busy partner', balance: unit * affordable + unit - 1 });
    const child = await svc.account({ parentId: partner.id, billingMode: 'parent' });
    const results = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const res = await fetch(`${base}/v1/consumptions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${i % 2 ? partner.apiKey : ADMIN_KEY}`, 'content-type': 'application/json', 'idempotency-key': `load-${i}` },
          body: JSON.stringify({ accountId: i % 3 ? child.id : partner.id, amount: unit }),
        });
        return { status: res.status, body: (await res.json()) as { balanceAfter?: number; code?: string } };
      }),
    );
    const ok = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 402);
    expect(ok).toHaveLength(affordable);
    expect(refused).toHaveLength(300 - affordable);
    for (const r of refused) expect(r.body.code).toBe('insufficient_balance');
    // Every successful debit saw a distinct balance: no two debits were applied against the same one.
    expect(new Set(ok.map((r) => r.body.balanceAfter)).size).toBe(affordable);
    expect(Math.min(...ok.map((r) => r.body.balanceAfter!))).toBe(unit - 1);

    expect((await balanceOf(partner, partner.id)).balance).toBe(unit - 1);
    expect(await svc.db.prisma.ledgerEntry.count({ where: { walletId: partner.id, kind: 'consumption' } })).toBe(affordable);
    expect(await svc.db.prisma.consumption.count({ where: { fundingAccountId: partner.id } })).toBe(affordable);
    expect(await checkLedgerIntegrity(svc.db.prisma)).toEqual([]);
  }, 300_000);
});
