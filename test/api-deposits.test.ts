// Deposits through the HTTP API (SPEC §6.2), the whole service in-process (Express listening on a free
// port, a Temporal dev server, the real worker and activities, PostgreSQL): virtual accounts paid through
// the sandbox whose notification travels over real HTTP to /webhooks/gateway, the signature checks, the
// bank deposit feed with its matching, unmatched queue and assign, the races of the feed, and tax-document
// settings on accounts.
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from './support/service.ts';
import { checkLedgerIntegrity } from '../db/ledger.ts';
import { signatureHeader } from '../api/webhook-signature.ts';
import { BANK_DEPOSIT_UNMATCHED, bankDepositWorkflowType, type BankDepositWorkflow } from '../workflows/bank-deposit/definitions.ts';
import { bankDepositWorkflowId } from '../workflows/ids.ts';
import { until } from './support/wait.ts';

let svc: TestService;
let server: Server;
beforeAll(async () => {
  svc = await startTestService({ contract: true });
  server = svc.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  // The sandbox's gateway notifies the service's own address.
  svc.config.publicBaseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await svc?.stop();
});

let seq = 0;
const key = () => `dep-${Date.now()}-${seq++}`;
const txId = () => `bank-tx-${Date.now()}-${seq++}`;
/** A distinct amount per test, so the feed's matching never sees another test's charges. */
const uniqueAmount = () => 100_000 + 1_000 * ++seq + Math.floor(Math.random() * 1_000);

type Acc = { id: string; apiKey: string };
const balance = async (a: Acc) => (await svc.as(a.apiKey).get(`/v1/accounts/${a.id}/balance`)).body.balance as number;
const credits = (chargeId: string) => svc.db.prisma.ledgerEntry.findMany({ where: { chargeId } });

async function virtualAccountCharge(a: Acc, amount = 100_000) {
  const res = await svc.as(a.apiKey).post('/v1/charges', { accountId: a.id, amount, method: 'virtual_account' }, key());
  expect(res.status).toBe(202);
  return res.body;
}

async function bankTransfer(a: Acc, amount: number, depositorName?: string) {
  const res = await svc
    .as(a.apiKey)
    .post('/v1/charges', { accountId: a.id, amount, method: 'bank_transfer', ...(depositorName ? { depositorName } : {}) }, key());
  expect(res.status).toBe(202);
  return res.body as { id: string };
}

function signedPost(path: string, header: string, secret: string, payload: object, at = Math.floor(Date.now() / 1000)) {
  const raw = JSON.stringify(payload);
  return request(svc.app)
    .post(path)
    .set('content-type', 'application/json')
    .set(header, signatureHeader(secret, raw, at))
    .send(raw);
}

const gatewayNotification = (charge: { id: string; amount: number; virtualAccount: { accountNumber: string } }, transactionId: string) => ({
  type: 'virtual_account.deposited',
  transactionId,
  orderId: charge.id,
  accountNumber: charge.virtualAccount.accountNumber,
  amount: charge.amount,
  depositorName: '에이비씨',
  depositedAt: new Date().toISOString(),
});

const patch = (apiKey: string, path: string, body: object) => request(svc.app).patch(path).set('Authorization', `Bearer ${apiKey}`).send(body);
const chargeOf = async (id: string) => (await svc.admin.get(`/v1/charges/${id}`)).body;

