// The admin page and the admin-only lists it reads: the refunds awaiting review (oldest first) and the
// recent admin events (newest first). Account keys get 403.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { startTestService, ADMIN_KEY, type TestService } from './support/service.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ contract: true });
});
afterAll(async () => {
  await svc?.stop();
});

describe('GET /admin', () => {
  it('serves a self-contained page whose only script is allowed by hash and which holds no key', async () => {
    const res = await request(svc.app).get('/admin');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain("connect-src 'self'");
    expect(res.text).toContain('sessionStorage');
    expect(res.text).toContain('/v1/charges?status=awaiting_deposit');
    expect(res.text).toContain('/v1/refunds?status=pending_review');
    expect(res.text).toContain('/v1/admin/events');
    expect(res.text).not.toContain(ADMIN_KEY);
    expect(res.text).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']https?:/);
  });
});

describe('GET /v1/refunds?status=pending_review', () => {
  it('is admin-only and lists refunds awaiting review oldest first', async () => {
    const a = await svc.account({ balance: 10_000 });
    const consumption = await svc.as(a.apiKey).post('/v1/consumptions', { accountId: a.id, amount: 1_000 }, `c-${a.id}`);
    expect(consumption.status).toBe(201);
    const ids: string[] = [];
    for (const [i, reason] of (['other', 'wrong_service', 'send_failed'] as const).entries()) {
      const res = await svc.as(a.apiKey).post(`/v1/consumptions/${consumption.body.id}/refunds`, { amount: 100, reason }, `r-${a.id}-${i}`);
      expect(res.status).toBe(reason === 'send_failed' ? 201 : 202);
      ids.push(res.body.id);
    }
    expect((await svc.as(a.apiKey).get('/v1/refunds?status=pending_review')).status).toBe(403);
    const list = await svc.admin.get('/v1/refunds?status=pending_review&limit=200');
    expect(list.status).toBe(200);
    const mine = (list.body.refunds as { id: string; status: string }[]).filter((r) => ids.includes(r.id));
    expect(mine.map((r) => r.id)).toEqual([ids[0], ids[1]]);
    const all = list.body.refunds as { status: string; createdAt: string }[];
    expect(all.every((r) => r.status === 'pending_review')).toBe(true);
    expect(all.map((r) => r.createdAt)).toEqual([...all.map((r) => r.createdAt)].sort());

    const first = await svc.admin.get('/v1/refunds?status=pending_review&limit=1');
    expect(first.body.refunds).toHaveLength(all.length >= 1 ? 1 : 0);
    if (all.length > 1) {
      const next = await svc.admin.get(`/v1/refunds?status=pending_review&limit=1&cursor=${first.body.nextCursor}`);
      expect(next.body.refunds[0].id).not.toBe(first.body.refunds[0].id);
    }
    expect((await svc.admin.get('/v1/refunds?status=bogus')).status).toBe(400);
  });
});

describe('GET /v1/admin/events', () => {
  it('is admin-only and lists recent events newest first, up to limit', async () => {
    const tag = `test-${Date.now()}`;
    for (let i = 0; i < 3; i++) {
      await svc.db.prisma.adminEvent.create({ data: { type: tag, subjectId: `subject-${i}`, data: { i }, key: `${tag}/${i}` } });
    }
    const a = await svc.account();
    expect((await svc.as(a.apiKey).get('/v1/admin/events')).status).toBe(403);
    const res = await svc.admin.get(`/v1/admin/events?type=${tag}&limit=2`);
    expect(res.status).toBe(200);
    expect(res.body.events.map((e: { subjectId: string }) => e.subjectId)).toEqual(['subject-2', 'subject-1']);
    expect(res.body.events[0]).toMatchObject({ type: tag, data: { i: 2 }, id: expect.any(String), createdAt: expect.any(String) });
    expect((await svc.admin.get('/v1/admin/events?limit=0')).status).toBe(400);
  });
});

describe('GET /v1/admin/decisions', () => {
  it('is admin-only and lists confirmations (with the deposited amount and memo), rejections and reviewed refunds, newest first, with business names', async () => {
    const a = await svc.account({ name: '결정 상점', balance: 10_000 });
    const open = (amount: number, key: string) =>
      svc.as(a.apiKey).post('/v1/charges', { accountId: a.id, amount, method: 'bank_transfer', depositorName: '결정' }, key);
    const confirmed = await open(100_000, `dec-1-${a.id}`);
    const rejected = await open(60_000, `dec-2-${a.id}`);
    expect((await svc.admin.post(`/v1/charges/${confirmed.body.id}/confirm-deposit`, { depositedAmount: 95_000, memo: '수수료 차감' })).status).toBe(200);
    expect((await svc.admin.post(`/v1/charges/${rejected.body.id}/reject`, { reason: '입금 없음' })).status).toBe(200);
    const consumption = await svc.as(a.apiKey).post('/v1/consumptions', { accountId: a.id, amount: 1_000 }, `dec-c-${a.id}`);
    const automatic = await svc.as(a.apiKey).post(`/v1/consumptions/${consumption.body.id}/refunds`, { amount: 100, reason: 'send_failed' }, `dec-r1-${a.id}`);
    expect(automatic.status).toBe(201);
    const reviewed = await svc.as(a.apiKey).post(`/v1/consumptions/${consumption.body.id}/refunds`, { amount: 200, reason: 'other' }, `dec-r2-${a.id}`);
    expect((await svc.admin.post(`/v1/refunds/${reviewed.body.id}/approve`, { memo: '확인함' })).status).toBe(200);

    expect((await svc.as(a.apiKey).get('/v1/admin/decisions')).status).toBe(403);
    const res = await svc.admin.get('/v1/admin/decisions?limit=100');
    expect(res.status).toBe(200);
    const mine = (res.body.decisions as { accountId: string; subjectId: string }[]).filter((d) => d.accountId === a.id);
    expect(mine).toEqual([
      expect.objectContaining({
        kind: 'refund_approved',
        subject: 'refund',
        subjectId: reviewed.body.id,
        accountName: '결정 상점',
        amount: 200,
        reason: 'other',
        note: '확인함',
      }),
      expect.objectContaining({ kind: 'charge_rejected', subject: 'charge', subjectId: rejected.body.id, amount: 60_000, note: '입금 없음' }),
      expect.objectContaining({
        kind: 'deposit_confirmed',
        subject: 'charge',
        subjectId: confirmed.body.id,
        accountName: '결정 상점',
        amount: 95_000,
        requestedAmount: 100_000,
        note: '수수료 차감',
        by: 'admin',
      }),
    ]);
    // The automatic refund (send_failed) was nobody's decision.
    expect(mine.map((d) => d.subjectId)).not.toContain(automatic.body.id);
    expect((await svc.admin.get('/v1/admin/decisions?limit=0')).status).toBe(400);
  });
});
