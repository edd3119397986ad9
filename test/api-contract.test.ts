// The contract is the document: real answers of the main routes — accounts, charges, charge links,
// consumptions and refunds, bank deposits, webhooks, the admin's lists — validate against the service's
// own /openapi.json (generated from the zod schemas), and the check itself refuses what the document does
// not allow, saying where.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { startTestService, type TestService } from './support/service.ts';
import { signatureHeader } from '../api/webhook-signature.ts';
import { checkLedgerIntegrity } from '../db/ledger.ts';
import { until } from './support/wait.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ contract: true, env: { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' } });
});
afterAll(async () => {
  await svc?.stop();
});

let seq = 0;
const key = () => `contract-${Date.now()}-${seq++}`;
/** Answers outside as()/admin (the /pay pages, signed webhooks) are checked explicitly. */
const checked = async (t: request.Test) => {
  const res = await t;
  svc.contract!(res as never);
  return res;
};

describe('real answers validate against /openapi.json', () => {
  it('accounts: create, read, change, balance, ledger, stored cards, auto-recharge, balance alerts, prices', async () => {
    const created = await svc.admin.post('/v1/accounts', { name: 'Contract Co', businessRegistrationNumber: '220-81-62517', taxDocument: 'tax_invoice' });
    expect(created.status).toBe(201);
    const a = { id: created.body.id as string, apiKey: created.body.apiKey as string };
    const as = svc.as(a.apiKey);
    expect((await as.get(`/v1/accounts/${a.id}`)).status).toBe(200);
    expect((await svc.as(a.apiKey).put(`/v1/accounts/${a.id}/balance-alerts`, { thresholds: [10_000, 5_000] })).body.thresholds).toEqual([5_000, 10_000]);
    expect((await as.get(`/v1/accounts/${a.id}/balance-alerts`)).status).toBe(200);
    const card = await as.post(`/v1/accounts/${a.id}/payment-methods`, { cardToken: 'tok_visa' });
    expect(card.status).toBe(201);
    const auto = await svc
      .as(a.apiKey)
      .put(`/v1/accounts/${a.id}/auto-recharge`, { enabled: false, amount: 50_000, paymentMethodId: card.body.id, monthlyLimit: null });
    expect(auto.status).toBe(200);
    expect((await as.get(`/v1/accounts/${a.id}/auto-recharge`)).body).toMatchObject({ enabled: false, amount: 50_000 });
    const charge = await as.post('/v1/charges', { accountId: a.id, amount: 60_000, method: 'card', paymentMethodId: card.body.id }, key());
    expect(charge.status).toBe(201);
    const balance = await as.get(`/v1/accounts/${a.id}/balance`);
    expect(balance.body).toMatchObject({ balance: 60_000 });
    const ledger = await as.get(`/v1/accounts/${a.id}/ledger?limit=1`);
    expect(ledger.body.entries).toHaveLength(1);
    expect((await as.get('/v1/prices')).body.items.length).toBeGreaterThan(0);
    // Problems too: unknown and foreign resources, bad input.
    expect((await as.get(`/v1/accounts/${randomUUID()}`)).status).toBe(404);
    expect((await as.get('/v1/accounts/not-a-uuid')).status).toBe(400);
    expect((await svc.as('pk_nobody').get(`/v1/accounts/${a.id}`)).status).toBe(401);
    await checkLedgerIntegrity(svc.db.prisma);
  });

  it('charges: bank transfer confirmed, rejected and cancelled, a virtual account, the list and one charge', async () => {
    const a = await svc.account();
    const as = svc.as(a.apiKey);
    const open = async (method: 'bank_transfer' | 'virtual_account') => {
      const res = await as.post('/v1/charges', { accountId: a.id, amount: 70_000, method }, key());
      expect(res.status).toBe(202);
      return res.body.id as string;
    };
    const confirmed = await open('bank_transfer');
    expect((await svc.admin.post(`/v1/charges/${confirmed}/confirm-deposit`, { depositedAmount: 70_000, memo: 'ok' })).body.status).toBe('succeeded');
    const rejected = await open('bank_transfer');
    expect((await svc.admin.post(`/v1/charges/${rejected}/reject`, { reason: 'not ours' })).body.status).toBe('rejected');
    const cancelled = await open('virtual_account');
    expect((await as.post(`/v1/charges/${cancelled}/cancel`, {})).body.status).toBe('cancelled');
    // invalid_state on a closed charge, and a foreign tenant's 404.
    expect((await svc.admin.post(`/v1/charges/${cancelled}/confirm-deposit`, { depositedAmount: 70_000 })).status).toBe(409);
    expect((await svc.as((await svc.account()).apiKey).get(`/v1/charges/${confirmed}`)).status).toBe(404);
    const one = await as.get(`/v1/charges/${confirmed}`);
    expect(one.body.timeline.length).toBeGreaterThan(0);
    const list = await as.get(`/v1/charges?accountId=${a.id}&limit=2`);
    expect(list.body.charges).toHaveLength(2);
    expect(list.body.nextCursor).toEqual(expect.any(String));
    expect((await svc.admin.get('/v1/charges?status=awaiting_deposit')).status).toBe(200);
    await checkLedgerIntegrity(svc.db.prisma);
  });

  it('consumptions and refunds: credited, reviewed and approved, rejected, listed', async () => {
    const a = await svc.account({ balance: 100_000 });
    const as = svc.as(a.apiKey);
    const consumption = await as.post('/v1/consumptions', { accountId: a.id, amount: 30_000 }, key());
    expect(consumption.status).toBe(201);
    const id = consumption.body.id as string;
    expect((await as.post(`/v1/consumptions/${id}/refunds`, { amount: 1_000, reason: 'send_failed' }, key())).status).toBe(201);
    const review = await as.post(`/v1/consumptions/${id}/refunds`, { amount: 2_000, reason: 'other', memo: 'please' }, key());
    expect(review.status).toBe(202);
    expect((await svc.admin.post(`/v1/refunds/${review.body.id}/approve`, {})).body.status).toBe('succeeded');
    const refused = await as.post(`/v1/consumptions/${id}/refunds`, { amount: 3_000, reason: 'wrong_service' }, key());
    expect((await svc.admin.post(`/v1/refunds/${refused.body.id}/reject`, { reason: 'sent fine' })).body.status).toBe('rejected');
    expect((await as.get(`/v1/refunds/${review.body.id}`)).status).toBe(200);
    expect((await as.get(`/v1/consumptions/${id}`)).body.refunds).toHaveLength(3);
    expect((await svc.admin.get('/v1/refunds?status=succeeded&limit=1')).body.refunds).toHaveLength(1);
    expect((await as.post(`/v1/consumptions/${id}/refunds`, { amount: 1_000_000, reason: 'send_failed' }, key())).status).toBe(422);
    expect((await as.post('/v1/consumptions', { accountId: a.id, amount: 10_000_000 }, key())).status).toBe(402);
    await checkLedgerIntegrity(svc.db.prisma);
  });

  it('charge links: created, the page and receipt as JSON, top-ups by JSON, revoked', async () => {
    const a = await svc.account();
    const link = await svc.as(a.apiKey).post(`/v1/accounts/${a.id}/charge-links`, { expiresInDays: 3 });
    expect(link.status).toBe(201);
    const token = link.body.token as string;
    const pay = (path: string, body: object) =>
      checked(request(svc.app).post(`/pay/${token}/${path}`).set('Accept', 'application/json').set('Idempotency-Key', key()).send(body));
    const card = await pay('card', { amount: 50_000, cardToken: 'tok_visa' });
    expect(card.status).toBe(201);
    expect((await pay('bank-transfer', { amount: 50_000, depositorName: '홍길동' })).status).toBe(202);
    expect((await pay('virtual-account', { amount: 50_000 })).body.virtualAccount).toBeDefined();
    expect((await pay('card', { amount: 1 })).status).toBe(400);
    const page = await checked(request(svc.app).get(`/pay/${token}`).set('Accept', 'application/json'));
    expect(page.body.openRequests).toHaveLength(2);
    const receipt = await checked(request(svc.app).get(`/pay/${token}/charges/${card.body.id}`).set('Accept', 'application/json'));
    expect(receipt.body.card).toMatchObject({ last4: '4242' });
    expect((await svc.as(a.apiKey).delete(`/v1/charge-links/${token}`)).status).toBe(204);
    expect((await checked(request(svc.app).get(`/pay/${token}`).set('Accept', 'application/json'))).status).toBe(404);
  });

  it('bank deposits: reported unmatched, listed, read and assigned; the signed bank webhook', async () => {
    const a = await svc.account();
    const amount = 123_456;
    const deposit = await svc.admin.post('/v1/bank-deposits', {
      bankTransactionId: `tx-${randomUUID()}`,
      amount,
      depositorName: '아무개',
      depositedAt: new Date().toISOString(),
    });
    expect(deposit.status).toBe(201);
    expect(deposit.body.status).toBe('unmatched');
    expect((await svc.admin.get('/v1/bank-deposits?status=unmatched')).status).toBe(200);
    expect((await svc.admin.get(`/v1/bank-deposits/${deposit.body.id}`)).status).toBe(200);
    const charge = await svc.as(a.apiKey).post('/v1/charges', { accountId: a.id, amount, method: 'bank_transfer', depositorName: '다른이름' }, key());
    const assigned = await svc.admin.post(`/v1/bank-deposits/${deposit.body.id}/assign`, { chargeId: charge.body.id });
    expect(assigned.body).toMatchObject({ status: 'assigned', chargeId: charge.body.id });
    const raw = JSON.stringify({ bankTransactionId: `tx-${randomUUID()}`, amount: 99_999, depositorName: '아무개', depositedAt: new Date().toISOString() });
    const signed = await checked(
      request(svc.app)
        .post('/webhooks/bank')
        .set('content-type', 'application/json')
        .set('Bank-Signature', signatureHeader(svc.config.webhookSecrets.bank, raw))
        .send(raw),
    );
    expect(signed.status).toBe(201);
    const unsigned = await checked(request(svc.app).post('/webhooks/bank').set('content-type', 'application/json').send(raw));
    expect(unsigned.status).toBe(401);
    await checkLedgerIntegrity(svc.db.prisma);
  });

  it('webhooks: endpoints, rotation, an event, its redelivery and the delivery log; the admin lists', async () => {
    const a = await svc.account();
    const as = svc.as(a.apiKey);
    const endpoint = await as.post('/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/hook', events: ['charge.succeeded'], description: 'contract' });
    expect(endpoint.status).toBe(201);
    expect((await as.get('/v1/webhook-endpoints')).body.endpoints).toHaveLength(1);
    expect((await as.get(`/v1/webhook-endpoints/${endpoint.body.id}`)).status).toBe(200);
    expect((await as.post(`/v1/webhook-endpoints/${endpoint.body.id}/rotate-secret`, { overlapHours: 1 })).body.secret).toEqual(expect.any(String));
    const charge = await as.post('/v1/charges', { accountId: a.id, amount: 50_000, method: 'bank_transfer' }, key());
    await svc.admin.post(`/v1/charges/${charge.body.id}/confirm-deposit`, { depositedAmount: 50_000 });
    const event = await until(
      () => svc.db.prisma.webhookEvent.findFirst({ where: { accountId: a.id, type: 'charge.succeeded' } }),
      'the charge.succeeded event',
      30_000,
    );
    expect((await as.get(`/v1/events/${event.id}`)).body.type).toBe('charge.succeeded');
    expect((await as.post(`/v1/events/${event.id}/redeliver`, {})).status).toBe(202);
    await until(
      async () => ((await svc.db.prisma.webhookAttempt.count({ where: { delivery: { endpointId: endpoint.body.id } } })) > 0 ? true : undefined),
      'a delivery attempt',
      30_000,
    );
    const log = await as.get(`/v1/webhook-endpoints/${endpoint.body.id}/deliveries?limit=1`);
    expect(log.body.deliveries).toHaveLength(1);
    expect((await svc.admin.get('/v1/admin/notifications')).status).toBe(200);
    expect((await svc.admin.get('/v1/admin/events?limit=5')).status).toBe(200);
    expect((await svc.admin.get('/v1/admin/decisions')).body.decisions.length).toBeGreaterThan(0);
    expect((await as.delete(`/v1/webhook-endpoints/${endpoint.body.id}`)).status).toBe(204);
  });
});