describe('virtual accounts over HTTP', () => {
  it('202 with the issued account; the sandbox deposit notifies /webhooks/gateway over HTTP and credits once', async () => {
    const a = await svc.account({ name: '(주)에이비씨' });
    const charge = await virtualAccountCharge(a);
    expect(charge).toMatchObject({
      method: 'virtual_account',
      status: 'awaiting_deposit',
      virtualAccount: { bank: 'Simulated Bank', accountNumber: expect.any(String), holder: expect.any(String), dueAt: expect.any(String) },
    });
    const hours = (Date.parse(charge.virtualAccount.dueAt) - Date.parse(charge.createdAt)) / 3_600_000;
    expect(hours).toBe(72);
    expect(charge.expiresAt).toBe(charge.virtualAccount.dueAt);

    const dep = await svc.admin.post(`/v1/sandbox/virtual-accounts/${charge.virtualAccount.accountNumber}/deposits`, {
      amount: 100_000,
      depositorName: '에이비씨',
    });
    expect(dep.status).toBe(201);
    expect(dep.body.notification).toMatchObject({ status: 200, body: { received: true, chargeId: charge.id, status: 'succeeded' } });
    expect(await chargeOf(charge.id)).toMatchObject({
      status: 'succeeded',
      creditedAmount: 100_000,
      confirmedBy: 'gateway',
      gatewayReference: dep.body.deposit.transactionId,
    });
    expect(await balance(a)).toBe(100_000);

    // The account took its one deposit: a second is refused at the bank, and nothing more is credited.
    const again = await svc.admin.post(`/v1/sandbox/virtual-accounts/${charge.virtualAccount.accountNumber}/deposits`, { amount: 100_000 });
    expect(again.status).toBe(422);
    expect(again.body.code).toBe('deposit_refused');
    expect(await credits(charge.id)).toHaveLength(1);
    // Only an admin may use the sandbox.
    expect((await svc.as(a.apiKey).post(`/v1/sandbox/virtual-accounts/${charge.virtualAccount.accountNumber}/deposits`, { amount: 100_000 })).status).toBe(403);
  });

  it('the sandbox refuses another amount with 422, and an unknown account with 404', async () => {
    const a = await svc.account();
    const charge = await virtualAccountCharge(a);
    const wrong = await svc.admin.post(`/v1/sandbox/virtual-accounts/${charge.virtualAccount.accountNumber}/deposits`, { amount: 99_000 });
    expect(wrong.status).toBe(422);
    expect(wrong.body.code).toBe('deposit_refused');
    expect((await svc.admin.post('/v1/sandbox/virtual-accounts/70000000000000/deposits', { amount: 100_000 })).status).toBe(404);
    expect((await chargeOf(charge.id)).status).toBe('awaiting_deposit');
  });

  it('a missing, wrong or stale signature is 401 and changes nothing; a valid one credits; a replay credits nothing more', async () => {
    const a = await svc.account();
    const charge = await virtualAccountCharge(a);
    const body = gatewayNotification(charge, `vtx_${seq++}`);
    const secret = svc.config.webhookSecrets.gateway;
    const unsigned = await request(svc.app).post('/webhooks/gateway').set('content-type', 'application/json').send(JSON.stringify(body));
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.code).toBe('unauthorized');
    expect((await signedPost('/webhooks/gateway', 'Gateway-Signature', 'not-the-gateway-secret', body)).status).toBe(401);
    expect((await signedPost('/webhooks/gateway', 'Gateway-Signature', secret, body, Math.floor(Date.now() / 1000) - 301)).status).toBe(401);
    // Signed, then the body changed on the way.
    const raw = JSON.stringify(body);
    const tampered = await request(svc.app)
      .post('/webhooks/gateway')
      .set('content-type', 'application/json')
      .set('Gateway-Signature', signatureHeader(secret, raw))
      .send(raw.replace('"amount":100000', '"amount":900000'));
    expect(tampered.status).toBe(401);
    expect(await svc.db.prisma.gatewayNotification.count({ where: { chargeId: charge.id } })).toBe(0);
    expect((await chargeOf(charge.id)).status).toBe('awaiting_deposit');

    const ok = await signedPost('/webhooks/gateway', 'Gateway-Signature', secret, body);
    expect(ok.status).toBe(200);
    const replay = await signedPost('/webhooks/gateway', 'Gateway-Signature', secret, body);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(ok.body);
    expect(await credits(charge.id)).toHaveLength(1);
    expect(await svc.db.prisma.gatewayNotification.findUniqueOrThrow({ where: { transactionId: body.transactionId } })).toMatchObject({ outcome: 'credited' });
  });

  it('two notifications of one deposit at once credit once', async () => {
    const a = await svc.account();
    const charge = await virtualAccountCharge(a);
    const body = gatewayNotification(charge, `vtx_${seq++}`);
    const both = await Promise.all([0, 1, 2].map(() => signedPost('/webhooks/gateway', 'Gateway-Signature', svc.config.webhookSecrets.gateway, body)));
    expect(both.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await credits(charge.id)).toHaveLength(1);
    expect(await balance(a)).toBe(100_000);
  });

  it('cancel closes the account: the sandbox deposit is refused and a notification is 409 with an admin event', async () => {
    const a = await svc.account();
    const charge = await virtualAccountCharge(a);
    const cancelled = await svc.as(a.apiKey).post(`/v1/charges/${charge.id}/cancel`, {});
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect((await svc.admin.post(`/v1/sandbox/virtual-accounts/${charge.virtualAccount.accountNumber}/deposits`, { amount: 100_000 })).status).toBe(422);
    const late = await signedPost('/webhooks/gateway', 'Gateway-Signature', svc.config.webhookSecrets.gateway, gatewayNotification(charge, `vtx_${seq++}`));
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('invalid_state');
    expect(await svc.db.prisma.adminEvent.count({ where: { type: 'virtual_account_deposit_refused', subjectId: charge.id } })).toBe(1);
    expect(await credits(charge.id)).toHaveLength(0);
  });

  it('admins cannot confirm or reject a virtual-account charge', async () => {
    const a = await svc.account();
    const charge = await virtualAccountCharge(a);
    expect((await svc.admin.post(`/v1/charges/${charge.id}/confirm-deposit`, { depositedAmount: 100_000 })).status).toBe(409);
    expect((await svc.admin.post(`/v1/charges/${charge.id}/reject`, { reason: 'no' })).status).toBe(409);
  });
});

