// The charge endpoints end to end (Express + the time-skipping Temporal server + real worker and
// activities + PostgreSQL): stored cards, limits and refusals before any workflow starts, card charges
// (success, decline, flaky), bank transfers (202 with the schedule, confirm / reject / cancel, repeated
// and racing decisions, expiry), idempotent creation, visibility and the admin's deposit queue.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from './support/service.ts';
import { checkLedgerIntegrity } from '../db/ledger.ts';
import { until } from './support/wait.ts';

let svc: TestService;
beforeAll(async () => {
  // tok_lost_answer loses its answers for 10 s here; the API stops waiting for a card's outcome after 4 s.
  svc = await startTestService({ contract: true, timeSkipping: true, env: { SIMULATED_GATEWAY_LOST_ANSWER_MS: '10000', CARD_CHARGE_WAIT_MS: '4000' } });
});
afterAll(async () => {
  await svc?.stop();
});

let keySeq = 0;
const idemKey = () => `charge-${Date.now()}-${keySeq++}`;

async function storedCard(account: { id: string; apiKey: string }, cardToken: string): Promise<string> {
  const res = await svc.as(account.apiKey).post(`/v1/accounts/${account.id}/payment-methods`, { cardToken });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function bankTransfer(account: { id: string; apiKey: string }, amount = 100_000) {
  const res = await svc.as(account.apiKey).post('/v1/charges', { accountId: account.id, amount, method: 'bank_transfer', depositorName: '홍길동' }, idemKey());
  expect(res.status).toBe(202);
  return res.body as { id: string; status: string; expiresAt: string };
}

const balance = async (account: { id: string; apiKey: string }) => (await svc.as(account.apiKey).get(`/v1/accounts/${account.id}/balance`)).body;
const chargeEntries = (chargeId: string) => svc.db.prisma.ledgerEntry.findMany({ where: { chargeId } });

describe('POST /v1/accounts/{id}/payment-methods', () => {
  it('stores a card from a test token as {id, brand, last4}', async () => {
    const a = await svc.account();
    const res = await svc.as(a.apiKey).post(`/v1/accounts/${a.id}/payment-methods`, { cardToken: 'tok_visa' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: expect.any(String), brand: 'visa', last4: '4242' });
    const mc = await svc.as(a.apiKey).post(`/v1/accounts/${a.id}/payment-methods`, { cardToken: 'tok_mastercard' });
    expect(mc.body).toMatchObject({ brand: 'mastercard', last4: '4444' });
  });

  it('refuses an unknown token with 400 validation_error naming cardToken, and another tenant with 404', async () => {
    const a = await svc.account();
    const res = await svc.as(a.apiKey).post(`/v1/accounts/${a.id}/payment-methods`, { cardToken: '4242424242424242' });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.body).toMatchObject({ code: 'validation_error', errors: [{ path: 'cardToken' }] });
    const b = await svc.account();
    expect((await svc.as(b.apiKey).post(`/v1/accounts/${a.id}/payment-methods`, { cardToken: 'tok_visa' })).status).toBe(404);
    expect(await svc.db.prisma.paymentMethod.count({ where: { accountId: a.id } })).toBe(0);
  });
});

