// API conventions end to end (Express + Temporal dev server + PostgreSQL): auth scopes, tenant isolation,
// validation, problem+json, idempotency (replay, conflicting body, racing twins), ledger pagination.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { startTestService, type TestService } from './support/service.ts';
import { checkLedgerIntegrity } from '../db/ledger.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ contract: true });
});
afterAll(async () => {
  await svc?.stop();
});

describe('authentication and scopes', () => {
  it('rejects a missing or unknown key with 401 problem+json', async () => {
    const res = await request(svc.app).get('/v1/prices');
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 401, code: 'unauthorized', title: expect.any(String), detail: expect.any(String), type: expect.any(String) });
    const res2 = await svc.as('pk_nope').get('/v1/prices');
    expect(res2.status).toBe(401);
  });

  it('the admin creates an account and gets its API key once; the key is stored hashed', async () => {
    const res = await svc.admin.post('/v1/accounts', { name: '마케팅 플랫폼' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: expect.any(String),
      name: '마케팅 플랫폼',
      billingMode: 'own',
      parentId: null,
      apiKey: expect.stringMatching(/^pk_/),
    });
    const stored = await svc.db.prisma.account.findUniqueOrThrow({ where: { id: res.body.id } });
    expect(stored.apiKeyHash).not.toContain(res.body.apiKey);
    const again = await svc.as(res.body.apiKey).get(`/v1/accounts/${res.body.id}`);
    expect(again.status).toBe(200);
    expect(again.body.apiKey).toBeUndefined();
  });

  it('a partner creates sub-accounts only under itself', async () => {
    const partner = await svc.account({ name: 'Partner' });
    const ok = await svc.as(partner.apiKey).post('/v1/accounts', { name: 'Child', parentId: partner.id, billingMode: 'parent' });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ parentId: partner.id, billingMode: 'parent' });
    const other = await svc.account();
    const denied = await svc.as(partner.apiKey).post('/v1/accounts', { name: 'Stolen', parentId: other.id });
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('forbidden');
    const noParent = await svc.as(partner.apiKey).post('/v1/accounts', { name: 'Top level' });
    expect(noParent.status).toBe(403);
  });

  it("another tenant's account answers 404, exactly like a missing one", async () => {
    const a = await svc.account();
    const b = await svc.account();
    const res = await svc.as(a.apiKey).get(`/v1/accounts/${b.id}`);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('not_found');
    const missing = await svc.as(a.apiKey).get(`/v1/accounts/00000000-0000-4000-8000-000000000000`);
    expect(missing.status).toBe(404);
    expect(missing.body.detail.replace(/[0-9a-f-]{36}/, 'ID')).toBe(res.body.detail.replace(/[0-9a-f-]{36}/, 'ID'));
    for (const path of ['balance', 'ledger']) {
      expect((await svc.as(a.apiKey).get(`/v1/accounts/${b.id}/${path}`)).status).toBe(404);
    }
  });
});

describe('validation', () => {
  it('answers 400 validation_error with the field for bad bodies and changes nothing', async () => {
    const before = await svc.db.prisma.account.count();
    const res = await svc.admin.post('/v1/accounts', { name: '', extra: 1 });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_error');
    expect(res.body.errors.length).toBeGreaterThan(0);
    const malformed = await request(svc.app)
      .post('/v1/accounts')
      .set('Authorization', 'Bearer test-admin-key-0123456789')
      .set('content-type', 'application/json')
      .send('{"name":');
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('validation_error');
    expect(await svc.db.prisma.account.count()).toBe(before);
    const badId = await svc.admin.get('/v1/accounts/not-a-uuid');
    expect(badId.status).toBe(400);
  });

  it('unknown routes are 404 problem+json', async () => {
    const res = await svc.admin.get('/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
  });
});

describe('balances, prices and the ledger', () => {
  it('GET /v1/prices lists the default price list', async () => {
    const a = await svc.account();
    const res = await svc.as(a.apiKey).get('/v1/prices');
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual(
      expect.arrayContaining([
        { item: 'sms', unitPrice: 9 },
        { item: 'lms', unitPrice: 30 },
        { item: 'mms', unitPrice: 60 },
        { item: 'alimtalk', unitPrice: 8 },
      ]),
    );
  });

  it('the balance shows what it can still pay for, per item', async () => {
    const a = await svc.account({ balance: 100 });
    const res = await svc.as(a.apiKey).get(`/v1/accounts/${a.id}/balance`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accountId: a.id, fundingAccountId: a.id, balance: 100, pendingCharges: 0, sendable: { sms: 11, lms: 3, mms: 1, alimtalk: 12 } });
  });

  it('pages through the ledger newest first with a cursor, filtered by kind', async () => {
    const a = await svc.account({ balance: 1_000 });
    for (let i = 0; i < 5; i++) {
      const r = await svc.as(a.apiKey).post('/v1/consumptions', { accountId: a.id, amount: 10 + i }, `page-${a.id}-${i}`);
      expect(r.status).toBe(201);
    }
    const p1 = await svc.as(a.apiKey).get(`/v1/accounts/${a.id}/ledger?limit=2&kind=consumption`);
    expect(p1.status).toBe(200);
    expect(p1.body.entries.map((e: { amount: number }) => e.amount)).toEqual([-14, -13]);
    expect(p1.body.nextCursor).toBeTruthy();
    const p2 = await svc.as(a.apiKey).get(`/v1/accounts/${a.id}/ledger?limit=2&kind=consumption&cursor=${p1.body.nextCursor}`);
    expect(p2.body.entries.map((e: { amount: number }) => e.amount)).toEqual([-12, -11]);
    const p3 = await svc.as(a.apiKey).get(`/v1/accounts/${a.id}/ledger?limit=2&kind=consumption&cursor=${p2.body.nextCursor}`);
    expect(p3.body.entries.map((e: { amount: number }) => e.amount)).toEqual([-10]);
    expect(p3.body.nextCursor).toBeNull();
    const all = await svc.as(a.apiKey).get(`/v1/accounts/${a.id}/ledger`);
    expect(all.body.entries[0]).toMatchObject({
      kind: 'consumption',
      amount: -14,
      balanceAfter: 1_000 - 60,
      accountId: a.id,
      consumptionId: expect.any(String),
    });
    expect(all.body.entries.at(-1)).toMatchObject({ kind: 'adjustment', amount: 1_000, balanceAfter: 1_000 });
  });
});