describe('bank deposit feed', () => {
  it('a deposit matching exactly one charge (names normalised) confirms it at once with confirmedBy bank_feed; the same deposit again answers the same', async () => {
    const amount = uniqueAmount();
    const a = await svc.account({ name: 'Acme' });
    const charge = await bankTransfer(a, amount, '(주)에이비씨');
    const body = { bankTransactionId: txId(), amount, depositorName: '주식회사 에이비씨', depositedAt: new Date().toISOString() };
    const res = await svc.admin.post('/v1/bank-deposits', body);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'matched', chargeId: charge.id, amount, source: 'api' });
    expect(await chargeOf(charge.id)).toMatchObject({ status: 'succeeded', creditedAmount: amount, depositedAmount: amount, confirmedBy: 'bank_feed' });
    const again = await svc.admin.post('/v1/bank-deposits', body);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(res.body);
    const other = await svc.admin.post('/v1/bank-deposits', { ...body, amount: amount + 1 });
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('idempotency_key_reused');
    expect(await credits(charge.id)).toHaveLength(1);
    expect(await balance(a)).toBe(amount);
    // Only admins (or the signed webhook) report deposits.
    expect((await svc.as(a.apiKey).post('/v1/bank-deposits', { ...body, bankTransactionId: txId() })).status).toBe(403);
  });

  it('a charge without a depositor name matches on the account name', async () => {
    const amount = uniqueAmount();
    const a = await svc.account({ name: 'ＡＢＣ Messaging' });
    const charge = await bankTransfer(a, amount);
    const res = await svc.admin.post('/v1/bank-deposits', {
      bankTransactionId: txId(),
      amount,
      depositorName: 'abc messaging',
      depositedAt: new Date().toISOString(),
    });
    expect(res.body).toMatchObject({ status: 'matched', chargeId: charge.id });
  });

  it('no match, or several, stays unmatched with an admin event and waits in the queue; assign confirms with the deposited amount, once', async () => {
    const amount = uniqueAmount();
    const a = await svc.account();
    const b = await svc.account();
    const c1 = await bankTransfer(a, amount, '홍길동');
    const c2 = await bankTransfer(b, amount, '홍 길동');
    const several = await svc.admin.post('/v1/bank-deposits', {
      bankTransactionId: txId(),
      amount,
      depositorName: '홍길동',
      depositedAt: new Date().toISOString(),
    });
    expect(several.status).toBe(201);
    expect(several.body).toMatchObject({ status: 'unmatched', note: expect.stringContaining('2 charges') });
    const none = await svc.admin.post('/v1/bank-deposits', {
      bankTransactionId: txId(),
      amount: amount + 500,
      depositorName: '홍길동',
      depositedAt: new Date().toISOString(),
    });
    expect(none.body).toMatchObject({ status: 'unmatched', note: expect.stringContaining('no charge') });
    const events = await svc.db.prisma.adminEvent.findMany({ where: { type: BANK_DEPOSIT_UNMATCHED, subjectId: { in: [several.body.id, none.body.id] } } });
    expect(events).toHaveLength(2);

    const queue = await svc.admin.get('/v1/bank-deposits?status=unmatched&limit=200');
    expect(queue.status).toBe(200);
    expect(queue.body.deposits.map((d: { id: string }) => d.id)).toEqual(expect.arrayContaining([several.body.id, none.body.id]));
    expect((await svc.as(a.apiKey).get('/v1/bank-deposits?status=unmatched')).status).toBe(403);

    // The deposit of amount + 500 belongs to c1 after all: credited with what was deposited.
    const assigned = await svc.admin.post(`/v1/bank-deposits/${none.body.id}/assign`, { chargeId: c1.id });
    expect(assigned.status).toBe(200);
    expect(assigned.body).toMatchObject({ status: 'assigned', chargeId: c1.id });
    expect(await chargeOf(c1.id)).toMatchObject({
      status: 'succeeded',
      depositedAmount: amount + 500,
      creditedAmount: amount + 500,
      difference: 500,
      confirmedBy: 'admin',
    });
    // No longer unmatched: 409, also onto another charge.
    const twice = await svc.admin.post(`/v1/bank-deposits/${none.body.id}/assign`, { chargeId: c2.id });
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('invalid_state');
    // The other deposit cannot go to c1 (already succeeded): refused, and it stays unmatched.
    const refused = await svc.admin.post(`/v1/bank-deposits/${several.body.id}/assign`, { chargeId: c1.id });
    expect(refused.status).toBe(409);
    expect((await svc.admin.get(`/v1/bank-deposits/${several.body.id}`)).body.status).toBe('unmatched');
    expect(await credits(c1.id)).toHaveLength(1);
    expect((await chargeOf(c2.id)).status).toBe('awaiting_deposit');
  });

  it('two deposits matching one charge at once: one confirms it, the second stays unmatched; one credit', async () => {
    const amount = uniqueAmount();
    const a = await svc.account();
    const charge = await bankTransfer(a, amount, '김철수');
    const post = () =>
      svc.admin.post('/v1/bank-deposits', { bankTransactionId: txId(), amount, depositorName: '김철수', depositedAt: new Date().toISOString() });
    const [x, y] = await Promise.all([post(), post()]);
    expect([x!.body.status, y!.body.status].sort()).toEqual(['matched', 'unmatched']);
    expect(await credits(charge.id)).toHaveLength(1);
    expect(await chargeOf(charge.id)).toMatchObject({ status: 'succeeded', creditedAmount: amount, confirmedBy: 'bank_feed' });
  });

  it('one deposit posted twice at once is recorded once and credits once', async () => {
    const amount = uniqueAmount();
    const a = await svc.account();
    const charge = await bankTransfer(a, amount, '이영희');
    const body = { bankTransactionId: txId(), amount, depositorName: '이영희', depositedAt: new Date().toISOString() };
    const all = await Promise.all([0, 1, 2].map(() => svc.admin.post('/v1/bank-deposits', body)));
    expect(all.map((r) => r.status).sort()).toEqual([200, 200, 201]);
    for (const r of all) expect(r.body).toMatchObject({ status: 'matched', chargeId: charge.id });
    expect(await svc.db.prisma.bankDeposit.count({ where: { bankTransactionId: body.bankTransactionId } })).toBe(1);
    expect(await credits(charge.id)).toHaveLength(1);
  });

  it('the feed and an admin confirming the same charge at once: one credit, and the deposit is matched to it', async () => {
    const amount = uniqueAmount();
    const a = await svc.account();
    const charge = await bankTransfer(a, amount, '박민수');
    const [feed, adminRes] = await Promise.all([
      svc.admin.post('/v1/bank-deposits', { bankTransactionId: txId(), amount, depositorName: '박민수', depositedAt: new Date().toISOString() }),
      svc.admin.post(`/v1/charges/${charge.id}/confirm-deposit`, { depositedAmount: amount }),
    ]);
    expect(adminRes.status).toBe(200);
    expect(feed.body).toMatchObject({ status: 'matched', chargeId: charge.id });
    const done = await chargeOf(charge.id);
    expect(done).toMatchObject({ status: 'succeeded', creditedAmount: amount });
    expect(['admin', 'bank_feed']).toContain(done.confirmedBy);
    expect(await credits(charge.id)).toHaveLength(1);
  });

  it('a deposit an admin already confirmed by hand is attached to that charge, not left unmatched; nothing more is credited', async () => {
    const amount = uniqueAmount();
    const a = await svc.account();
    const charge = await bankTransfer(a, amount, '오세훈');
    expect((await svc.admin.post(`/v1/charges/${charge.id}/confirm-deposit`, { depositedAmount: amount })).status).toBe(200);
    const res = await svc.admin.post('/v1/bank-deposits', {
      bankTransactionId: txId(),
      amount,
      depositorName: '오세훈',
      depositedAt: new Date().toISOString(),
    });
    expect(res.body).toMatchObject({ status: 'matched', chargeId: charge.id });
    expect(await chargeOf(charge.id)).toMatchObject({ status: 'succeeded', confirmedBy: 'admin', creditedAmount: amount });
    expect(await credits(charge.id)).toHaveLength(1);
    // A second such deposit finds the charge taken: unmatched.
    const second = await svc.admin.post('/v1/bank-deposits', {
      bankTransactionId: txId(),
      amount,
      depositorName: '오세훈',
      depositedAt: new Date().toISOString(),
    });
    expect(second.body.status).toBe('unmatched');
  });

  it('a claim whose confirmation never went out (a crash in between) is finished by the retry: the workflow for the feed, the same assign for an admin', async () => {
    const amount = uniqueAmount();
    const a = await svc.account();
    const charge = await bankTransfer(a, amount, '정수민');
    const claimed = await svc.db.prisma.bankDeposit.create({
      data: {
        id: randomUUID(),
        bankTransactionId: txId(),
        amount: BigInt(amount),
        depositorName: '정수민',
        depositedAt: new Date(),
        status: 'matched',
        chargeId: charge.id,
        source: 'api',
      },
    });
    const out = await svc.env.client.workflow.execute<BankDepositWorkflow>(bankDepositWorkflowType, {
      workflowId: bankDepositWorkflowId(claimed.id),
      taskQueue: svc.taskQueue,
      args: [{ depositId: claimed.id }],
    });
    expect(out).toMatchObject({ status: 'matched', chargeId: charge.id });
    expect(await chargeOf(charge.id)).toMatchObject({ status: 'succeeded', confirmedBy: 'bank_feed', creditedAmount: amount });
    expect((await svc.db.prisma.bankDeposit.findUniqueOrThrow({ where: { id: claimed.id } })).settledAt).not.toBeNull();

    const other = await bankTransfer(a, amount, '정수민');
    const assigned = await svc.db.prisma.bankDeposit.create({
      data: {
        id: randomUUID(),
        bankTransactionId: txId(),
        amount: BigInt(amount + 10),
        depositorName: '정수민',
        depositedAt: new Date(),
        status: 'assigned',
        chargeId: other.id,
        source: 'api',
      },
    });
    const resumed = await svc.admin.post(`/v1/bank-deposits/${assigned.id}/assign`, { chargeId: other.id });
    expect(resumed.status).toBe(200);
    expect(await chargeOf(other.id)).toMatchObject({ status: 'succeeded', confirmedBy: 'admin', creditedAmount: amount + 10 });
    expect((await svc.admin.post(`/v1/bank-deposits/${assigned.id}/assign`, { chargeId: other.id })).status).toBe(409);
    expect(await credits(charge.id)).toHaveLength(1);
    expect(await credits(other.id)).toHaveLength(1);
  });

  it('a charge is claimed by one deposit at most: the database refuses a second claim', async () => {
    const amount = uniqueAmount();
    const a = await svc.account();
    const charge = await bankTransfer(a, amount, '한지민');
    const row = (status: 'matched' | 'unmatched', chargeId: string | null) => ({
      id: randomUUID(),
      bankTransactionId: txId(),
      amount: BigInt(amount),
      depositorName: '한지민',
      depositedAt: new Date(),
      status,
      chargeId,
      source: 'api',
    });
    await svc.db.prisma.bankDeposit.create({ data: row('matched', charge.id) });
    const second = await svc.db.prisma.bankDeposit.create({ data: row('unmatched', null) });
    await expect(svc.db.prisma.bankDeposit.updateMany({ where: { id: second.id }, data: { status: 'assigned', chargeId: charge.id } })).rejects.toMatchObject({
      code: 'P2002',
    });
  });

  it('the signed bank webhook records deposits like the admin API; a bad signature is 401 and records nothing', async () => {
    const amount = uniqueAmount();
    const a = await svc.account();
    const charge = await bankTransfer(a, amount, '최은주');
    const body = { bankTransactionId: txId(), amount, depositorName: '최은주', depositedAt: new Date().toISOString() };
    expect((await signedPost('/webhooks/bank', 'Bank-Signature', svc.config.webhookSecrets.gateway, body)).status).toBe(401);
    expect((await request(svc.app).post('/webhooks/bank').set('content-type', 'application/json').send(JSON.stringify(body))).status).toBe(401);
    expect(await svc.db.prisma.bankDeposit.count({ where: { bankTransactionId: body.bankTransactionId } })).toBe(0);
    const ok = await signedPost('/webhooks/bank', 'Bank-Signature', svc.config.webhookSecrets.bank, body);
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ status: 'matched', chargeId: charge.id, source: 'webhook' });
    expect((await signedPost('/webhooks/bank', 'Bank-Signature', svc.config.webhookSecrets.bank, body)).status).toBe(200);
    expect(await credits(charge.id)).toHaveLength(1);
  });
});

