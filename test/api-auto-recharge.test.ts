// The auto-recharge endpoints end to end (Express + the Temporal dev server + real worker and activities
// + PostgreSQL): PUT/GET of the settings, validation, tenant isolation, parent-billed accounts, and the
// race: 20 concurrent consumptions that all leave the balance below the threshold answer without waiting
// for the recharge and produce exactly one auto-recharge charge.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from './support/service.ts';
import { checkLedgerIntegrity } from '../db/ledger.ts';
import { until } from './support/wait.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ contract: true });
});
afterAll(async () => {
  await svc?.stop();
});

let keySeq = 0;
const idemKey = () => `consume-${Date.now()}-${keySeq++}`;

async function storedCard(account: { id: string; apiKey: string }, cardToken = 'tok_visa'): Promise<string> {
  const res = await svc.as(account.apiKey).post(`/v1/accounts/${account.id}/payment-methods`, { cardToken });
  expect(res.status).toBe(201);
  return res.body.id;
}

const path = (id: string) => `/v1/accounts/${id}/auto-recharge`;

describe('PUT/GET /v1/accounts/{id}/auto-recharge', () => {
  it('saves the settings (threshold defaults to 15,000) and reads them back with their state', async () => {
    // Above the threshold: saving starts no recharge (below it, it would; see below).
    const a = await svc.account({ balance: 100_000 });
    const card = await storedCard(a);
    const put = await svc.as(a.apiKey).put(path(a.id), { enabled: true, amount: 50_000, paymentMethodId: card, monthlyLimit: 200_000 });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      accountId: a.id,
      enabled: true,
      threshold: 15_000,
      amount: 50_000,
      paymentMethodId: card,
      monthlyLimit: 200_000,
      consecutiveFailures: 0,
      disabledAt: null,
      disabledReason: null,
      chargedThisMonth: 0,
      remainingThisMonth: 200_000,
    });
    const get = await svc.as(a.apiKey).get(path(a.id));
    expect(get.status).toBe(200);
    expect(get.body).toEqual(put.body);

    const off = await svc.as(a.apiKey).put(path(a.id), { enabled: false, threshold: 20_000, amount: 60_000, paymentMethodId: card, monthlyLimit: null });
    expect(off.body).toMatchObject({ enabled: false, threshold: 20_000, amount: 60_000, monthlyLimit: null, remainingThisMonth: null });
  });

  it('GET answers 404 before anything is set', async () => {
    const a = await svc.account();
    expect((await svc.as(a.apiKey).get(path(a.id))).body).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('refuses invalid bodies with 400 validation_error', async () => {
    const a = await svc.account();
    const card = await storedCard(a);
    const bad = [
      {},
      { enabled: true, amount: 50_000 },
      { enabled: true, amount: 49_999, paymentMethodId: card },
      { enabled: true, amount: 100_000_001, paymentMethodId: card },
      { enabled: true, amount: 50_000.5, paymentMethodId: card },
      { enabled: true, amount: 50_000, paymentMethodId: 'not-a-uuid' },
      { enabled: true, amount: 50_000, paymentMethodId: card, threshold: -1 },
      { enabled: true, amount: 50_000, paymentMethodId: card, monthlyLimit: 40_000 },
      { enabled: 'yes', amount: 50_000, paymentMethodId: card },
      { enabled: true, amount: 50_000, paymentMethodId: card, extra: 1 },
    ];
    for (const body of bad) {
      const res = await svc.as(a.apiKey).put(path(a.id), body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe('validation_error');
    }
    expect(await svc.db.prisma.autoRecharge.count({ where: { accountId: a.id } })).toBe(0);
  });

  it("answers 404 for another account's card or another tenant's account; a partner may act for its sub-account", async () => {
    const a = await svc.account();
    const b = await svc.account();
    const cardA = await storedCard(a);
    const cardB = await storedCard(b);
    const settings = { enabled: true, amount: 50_000, paymentMethodId: cardB };
    expect((await svc.as(a.apiKey).put(path(a.id), settings)).body).toMatchObject({ status: 404, code: 'not_found' });
    expect((await svc.as(a.apiKey).put(path(b.id), settings)).status).toBe(404);
    expect((await svc.as(b.apiKey).put(path(a.id), { ...settings, paymentMethodId: cardA })).status).toBe(404);
    await svc
      .as(a.apiKey)
      .put(path(a.id), { ...settings, paymentMethodId: cardA })
      .expect(200);
    expect((await svc.as(b.apiKey).get(path(a.id))).status).toBe(404);
    expect((await svc.admin.get(path(a.id))).status).toBe(200);

    const own = await svc.account({ parentId: a.id, billingMode: 'own' });
    const ownCard = await storedCard(own);
    expect((await svc.as(a.apiKey).put(path(own.id), { ...settings, paymentMethodId: ownCard })).status).toBe(200);
  });

  it('refuses a parent-billed account with 409 invalid_state (its partner’s wallet is the funding account)', async () => {
    const partner = await svc.account();
    const sub = await svc.account({ parentId: partner.id, billingMode: 'parent' });
    const card = await storedCard(sub);
    const res = await svc.as(partner.apiKey).put(path(sub.id), { enabled: true, amount: 50_000, paymentMethodId: card });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('invalid_state');
  });
});

describe('auto-recharge through consumptions', () => {
  it('saving the settings while the balance is already below the threshold recharges without waiting for a debit', async () => {
    const a = await svc.account({ balance: 1_000 });
    const card = await storedCard(a);
    await svc.as(a.apiKey).put(path(a.id), { enabled: true, amount: 50_000, paymentMethodId: card }).expect(200);
    await until(async () => (await svc.as(a.apiKey).get(path(a.id))).body.chargedThisMonth === 50_000, 'the recharge');
    expect((await svc.as(a.apiKey).get(`/v1/accounts/${a.id}/balance`)).body.balance).toBe(51_000);
    expect(await svc.db.prisma.charge.count({ where: { accountId: a.id, origin: 'auto_recharge' } })).toBe(1);
  });

  it('a consumption refused with 402 below the threshold starts a recharge, after which the same request passes', async () => {
    // An account already below its threshold whose every debit is refused never crosses it downwards.
    const a = await svc.account({ balance: 5_000 });
    const card = await storedCard(a);
    await svc.db.prisma.autoRecharge.create({ data: { accountId: a.id, threshold: 15_000n, amount: 50_000n, paymentMethodId: card } });
    const refused = await svc.as(a.apiKey).post('/v1/consumptions', { accountId: a.id, amount: 20_000 }, idemKey());
    expect(refused.status).toBe(402);
    await until(async () => (await svc.as(a.apiKey).get(path(a.id))).body.chargedThisMonth === 50_000, 'the recharge');
    const again = await svc.as(a.apiKey).post('/v1/consumptions', { accountId: a.id, amount: 20_000 }, idemKey());
    expect(again.status).toBe(201);
    expect(again.body.balanceAfter).toBe(5_000 + 50_000 - 20_000);
    expect(await checkLedgerIntegrity(svc.db.prisma)).toEqual([]);
  });

  it('20 concurrent consumptions that all cross below the threshold answer at once and produce exactly one recharge', async () => {
    const a = await svc.account({ balance: 15_050 });
    const card = await storedCard(a);
    await svc.as(a.apiKey).put(path(a.id), { enabled: true, amount: 50_000, paymentMethodId: card }).expect(200);

    const responses = await Promise.all(
      Array.from({ length: 20 }, () => svc.as(a.apiKey).post('/v1/consumptions', { accountId: a.id, amount: 100 }, idemKey())),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
    // Every answer is the debit's own balance (the recharge may credit between two debits: the service
    // never promised an order between them, only that each answer is its own entry's balance).
    for (const r of responses) {
      const entry = await svc.db.prisma.ledgerEntry.findFirstOrThrow({ where: { consumptionId: r.body.id } });
      expect(r.body.balanceAfter).toBe(Number(entry.balanceAfter));
    }
    expect(new Set(responses.map((r) => r.body.balanceAfter)).size).toBe(20);

    const settled = await until(async () => {
      const s = (await svc.as(a.apiKey).get(path(a.id))).body;
      return s.chargedThisMonth === 50_000 && s;
    }, 'the recharge');
    expect(settled).toMatchObject({ enabled: true, consecutiveFailures: 0 });
    // Let any request that arrived late finish its (empty) run.
    await new Promise((r) => setTimeout(r, 500));

    const charges = await svc.db.prisma.charge.findMany({ where: { accountId: a.id } });
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({ origin: 'auto_recharge', method: 'card', status: 'succeeded', paymentMethodId: card });
    const balance = (await svc.as(a.apiKey).get(`/v1/accounts/${a.id}/balance`)).body;
    expect(balance.balance).toBe(15_050 - 2_000 + 50_000);
    const charge = await svc.as(a.apiKey).get(`/v1/charges/${charges[0]!.id}`);
    expect(charge.body).toMatchObject({ origin: 'auto_recharge', status: 'succeeded', creditedAmount: 50_000 });
    expect(await checkLedgerIntegrity(svc.db.prisma)).toEqual([]);
  });
});