describe('the check', () => {
  it('compiles every schema of the document: each $ref resolves, each schema is valid JSON Schema 2020-12', () => {
    expect(svc.contract!.compileAll()).toBeGreaterThan(150);
  });

  it('refuses an answer the document does not allow, naming the operation, the field and the rule', async () => {
    const a = await svc.account();
    const res = await svc.as(a.apiKey).get(`/v1/accounts/${a.id}`);
    const wrong = { ...res, body: { ...res.body, createdAt: 'yesterday', extra: 1 } };
    expect(() => svc.contract!(wrong as never)).toThrow(/GET \/v1\/accounts\/\{id\} 200 does not match[\s\S]*\/createdAt must match format "date-time"/);
    expect(() => svc.contract!({ ...res, status: 418 } as never)).toThrow(/answered 418, which \/openapi.json does not document/);
  });

  it('saw the main operations of each resource', () => {
    for (const op of [
      'POST /v1/accounts 201',
      'GET /v1/accounts/{id}/balance 200',
      'POST /v1/charges 201',
      'POST /v1/charges 202',
      'POST /v1/charges/{id}/confirm-deposit 200',
      'GET /v1/charges 200',
      'POST /v1/consumptions/{id}/refunds 202',
      'POST /v1/refunds/{id}/approve 200',
      'POST /pay/{token}/card 201',
      'GET /pay/{token} 200',
      'POST /v1/bank-deposits/{id}/assign 200',
      'POST /webhooks/bank 201',
      'POST /v1/webhook-endpoints 201',
      'GET /v1/webhook-endpoints/{id}/deliveries 200',
    ]) {
      expect(svc.contract!.seen, op).toContain(op);
    }
  });
});
