// Refunds over HTTP (Express + Temporal dev server + worker + PostgreSQL): automatic credits (201),
// reviews (202) decided by the admin, partial refunds, racing refunds, idempotency, and access.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from './support/service.ts';
import { checkLedgerIntegrity } from '../db/ledger.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ contract: true });
});
afterAll(async () => {
  await svc?.stop();
});

type Key = { id: string; apiKey: string };

async function consume(as: Key, accountId: string, amount: number): Promise<{ id: string; fundingAccountId: string; balanceAfter: number }> {
  const res = await svc.as(as.apiKey).post('/v1/consumptions', { accountId, amount }, `c-${randomUUID()}`);
  expect(res.status).toBe(201);
  return res.body;
}

const refund = (as: Key, consumptionId: string, body: object, key = `r-${randomUUID()}`) =>
  svc.as(as.apiKey).post(`/v1/consumptions/${consumptionId}/refunds`, body, key);

const balance = async (as: Key, accountId: string) => (await svc.as(as.apiKey).get(`/v1/accounts/${accountId}/balance`)).body.balance as number;

describe('automatic refunds', () => {
  it("send_failed answers 201 and credits the partner's wallet for a parent-billed child; ledger, consumption and refund show it", async () => {
    const partner = await svc.account({ name: 'Partner', balance: 1_000 });
    const child = await svc.account({ name: 'Child', parentId: partner.id, billingMode: 'parent' });
    const c = await consume(child, child.id, 100);
    expect(c.fundingAccountId).toBe(partner.id);

    const res = await refund(child, c.id, { amount: 40, reason: 'send_failed', memo: '3 of 10 failed' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: expect.any(String),
      consumptionId: c.id,
      accountId: child.id,
      fundingAccountId: partner.id,
      amount: 40,
      reason: 'send_failed',
      memo: '3 of 10 failed',
      status: 'succeeded',
      overdue: false,
    });
    expect(await balance(partner, partner.id)).toBe(940);

    const ledger = await svc.as(partner.apiKey).get(`/v1/accounts/${partner.id}/ledger?kind=refund`);
    expect(ledger.body.entries).toEqual([
      expect.objectContaining({
        kind: 'refund',
        amount: 40,
        balanceAfter: 940,
        accountId: child.id,
        fundingAccountId: partner.id,
        refundId: res.body.id,
        consumptionId: c.id,
      }),
    ]);
    const childLedger = await svc.as(child.apiKey).get(`/v1/accounts/${child.id}/ledger?kind=refund`);
    expect(childLedger.body.entries).toHaveLength(1);

    const consumption = await svc.as(child.apiKey).get(`/v1/consumptions/${c.id}`);
    expect(consumption.body).toMatchObject({
      amount: 100,
      refundedAmount: 40,
      pendingRefundAmount: 0,
      refunds: [expect.objectContaining({ id: res.body.id, status: 'succeeded', amount: 40 })],
    });
    const got = await svc.as(partner.apiKey).get(`/v1/refunds/${res.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(res.body);
  });

  it('a consumption is refunded in parts up to its amount; beyond it 422 refund_exceeds_consumption, stored for the key', async () => {
    const a = await svc.account({ balance: 500 });
    const c = await consume(a, a.id, 100);
    for (const [amount, reason] of [
      [30, 'send_failed'],
      [30, 'unreachable_number'],
      [40, 'duplicate_order'],
    ] as const) {
      expect((await refund(a, c.id, { amount, reason })).status).toBe(201);
    }
    const over = await refund(a, c.id, { amount: 1, reason: 'send_failed' }, 'one-too-many');
    expect(over.status).toBe(422);
    expect(over.headers['content-type']).toMatch(/problem\+json/);
    expect(over.body).toMatchObject({ code: 'refund_exceeds_consumption', status: 422, consumptionAmount: 100, refundableAmount: 0, requested: 1 });
    const replay = await refund(a, c.id, { amount: 1, reason: 'send_failed' }, 'one-too-many');
    expect(replay.status).toBe(422);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(over.body);
    expect(await balance(a, a.id)).toBe(500);
    expect((await svc.as(a.apiKey).get(`/v1/consumptions/${c.id}`)).body).toMatchObject({ refundedAmount: 100, refunds: expect.any(Array) });
  });
});

describe('refunds awaiting review', () => {
  it('wrong_service answers 202 pending_review; the admin approves (credited), again is harmless, a rejection then is invalid_state', async () => {
    const a = await svc.account({ balance: 300 });
    const c = await consume(a, a.id, 100);
    const res = await refund(a, c.id, { amount: 60, reason: 'wrong_service' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'pending_review', amount: 60, reviewDueAt: expect.any(String), overdue: false });
    expect(new Date(res.body.reviewDueAt).getTime()).toBeGreaterThan(Date.now() + 5 * 24 * 3600_000);
    expect((await svc.as(a.apiKey).get(`/v1/consumptions/${c.id}`)).body).toMatchObject({ refundedAmount: 0, pendingRefundAmount: 60 });
    expect(await balance(a, a.id)).toBe(200);

    const denied = await svc.as(a.apiKey).post(`/v1/refunds/${res.body.id}/approve`);
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('forbidden');

    const approved = await svc.admin.post(`/v1/refunds/${res.body.id}/approve`, { memo: 'checked the order' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ id: res.body.id, status: 'succeeded', decisionReason: 'checked the order', completedAt: expect.any(String) });
    expect(await balance(a, a.id)).toBe(260);
    const again = await svc.admin.post(`/v1/refunds/${res.body.id}/approve`);
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('succeeded');
    const reject = await svc.admin.post(`/v1/refunds/${res.body.id}/reject`, { reason: 'too late' });
    expect(reject.status).toBe(409);
    expect(reject.body.code).toBe('invalid_state');
    expect(await balance(a, a.id)).toBe(260);
    expect(await svc.db.prisma.ledgerEntry.count({ where: { refundId: res.body.id } })).toBe(1);
    expect((await svc.as(a.apiKey).get(`/v1/refunds/${res.body.id}`)).body.status).toBe('succeeded');
  });

  it('a rejection releases the reservation (the amount can be refunded again); approving it afterwards is invalid_state', async () => {
    const a = await svc.account({ balance: 300 });
    const c = await consume(a, a.id, 100);
    const res = await refund(a, c.id, { amount: 100, reason: 'other', memo: 'customer complaint' });
    expect(res.status).toBe(202);
    expect((await refund(a, c.id, { amount: 10, reason: 'send_failed' })).status).toBe(422);

    const noReason = await svc.admin.post(`/v1/refunds/${res.body.id}/reject`, {});
    expect(noReason.status).toBe(400);
    const rejected = await svc.admin.post(`/v1/refunds/${res.body.id}/reject`, { reason: 'the messages were delivered' });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', decisionReason: 'the messages were delivered' });
    expect((await svc.admin.post(`/v1/refunds/${res.body.id}/reject`, { reason: 'again' })).status).toBe(200);
    const approve = await svc.admin.post(`/v1/refunds/${res.body.id}/approve`);
    expect(approve.status).toBe(409);
    expect(approve.body.code).toBe('invalid_state');
    expect(await balance(a, a.id)).toBe(200);
    expect((await svc.as(a.apiKey).get(`/v1/consumptions/${c.id}`)).body).toMatchObject({ refundedAmount: 0, pendingRefundAmount: 0 });

    expect((await refund(a, c.id, { amount: 100, reason: 'send_failed' })).status).toBe(201);
    expect(await balance(a, a.id)).toBe(300);
  });

  it('approving or rejecting an automatic refund is invalid_state', async () => {
    const a = await svc.account({ balance: 100 });
    const c = await consume(a, a.id, 50);
    const res = await refund(a, c.id, { amount: 50, reason: 'duplicate_order' });
    expect(res.status).toBe(201);
    for (const path of ['approve', 'reject']) {
      const r = await svc.admin.post(`/v1/refunds/${res.body.id}/${path}`, path === 'reject' ? { reason: 'no' } : {});
      expect(r.status).toBe(409);
      expect(r.body.code).toBe('invalid_state');
    }
    expect(await balance(a, a.id)).toBe(100);
  });
});

describe('races and idempotency', () => {
  it('10 racing partial refunds of 30 on a consumption of 100: exactly 3 succeed, 7 are 422, the refunds never exceed it', async () => {
    const a = await svc.account({ balance: 1_000 });
    const c = await consume(a, a.id, 100);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => refund(a, c.id, { amount: 30, reason: i % 2 ? 'send_failed' : 'unreachable_number' })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 201, 422, 422, 422, 422, 422, 422, 422]);
    for (const r of results.filter((r) => r.status === 422)) expect(r.body.code).toBe('refund_exceeds_consumption');
    expect((await svc.as(a.apiKey).get(`/v1/consumptions/${c.id}`)).body).toMatchObject({ refundedAmount: 90, pendingRefundAmount: 0 });
    expect(await balance(a, a.id)).toBe(990);
    expect(await svc.db.prisma.ledgerEntry.count({ where: { consumptionId: c.id, kind: 'refund' } })).toBe(3);
    expect(await checkLedgerIntegrity(svc.db.prisma)).toEqual([]);
  });

  it('10 racing requests with one Idempotency-Key refund once and all get the same answer', async () => {
    const a = await svc.account({ balance: 1_000 });
    const c = await consume(a, a.id, 100);
    const results = await Promise.all(Array.from({ length: 10 }, () => refund(a, c.id, { amount: 25, reason: 'send_failed' }, 'refund-race')));
    for (const r of results) expect(r.status).toBe(201);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(await svc.db.prisma.refund.count({ where: { consumptionId: c.id } })).toBe(1);
    expect(await svc.db.prisma.ledgerEntry.count({ where: { consumptionId: c.id, kind: 'refund' } })).toBe(1);
    expect(await balance(a, a.id)).toBe(925);
    const later = await refund(a, c.id, { amount: 25, reason: 'send_failed' }, 'refund-race');
    expect(later.headers['idempotent-replayed']).toBe('true');
    expect(later.body).toEqual(results[0]!.body);
    expect(await balance(a, a.id)).toBe(925);
  });

  it('25 racing twins of a review refund get one 202; the Idempotency-Key is required and bound to its body', async () => {
    const a = await svc.account({ balance: 1_000 });
    const c = await consume(a, a.id, 100);
    const twins = await Promise.all(Array.from({ length: 25 }, () => refund(a, c.id, { amount: 10, reason: 'other' }, 'review-twins')));
    for (const r of twins) expect(r.status).toBe(202);
    expect(new Set(twins.map((r) => r.body.id)).size).toBe(1);
    expect((await svc.db.prisma.consumption.findUniqueOrThrow({ where: { id: c.id } })).reservedAmount).toBe(10n);

    const reused = await refund(a, c.id, { amount: 11, reason: 'other' }, 'review-twins');
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe('idempotency_key_reused');
    const noKey = await svc.as(a.apiKey).post(`/v1/consumptions/${c.id}/refunds`, { amount: 5, reason: 'send_failed' });
    expect(noKey.status).toBe(400);
    for (const body of [
      { amount: 0, reason: 'send_failed' },
      { amount: 5, reason: 'because' },
      { amount: 1.5, reason: 'other' },
      { amount: 5, reason: 'other', extra: 1 },
    ]) {
      const bad = await refund(a, c.id, body);
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('validation_error');
    }
    expect(await svc.db.prisma.refund.count({ where: { consumptionId: c.id } })).toBe(1);
  });

  it('a retry after the API lost its answer converges on the same refund (ended, waiting, or refused workflow)', async () => {
    const a = await svc.account({ balance: 1_000 });
    const c = await consume(a, a.id, 100);
    const cases = [
      { key: 'lost-auto', body: { amount: 60, reason: 'send_failed' }, status: 201 },
      { key: 'lost-review', body: { amount: 30, reason: 'wrong_service' }, status: 202 },
      { key: 'lost-refused', body: { amount: 11, reason: 'send_failed' }, status: 422 },
    ];
    const first: unknown[] = [];
    for (const k of cases) {
      const res = await refund(a, c.id, k.body, k.key);
      expect(res.status).toBe(k.status);
      first.push(res.body);
    }
    // As if the process died after the workflow answered and before the answer was stored.
    await svc.db.prisma.idempotencyRecord.updateMany({
      where: { principal: `account:${a.id}`, key: { in: cases.map((k) => k.key) } },
      data: { responseStatus: null, completedAt: null },
    });
    const retry = async (i: number) => {
      const k = cases[i]!;
      const res = await refund(a, c.id, k.body, k.key);
      expect(res.status).toBe(k.status);
      expect(res.headers['idempotent-replayed']).toBeUndefined();
      expect(res.body).toEqual(first[i]);
    };
    await retry(0);
    await retry(1);
    // Room frees up before the refused request is retried: its refund id still never runs again.
    expect((await svc.admin.post(`/v1/refunds/${(first[1] as { id: string }).id}/reject`, { reason: 'delivered' })).status).toBe(200);
    await retry(2);
    expect(await svc.db.prisma.refund.count({ where: { consumptionId: c.id } })).toBe(2);
    expect(await svc.db.prisma.ledgerEntry.count({ where: { consumptionId: c.id, kind: 'refund' } })).toBe(1);
    expect((await svc.db.prisma.consumption.findUniqueOrThrow({ where: { id: c.id } })).reservedAmount).toBe(60n);
  });
});

describe('access', () => {
  it("another tenant's consumption and refund answer 404; a partner acts for its sub-account's refunds", async () => {
    const partner = await svc.account({ name: 'Partner', balance: 1_000 });
    const child = await svc.account({ name: 'Own child', parentId: partner.id, billingMode: 'own', balance: 500 });
    const stranger = await svc.account({ balance: 100 });
    const c = await consume(partner, child.id, 100);
    expect(c.fundingAccountId).toBe(child.id);

    const byPartner = await refund(partner, c.id, { amount: 20, reason: 'send_failed' });
    expect(byPartner.status).toBe(201);
    expect(byPartner.body).toMatchObject({ accountId: child.id, fundingAccountId: child.id });
    expect(await balance(child, child.id)).toBe(420);
    expect((await svc.as(child.apiKey).get(`/v1/refunds/${byPartner.body.id}`)).status).toBe(200);

    const theirs = await refund(stranger, c.id, { amount: 1, reason: 'send_failed' });
    expect(theirs.status).toBe(404);
    expect(theirs.body.code).toBe('not_found');
    expect((await svc.as(stranger.apiKey).get(`/v1/refunds/${byPartner.body.id}`)).status).toBe(404);
    expect((await svc.as(stranger.apiKey).get(`/v1/consumptions/${c.id}`)).status).toBe(404);
    // The child cannot see its partner's own consumptions.
    const partnerOwn = await consume(partner, partner.id, 10);
    expect((await refund(child, partnerOwn.id, { amount: 1, reason: 'send_failed' })).status).toBe(404);
    expect((await svc.admin.get(`/v1/refunds/${randomUUID()}`)).status).toBe(404);
    expect((await svc.admin.post(`/v1/refunds/${randomUUID()}/approve`)).status).toBe(404);
    expect((await refund(partner, randomUUID(), { amount: 1, reason: 'send_failed' })).status).toBe(404);
  });
});