describe('POST /v1/charges: refusals before any workflow starts', () => {
  it('requires an Idempotency-Key', async () => {
    const a = await svc.account();
    const res = await svc.as(a.apiKey).post('/v1/charges', { accountId: a.id, amount: 100_000, method: 'bank_transfer' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_error');
  });

  it('refuses amounts outside the per-method limits with 422 and records nothing', async () => {
    const a = await svc.account();
    const pm = await storedCard(a, 'tok_visa');
    const low = await svc.as(a.apiKey).post('/v1/charges', { accountId: a.id, amount: 49_999, method: 'card', paymentMethodId: pm }, idemKey());
    expect(low.status).toBe(422);
    expect(low.body).toMatchObject({ code: 'amount_below_minimum', minimum: 50_000 });
    const lowBank = await svc.as(a.apiKey).post('/v1/charges', { accountId: a.id, amount: 10_000, method: 'bank_transfer' }, idemKey());
    expect(lowBank.body.code).toBe('amount_below_minimum');
    const high = await svc.as(a.apiKey).post('/v1/charges', { accountId: a.id, amount: 100_000_001, method: 'bank_transfer' }, idemKey());
    expect(high.status).toBe(422);
    expect(high.body).toMatchObject({ code: 'amount_above_maximum', maximum: 100_000_000 });
    expect(await svc.db.prisma.charge.count({ where: { accountId: a.id } })).toBe(0);
  });

  it('refuses a parent-billed account with 409 invalid_state: its partner tops up', async () => {
    const partner = await svc.account({ name: 'Partner' });
    const child = await svc.account({ name: 'Child', parentId: partner.id, billingMode: 'parent' });
    const res = await svc.as(partner.apiKey).post('/v1/charges', { accountId: child.id, amount: 100_000, method: 'bank_transfer' }, idemKey());
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'invalid_state', fundingAccountId: partner.id });
    expect(await svc.db.prisma.charge.count({ where: { accountId: child.id } })).toBe(0);
  });

  it('validates the method-specific fields and the card owner', async () => {
    const a = await svc.account();
    const noCard = await svc.as(a.apiKey).post('/v1/charges', { accountId: a.id, amount: 100_000, method: 'card' }, idemKey());
    expect(noCard.status).toBe(400);
    expect(noCard.body.errors[0].path).toBe('paymentMethodId');
    const b = await svc.account();
    const theirs = await storedCard(b, 'tok_visa');
    const stolen = await svc.as(a.apiKey).post('/v1/charges', { accountId: a.id, amount: 100_000, method: 'card', paymentMethodId: theirs }, idemKey());
    expect(stolen.status).toBe(404);
    const other = await svc.as(a.apiKey).post('/v1/charges', { accountId: b.id, amount: 100_000, method: 'bank_transfer' }, idemKey());
    expect(other.status).toBe(404);
  });
});