describe('tax documents', () => {
  it('accounts take a checksum-validated business registration number and a document type', async () => {
    const created = await svc.admin.post('/v1/accounts', { name: 'Acme', businessRegistrationNumber: '1248100998', taxDocument: 'tax_invoice' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ businessRegistrationNumber: '124-81-00998', taxDocument: 'tax_invoice' });
    const typo = await svc.admin.post('/v1/accounts', { name: 'Acme', businessRegistrationNumber: '124-81-00997' });
    expect(typo.status).toBe(400);
    expect(typo.body).toMatchObject({
      code: 'validation_error',
      detail: expect.stringContaining('check digit'),
      errors: [{ path: 'businessRegistrationNumber' }],
    });
    const missing = await svc.admin.post('/v1/accounts', { name: 'Acme', taxDocument: 'cash_receipt' });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].path).toBe('businessRegistrationNumber');

    const a = await svc.account();
    const patched = await patch(a.apiKey, `/v1/accounts/${a.id}`, { businessRegistrationNumber: '220-81-62517', taxDocument: 'cash_receipt' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ businessRegistrationNumber: '220-81-62517', taxDocument: 'cash_receipt' });
    expect((await patch(a.apiKey, `/v1/accounts/${a.id}`, { businessRegistrationNumber: null })).status).toBe(400);
    expect((await patch(a.apiKey, `/v1/accounts/${a.id}`, { businessRegistrationNumber: '12345' })).status).toBe(400);
    const other = await svc.account();
    expect((await patch(other.apiKey, `/v1/accounts/${a.id}`, { taxDocument: 'none' })).status).toBe(404);
  });

  it('a bank transfer confirmed by the feed shows its issued tax invoice; a card charge requests none', async () => {
    const amount = uniqueAmount();
    const created = await svc.admin.post('/v1/accounts', { name: 'Tax Co', businessRegistrationNumber: '124-81-00998', taxDocument: 'tax_invoice' });
    const a = { id: created.body.id as string, apiKey: created.body.apiKey as string };
    const charge = await bankTransfer(a, amount, 'Tax Co');
    await svc.admin.post('/v1/bank-deposits', { bankTransactionId: txId(), amount, depositorName: 'TAX CO', depositedAt: new Date().toISOString() });
    const shown = await until(async () => {
      const c = await chargeOf(charge.id);
      return c.taxDocument?.status === 'issued' && c;
    }, 'the tax invoice to be issued');
    expect(shown.taxDocument).toMatchObject({ type: 'tax_invoice', status: 'issued', number: expect.any(String) });

    const card = await svc.as(a.apiKey).post(`/v1/accounts/${a.id}/payment-methods`, { cardToken: 'tok_visa' });
    const paid = await svc.as(a.apiKey).post('/v1/charges', { accountId: a.id, amount: 50_000, method: 'card', paymentMethodId: card.body.id }, key());
    expect(paid.status).toBe(201);
    expect(paid.body.taxDocument).toBeUndefined();
    expect(await svc.db.prisma.taxDocument.count({ where: { chargeId: paid.body.id } })).toBe(0);
    expect(await checkLedgerIntegrity(svc.db.prisma)).toEqual([]);
  });
});