describe('Idempotency-Key', () => {
  it('is required on POST /v1/consumptions', async () => {
    const a = await svc.account({ balance: 100 });
    const res = await svc.as(a.apiKey).post('/v1/consumptions', { accountId: a.id, amount: 10 });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_error');
  });

  it('replays the stored answer for the same key and body, without a second debit', async () => {
    const a = await svc.account({ balance: 100 });
    const first = await svc.as(a.apiKey).post('/v1/consumptions', { accountId: a.id, amount: 30 }, 'same-key');
    const second = await svc.as(a.apiKey).post('/v1/consumptions', { accountId: a.id, amount: 30 }, 'same-key');
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    const bal = await svc.as(a.apiKey).get(`/v1/accounts/${a.id}/balance`);
    expect(bal.body.balance).toBe(70);
  });

  it('answers 409 idempotency_key_reused for the same key with a different body', async () => {
    const a = await svc.account({ balance: 100 });
    await svc.as(a.apiKey).post('/v1/consumptions', { accountId: a.id, amount: 30 }, 'k1');
    const res = await svc.as(a.apiKey).post('/v1/consumptions', { accountId: a.id, amount: 31 }, 'k1');
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('idempotency_key_reused');
    expect((await svc.as(a.apiKey).get(`/v1/accounts/${a.id}/balance`)).body.balance).toBe(70);
  });

  it('keys are scoped per principal: two tenants may use the same key', async () => {
    const a = await svc.account({ balance: 100 });
    const b = await svc.account({ balance: 100 });
    expect((await svc.as(a.apiKey).post('/v1/consumptions', { accountId: a.id, amount: 5 }, 'shared')).status).toBe(201);
    expect((await svc.as(b.apiKey).post('/v1/consumptions', { accountId: b.id, amount: 5 }, 'shared')).status).toBe(201);
  });

  it('20 racing requests with one key debit once and all get the same answer', async () => {
    const a = await svc.account({ balance: 1_000 });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => svc.as(a.apiKey).post('/v1/consumptions', { accountId: a.id, amount: 100 }, 'race-key')),
    );
    for (const r of results) expect(r.status).toBe(201);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(new Set(results.map((r) => r.body.balanceAfter))).toEqual(new Set([900]));
    expect((await svc.as(a.apiKey).get(`/v1/accounts/${a.id}/balance`)).body.balance).toBe(900);
    expect(await svc.db.prisma.ledgerEntry.count({ where: { walletId: a.id, kind: 'consumption' } })).toBe(1);
    expect(await checkLedgerIntegrity(svc.db.prisma)).toEqual([]);
  });
});

describe('operations endpoints', () => {
  it('/healthz, /readyz and /metrics answer without a key', async () => {
    expect((await request(svc.app).get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await request(svc.app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toMatchObject({ database: 'ok', temporal: 'ok' });
    const metrics = await request(svc.app).get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('http_request_duration_seconds');
  });

  it('/openapi.json describes every v1 route the app serves, and /docs renders it', async () => {
    const doc = await request(svc.app).get('/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    for (const path of [
      '/v1/accounts',
      '/v1/accounts/{id}/balance',
      '/v1/accounts/{id}/ledger',
      '/v1/charges',
      '/v1/charges/{id}/confirm-deposit',
      '/v1/consumptions',
      '/v1/consumptions/{id}/refunds',
      '/v1/refunds/{id}/approve',
      '/v1/prices',
    ]) {
      expect(doc.body.paths[path], path).toBeDefined();
    }
    const routes: string[] = [];
    const stack = (svc.app as unknown as { router: { stack: Layer[] } }).router.stack;
    type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };
    const walk = (layers: Layer[]) => {
      for (const l of layers) {
        if (l.route) for (const m of Object.keys(l.route.methods)) routes.push(`${m} ${l.route.path}`);
        else if (l.handle?.stack) walk(l.handle.stack);
      }
    };
    walk(stack);
    expect(routes.length).toBeGreaterThan(15);
    const documented = new Set(
      Object.entries(doc.body.paths as Record<string, object>).flatMap(([p, item]) =>
        Object.keys(item).map((m) => `${m} ${p.replace(/^\/v1/, '').replace(/\{(\w+)\}/g, ':$1')}`),
      ),
    );
    const missing = routes.filter((r) => !documented.has(r) && !documented.has(r.replace(' /', ' /')));
    expect(missing.filter((r) => !/\/(openapi\.json|docs)$/.test(r))).toEqual([]);
    const docs = await request(svc.app).get('/docs');
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('/openapi.json');
  });
});