describe('card charges', () => {
  it('tok_visa: 201 succeeded, credited once; a replay answers the same charge without a second credit', async () => {
    const a = await svc.account();
    const pm = await storedCard(a, 'tok_visa');
    const body = { accountId: a.id, amount: 50_000, method: 'card', paymentMethodId: pm };
    const res = await svc.as(a.apiKey).post('/v1/charges', body, 'card-visa');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      accountId: a.id,
      amount: 50_000,
      method: 'card',
      status: 'succeeded',
      creditedAmount: 50_000,
      paymentMethodId: pm,
      origin: 'api',
    });
    expect(res.body.timeline.map((e: { type: string }) => e.type)).toEqual(['requested', 'card_captured', 'succeeded']);
    const again = await svc.as(a.apiKey).post('/v1/charges', body, 'card-visa');
    expect(again.status).toBe(201);
    expect(again.body).toEqual(res.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect((await balance(a)).balance).toBe(50_000);
    expect(await chargeEntries(res.body.id)).toHaveLength(1);
    const read = await svc.as(a.apiKey).get(`/v1/charges/${res.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(res.body);
  });

  it('tok_declined: 422 card_declined naming the charge, which reads as failed with its reason; no credit', async () => {
    const a = await svc.account();
    const pm = await storedCard(a, 'tok_declined');
    const res = await svc.as(a.apiKey).post('/v1/charges', { accountId: a.id, amount: 60_000, method: 'card', paymentMethodId: pm }, idemKey());
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'card_declined', chargeId: expect.any(String), charge: { status: 'failed', failureCode: 'card_declined' } });
    const read = await svc.as(a.apiKey).get(`/v1/charges/${res.body.chargeId}`);
    expect(read.body).toMatchObject({ status: 'failed', failureCode: 'card_declined', failureReason: expect.stringContaining('declined') });
    expect(read.body.timeline.at(-1)).toMatchObject({ type: 'failed', data: { code: 'card_declined' } });
    expect((await balance(a)).balance).toBe(0);
  });

  it('tok_flaky: succeeds after two transient failures, visible on the timeline; one credit', async () => {
    const a = await svc.account();
    const pm = await storedCard(a, 'tok_flaky');
    const res = await svc.as(a.apiKey).post('/v1/charges', { accountId: a.id, amount: 70_000, method: 'card', paymentMethodId: pm }, idemKey());
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('succeeded');
    expect(res.body.timeline.filter((e: { type: string }) => e.type === 'capture_attempt_failed')).toHaveLength(2);
    expect((await balance(a)).balance).toBe(70_000);
  });

  it('tok_lost_answer: 202 pending while the outcome is unknown (never 201, never failed); it then succeeds, credited once', async () => {
    const a = await svc.account();
    const pm = await storedCard(a, 'tok_lost_answer');
    const body = { accountId: a.id, amount: 80_000, method: 'card', paymentMethodId: pm };
    const key = idemKey();
    const res = await svc.as(a.apiKey).post('/v1/charges', body, key);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'pending', method: 'card', amount: 80_000 });
    expect(res.body.creditedAmount).toBeUndefined();
    const replay = await svc.as(a.apiKey).post('/v1/charges', body, key);
    expect(replay.status).toBe(202);
    expect(replay.body.id).toBe(res.body.id);
    const done = await until(
      async () => {
        const read = (await svc.as(a.apiKey).get(`/v1/charges/${res.body.id}`)).body;
        return read.status !== 'pending' && read;
      },
      'the charge to settle',
      60_000,
    );
    expect(done).toMatchObject({ status: 'succeeded', creditedAmount: 80_000 });
    expect(done.timeline.filter((e: { type: string }) => e.type === 'capture_attempt_failed').length).toBeGreaterThan(0);
    expect(await svc.db.prisma.simulatedCardCapture.count({ where: { idempotencyKey: res.body.id } })).toBe(1);
    expect(await chargeEntries(res.body.id)).toHaveLength(1);
    expect((await balance(a)).balance).toBe(80_000);
    expect(await checkLedgerIntegrity(svc.db.prisma)).toEqual([]);
  });

  it('a card charge takes no cancellation or confirmation', async () => {
    const a = await svc.account();
    const pm = await storedCard(a, 'tok_visa');
    const res = await svc.as(a.apiKey).post('/v1/charges', { accountId: a.id, amount: 50_000, method: 'card', paymentMethodId: pm }, idemKey());
    expect((await svc.as(a.apiKey).post(`/v1/charges/${res.body.id}/cancel`)).body.code).toBe('invalid_state');
    expect((await svc.admin.post(`/v1/charges/${res.body.id}/confirm-deposit`, { depositedAmount: 50_000 })).status).toBe(409);
  });
});

describe('bank transfers', () => {
  it('202 awaiting_deposit with the bank account and schedule; the balance shows it pending', async () => {
    const a = await svc.account();
    const res = await svc.as(a.apiKey).post('/v1/charges', { accountId: a.id, amount: 200_000, method: 'bank_transfer', depositorName: '홍길동' }, idemKey());
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      status: 'awaiting_deposit',
      method: 'bank_transfer',
      amount: 200_000,
      depositorName: '홍길동',
      bankAccount: svc.config.bankAccount,
      processingStartsAt: expect.any(String),
      expectedBy: expect.any(String),
      expiresAt: expect.any(String),
    });
    expect(Date.parse(res.body.processingStartsAt)).toBeLessThan(Date.parse(res.body.expectedBy));
    expect(Date.parse(res.body.expectedBy)).toBeLessThan(Date.parse(res.body.expiresAt));
    expect(res.body.timeline.map((e: { type: string }) => e.type)).toEqual(['requested', 'awaiting_deposit']);
    expect(await balance(a)).toMatchObject({ balance: 0, pendingCharges: 200_000 });
  });

  it('the admin confirms the deposited amount: credited once with the difference recorded; confirming again is harmless', async () => {
    const a = await svc.account();
    const charge = await bankTransfer(a, 100_000);
    const denied = await svc.as(a.apiKey).post(`/v1/charges/${charge.id}/confirm-deposit`, { depositedAmount: 100_000 });
    expect(denied.status).toBe(403);
    const res = await svc.admin.post(`/v1/charges/${charge.id}/confirm-deposit`, { depositedAmount: 100_500, depositorName: '홍길동', memo: 'paid 500 extra' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'succeeded', amount: 100_000, depositedAmount: 100_500, creditedAmount: 100_500, difference: 500 });
    expect(res.body.timeline.find((e: { type: string }) => e.type === 'deposit_confirmed').data).toMatchObject({ difference: 500, memo: 'paid 500 extra' });
    const again = await svc.admin.post(`/v1/charges/${charge.id}/confirm-deposit`, { depositedAmount: 100_500 });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(res.body);
    expect(await balance(a)).toMatchObject({ balance: 100_500, pendingCharges: 0 });
    expect(await chargeEntries(charge.id)).toHaveLength(1);
    expect(await checkLedgerIntegrity(svc.db.prisma)).toEqual([]);
  });

  it('a second confirmation with another deposited amount is 409 invalid_state naming both amounts; nothing changes', async () => {
    const a = await svc.account();
    const charge = await bankTransfer(a, 100_000);
    const [first, second] = await Promise.all([
      svc.admin.post(`/v1/charges/${charge.id}/confirm-deposit`, { depositedAmount: 100_000 }),
      svc.admin.post(`/v1/charges/${charge.id}/confirm-deposit`, { depositedAmount: 90_000 }),
    ]);
    const [won, lost] = first.status === 200 ? [first, second] : [second, first];
    expect(won.status).toBe(200);
    expect(lost.status).toBe(409);
    expect(lost.body).toMatchObject({ code: 'invalid_state', depositedAmount: won.body.depositedAmount, requestedDepositedAmount: expect.any(Number) });
    expect(lost.body.detail).toContain(String(won.body.depositedAmount));
    const after = await svc.admin.post(`/v1/charges/${charge.id}/confirm-deposit`, {
      depositedAmount: won.body.depositedAmount === 100_000 ? 90_000 : 100_000,
    });
    expect(after.status).toBe(409);
    expect(after.body).toMatchObject({ code: 'invalid_state', depositedAmount: won.body.depositedAmount });
    expect((await svc.admin.post(`/v1/charges/${charge.id}/confirm-deposit`, { depositedAmount: won.body.depositedAmount })).status).toBe(200);
    expect(await chargeEntries(charge.id)).toHaveLength(1);
    expect((await balance(a)).balance).toBe(won.body.depositedAmount);
  });

  it('the requester cancels while awaiting; cancelling again is harmless; confirming a cancelled charge is invalid_state', async () => {
    const a = await svc.account();
    const charge = await bankTransfer(a);
    const res = await svc.as(a.apiKey).post(`/v1/charges/${charge.id}/cancel`);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('cancelled');
    expect((await svc.as(a.apiKey).post(`/v1/charges/${charge.id}/cancel`)).status).toBe(200);
    const confirm = await svc.admin.post(`/v1/charges/${charge.id}/confirm-deposit`, { depositedAmount: 100_000 });
    expect(confirm.status).toBe(409);
    expect(confirm.body).toMatchObject({ code: 'invalid_state', status: 409, currentStatus: 'cancelled' });
    const other = await svc.account();
    expect((await svc.as(other.apiKey).post(`/v1/charges/${charge.id}/cancel`)).status).toBe(404);
    expect(await chargeEntries(charge.id)).toHaveLength(0);
  });

  it('the admin rejects with a reason; the requester can no longer cancel', async () => {
    const a = await svc.account();
    const charge = await bankTransfer(a);
    expect((await svc.admin.post(`/v1/charges/${charge.id}/reject`, {})).status).toBe(400);
    const res = await svc.admin.post(`/v1/charges/${charge.id}/reject`, { reason: 'no matching deposit' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'rejected', failureReason: 'no matching deposit' });
    expect((await svc.as(a.apiKey).post(`/v1/charges/${charge.id}/cancel`)).body.code).toBe('invalid_state');
  });

  it('confirm and cancel racing over HTTP: exactly one succeeds, the other is invalid_state, at most one credit', async () => {
    const a = await svc.account();
    for (let i = 0; i < 4; i++) {
      const charge = await bankTransfer(a);
      const confirm = () => svc.admin.post(`/v1/charges/${charge.id}/confirm-deposit`, { depositedAmount: 100_000 });
      const cancel = () => svc.as(a.apiKey).post(`/v1/charges/${charge.id}/cancel`);
      const results = await Promise.all(i % 2 ? [cancel(), confirm()] : [confirm(), cancel()]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(results.find((r) => r.status === 409)!.body.code).toBe('invalid_state');
      const final = (await svc.as(a.apiKey).get(`/v1/charges/${charge.id}`)).body.status;
      expect(results.find((r) => r.status === 200)!.body.status).toBe(final);
      expect(await chargeEntries(charge.id)).toHaveLength(final === 'succeeded' ? 1 : 0);
    }
    const credited = await svc.db.prisma.ledgerEntry.count({ where: { walletId: a.id } });
    expect((await balance(a)).balance).toBe(credited * 100_000);
    expect(await checkLedgerIntegrity(svc.db.prisma)).toEqual([]);
  });

  it('racing twin requests with one Idempotency-Key open one charge and get the same answer', async () => {
    const a = await svc.account();
    const body = { accountId: a.id, amount: 100_000, method: 'bank_transfer' };
    const results = await Promise.all(Array.from({ length: 8 }, () => svc.as(a.apiKey).post('/v1/charges', body, 'twin-key')));
    for (const r of results) expect(r.status).toBe(202);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(await svc.db.prisma.charge.count({ where: { accountId: a.id } })).toBe(1);
  });

  it('an unconfirmed charge expires after 5 business days; confirming it then is invalid_state', async () => {
    const a = await svc.account();
    const charge = await bankTransfer(a);
    const now = await svc.env.currentTimeMs();
    await svc.env.sleep(Date.parse(charge.expiresAt) - now + 60_000);
    const expired = await until(async () => {
      const r = await svc.as(a.apiKey).get(`/v1/charges/${charge.id}`);
      return r.body.status === 'expired' && r.body;
    }, 'the charge to expire');
    expect(expired.timeline.map((e: { type: string }) => e.type)).toEqual(['requested', 'awaiting_deposit', 'confirmation_overdue', 'expired']);
    const overdue = await svc.db.prisma.adminEvent.count({ where: { type: 'charge_confirmation_overdue', subjectId: charge.id } });
    expect(overdue).toBe(1);
    const confirm = await svc.admin.post(`/v1/charges/${charge.id}/confirm-deposit`, { depositedAmount: 100_000 });
    expect(confirm.status).toBe(409);
    expect(confirm.body).toMatchObject({ code: 'invalid_state', status: 409, currentStatus: 'expired' });
    expect(await chargeEntries(charge.id)).toHaveLength(0);
  });
});

describe('reading charges', () => {
  it('account keys see their own and their sub-accounts’ charges; other tenants get 404', async () => {
    const partner = await svc.account({ name: 'Partner' });
    const child = await svc.account({ name: 'Own-billed child', parentId: partner.id });
    const stranger = await svc.account();
    const mine = await bankTransfer(partner);
    const childs = await bankTransfer(child);
    await bankTransfer(stranger);

    const list = await svc.as(partner.apiKey).get('/v1/charges');
    expect(list.status).toBe(200);
    expect(list.body.charges.map((c: { id: string }) => c.id).sort()).toEqual([mine.id, childs.id].sort());
    const onlyChild = await svc.as(partner.apiKey).get(`/v1/charges?accountId=${child.id}`);
    expect(onlyChild.body.charges.map((c: { id: string }) => c.id)).toEqual([childs.id]);
    expect((await svc.as(child.apiKey).get('/v1/charges')).body.charges.map((c: { id: string }) => c.id)).toEqual([childs.id]);
    expect((await svc.as(stranger.apiKey).get(`/v1/charges/${mine.id}`)).status).toBe(404);
    expect((await svc.as(stranger.apiKey).get(`/v1/charges?accountId=${partner.id}`)).status).toBe(404);
    expect((await svc.as(partner.apiKey).get('/v1/charges?status=nope')).status).toBe(400);
  });

  it("the admin's queue lists awaiting_deposit charges oldest first, paged with a cursor", async () => {
    const a = await svc.account();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await bankTransfer(a)).id);
    const queue = await svc.admin.get(`/v1/charges?status=awaiting_deposit&accountId=${a.id}&limit=2`);
    expect(queue.status).toBe(200);
    expect(queue.body.charges.map((c: { id: string }) => c.id)).toEqual(ids.slice(0, 2));
    expect(queue.body.charges[0].timeline).toBeDefined();
    const rest = await svc.admin.get(`/v1/charges?status=awaiting_deposit&accountId=${a.id}&limit=2&cursor=${queue.body.nextCursor}`);
    expect(rest.body.charges.map((c: { id: string }) => c.id)).toEqual(ids.slice(2));
    expect(rest.body.nextCursor).toBeNull();
    const all = await svc.admin.get('/v1/charges?status=awaiting_deposit');
    const positions = ids.map((id) => all.body.charges.findIndex((c: { id: string }) => c.id === id));
    expect(positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1]!))).toBe(true);
    const newest = await svc.admin.get(`/v1/charges?accountId=${a.id}`);
    expect(newest.body.charges.map((c: { id: string }) => c.id)).toEqual([...ids].reverse());
  });
});