describe('pages', () => {
  it('the charge-link page offers a virtual account beside card and bank transfer and shows the issued account with its deadline in KST', async () => {
    const a = await svc.account({ name: 'VA Shop' });
    const link = (await svc.as(a.apiKey).post(`/v1/accounts/${a.id}/charge-links`, {})).body as { token: string };
    const pageRes = await request(svc.app).get(`/pay/${link.token}`).set('Accept', 'text/html');
    expect(pageRes.status).toBe(200);
    for (const form of ['card', 'bank-transfer', 'virtual-account']) expect(pageRes.text).toContain(`action="/pay/${link.token}/${form}"`);
    const formKey = /data-method="virtual_account"[\s\S]*?name="idempotencyKey" value="([^"]+)"/.exec(pageRes.text)![1]!;

    // A browser's submit is redirected to the charge's receipt, which shows the issued account.
    const issued = await request(svc.app).post(`/pay/${link.token}/virtual-account`).type('form').send({ amount: '100,000', idempotencyKey: formKey });
    expect(issued.status).toBe(303);
    const charge = await svc.db.prisma.charge.findFirstOrThrow({ where: { accountId: a.id, method: 'virtual_account' } });
    expect(issued.headers.location).toBe(`/pay/${link.token}/charges/${charge.id}`);
    const receipt = await request(svc.app).get(issued.headers.location!).set('Accept', 'text/html');
    expect(receipt.status).toBe(200);
    const va = charge.virtualAccount as { accountNumber: string; dueAt: string };
    expect(charge.origin).toBe('charge_link');
    expect(receipt.text).toContain('가상계좌 입금 안내');
    expect(receipt.text).toContain(va.accountNumber);
    expect(receipt.text).toContain('한국 시간');
    const kst = new Date(Date.parse(va.dueAt) + 9 * 3_600_000);
    expect(receipt.text).toContain(`${String(kst.getUTCHours()).padStart(2, '0')}:${String(kst.getUTCMinutes()).padStart(2, '0')}`);
    // The link page lists it among the open requests, with the account to deposit into.
    const again = await request(svc.app).get(`/pay/${link.token}`).set('Accept', 'text/html');
    expect(again.text).toContain(`id="open-${charge.id}"`);
    expect(again.text).toContain(va.accountNumber);
    // A double submit of the same form issues nothing more.
    expect(
      (await request(svc.app).post(`/pay/${link.token}/virtual-account`).type('form').send({ amount: '100,000', idempotencyKey: formKey })).headers.location,
    ).toBe(issued.headers.location);
    // Below the virtual account's minimum: the form again, with a Korean message and the amount as typed.
    const low = await request(svc.app).post(`/pay/${link.token}/virtual-account`).type('form').send({ amount: '1,000', idempotencyKey: formKey });
    expect(low.status).toBe(200);
    expect(low.text).toContain('가상계좌는');
    expect(low.text).toContain('value="1,000"');
    expect(await svc.db.prisma.charge.count({ where: { accountId: a.id } })).toBe(1);

    const viaJson = await request(svc.app).post(`/pay/${link.token}/virtual-account`).set('Idempotency-Key', `va-json-${seq++}`).send({ amount: 60_000 });
    expect(viaJson.status).toBe(202);
    expect(viaJson.body).toMatchObject({
      method: 'virtual_account',
      status: 'awaiting_deposit',
      virtualAccount: { accountNumber: expect.any(String), dueAt: expect.any(String) },
    });
    expect(JSON.stringify(viaJson.body)).not.toContain(a.id);
  });

  it('/admin lists unmatched deposits with an Assign action and failed tax documents, under its CSP', async () => {
    const res = await request(svc.app).get('/admin');
    expect(res.status).toBe(200);
    const csp = res.headers['content-security-policy'] as string;
    expect(csp.match(/'sha256-[A-Za-z0-9+/=]+'/g)).toHaveLength(1);
    expect(res.text).toContain('/v1/bank-deposits?status=unmatched');
    expect(res.text).toContain("'/assign'");
    expect(res.text).toContain('미확인 입금');
    expect(res.text).toContain('type=tax_document_failed');
    expect(res.text).toContain('id="unmatched-deposits"');
  });
});
