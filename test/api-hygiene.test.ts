// Honest answers and input hygiene over HTTP (Express + Temporal dev server + worker + PostgreSQL):
// an Idempotency-Key replay is recognised whatever the path's spelling; hostile cursors, limits and ids
// are 400 validation_error (never 500); names refuse invisible and direction-changing characters; and
// automatic refund reasons on old consumptions go to review (AUTO_REFUND_WINDOW_DAYS).
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { ADMIN_KEY, startTestService, type TestService } from './support/service.ts';
import { checkLedgerIntegrity } from '../db/ledger.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ contract: true, env: { AUTO_REFUND_WINDOW_DAYS: '7' } });
});
afterAll(async () => {
  await svc?.stop();
});

const DAY = 24 * 60 * 60 * 1000;

describe('idempotency key replays by the matched route', () => {
  it('a replay with a trailing slash or other letter case answers the stored result, no 409, one debit', async () => {
    const a = await svc.account({ balance: 1_000 });
    const key = `spell-${randomUUID()}`;
    const body = { accountId: a.id, amount: 100 };
    const first = await svc.as(a.apiKey).post('/v1/consumptions', body, key);
    expect(first.status).toBe(201);
    for (const path of ['/v1/consumptions/', '/V1/Consumptions', '/v1/CONSUMPTIONS/']) {
      const again = await svc.as(a.apiKey).post(path, body, key);
      expect(again.status, `${path}: ${JSON.stringify(again.body)}`).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body.id).toBe(first.body.id);
    }
    // A different body under the same key is still a different request.
    const other = await svc.as(a.apiKey).post('/v1/consumptions/', { ...body, amount: 101 }, key);
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('idempotency_key_reused');
    expect(await svc.db.prisma.ledgerEntry.count({ where: { walletId: a.id, kind: 'consumption' } })).toBe(1);
    expect(await checkLedgerIntegrity(svc.db.prisma)).toEqual([]);
  });

  it('a refund replayed with the consumption id in upper case and a trailing slash is the same request', async () => {
    const a = await svc.account({ balance: 1_000 });
    const c = await svc.as(a.apiKey).post('/v1/consumptions', { accountId: a.id, amount: 100 }, `c-${randomUUID()}`);
    const key = `r-${randomUUID()}`;
    const first = await svc.as(a.apiKey).post(`/v1/consumptions/${c.body.id}/refunds`, { amount: 10, reason: 'send_failed' }, key);
    expect(first.status).toBe(201);
    const again = await svc.as(a.apiKey).post(`/v1/Consumptions/${String(c.body.id).toUpperCase()}/refunds/`, { amount: 10, reason: 'send_failed' }, key);
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(await svc.db.prisma.refund.count({ where: { consumptionId: c.body.id } })).toBe(1);
    // The same key on another consumption is another request.
    const c2 = await svc.as(a.apiKey).post('/v1/consumptions', { accountId: a.id, amount: 100 }, `c-${randomUUID()}`);
    const elsewhere = await svc.as(a.apiKey).post(`/v1/consumptions/${c2.body.id}/refunds`, { amount: 10, reason: 'send_failed' }, key);
    expect(elsewhere.status).toBe(409);
  });
});

describe('records hashed by the spelled path (before this change)', () => {
  it('still replay, so an upgrade turns no retry into a 409', async () => {
    const a = await svc.account({ balance: 1_000 });
    const key = `legacy-${randomUUID()}`;
    const first = await svc.as(a.apiKey).post('/v1/consumptions', { accountId: a.id, amount: 100 }, key);
    expect(first.status).toBe(201);
    const legacy = createHash('sha256')
      .update(`POST /v1/consumptions\n{"accountId":${JSON.stringify(a.id)},"amount":100}`)
      .digest('hex');
    await svc.db.prisma.idempotencyRecord.update({ where: { principal_key: { principal: `account:${a.id}`, key } }, data: { requestHash: legacy } });
    const again = await svc.as(a.apiKey).post('/v1/consumptions', { accountId: a.id, amount: 100 }, key);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect((await svc.as(a.apiKey).post('/v1/consumptions', { accountId: a.id, amount: 99 }, key)).status).toBe(409);
  });
});

describe('hostile cursors, limits and ids are 400, never 500', () => {
  const hostileCursors = [
    '99999999999999999999', // 20 digits
    '9999999999999999999', // 19 digits, above PostgreSQL's bigint
    '9223372036854775808',
    '-1',
    '1e5',
    '%00',
    'not base64!',
    Buffer.from('+275760-09-13T00:00:00.000Z|00000000-0000-4000-8000-000000000000').toString('base64url'),
    Buffer.from('-100000-01-01T00:00:00.000Z|00000000-0000-4000-8000-000000000000').toString('base64url'),
    Buffer.from('2026-01-01|00000000-0000-4000-8000-000000000000').toString('base64url'),
    Buffer.from('2026-11-30T00:00:00.000Z|not-a-uuid').toString('base64url'),
    Buffer.from('2026-11-30T00:00:00.000Z|00000000-0000-4000-8000-000000000000|x').toString('base64url'),
    'A'.repeat(199),
  ];

  it('list endpoints refuse every hostile cursor and limit with validation_error', async () => {
    const a = await svc.account({ balance: 100 });
    const lists = [`/v1/accounts/${a.id}/ledger`, '/v1/charges', '/v1/refunds', '/v1/admin/events'];
    const failures: string[] = [];
    for (const list of lists) {
      const queries = [
        ...hostileCursors.map((c) => `cursor=${encodeURIComponent(c)}`),
        'limit=0',
        'limit=-1',
        'limit=1e9',
        'limit=99999999999999999999999',
        'limit=abc',
        'limit=1&limit=2',
        'cursor=a&cursor=b',
        'accountId=not-a-uuid',
      ];
      for (const q of queries) {
        if (q.startsWith('accountId') && list !== '/v1/charges') continue;
        const res = await svc.admin.get(`${list}?${q}`);
        // The ledger's cursor is a number, the others' are opaque: a cursor of the other kind is refused
        // by each, and nothing ever reaches PostgreSQL as an out-of-range value.
        const ledgerAccepts = list.endsWith('/ledger') && /^cursor=\d{1,18}$/.test(q);
        const expected = ledgerAccepts ? 200 : 400;
        if (res.status !== expected || (expected === 400 && res.body.code !== 'validation_error'))
          failures.push(`${list}?${q} → ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('every :id parameter refuses non-UUIDs and malformed escapes with validation_error', async () => {
    const a = await svc.account({ balance: 100 });
    const bad = [
      'not-a-uuid',
      '1',
      '00000000-0000-4000-8000-00000000000',
      "00000000-0000-4000-8000-000000000000'--",
      'x'.repeat(5000),
      '%E0%A4%A',
      '..%2F..%2Fetc',
    ];
    const routes: [string, (id: string) => string][] = [
      ['get', (id) => `/v1/accounts/${id}`],
      ['get', (id) => `/v1/accounts/${id}/balance`],
      ['get', (id) => `/v1/accounts/${id}/ledger`],
      ['get', (id) => `/v1/accounts/${id}/auto-recharge`],
      ['put', (id) => `/v1/accounts/${id}/auto-recharge`],
      ['post', (id) => `/v1/accounts/${id}/payment-methods`],
      ['post', (id) => `/v1/accounts/${id}/charge-links`],
      ['get', (id) => `/v1/charges/${id}`],
      ['post', (id) => `/v1/charges/${id}/cancel`],
      ['post', (id) => `/v1/charges/${id}/confirm-deposit`],
      ['post', (id) => `/v1/charges/${id}/reject`],
      ['get', (id) => `/v1/consumptions/${id}`],
      ['post', (id) => `/v1/consumptions/${id}/refunds`],
      ['get', (id) => `/v1/refunds/${id}`],
      ['post', (id) => `/v1/refunds/${id}/approve`],
      ['post', (id) => `/v1/refunds/${id}/reject`],
    ];
    const failures: string[] = [];
    for (const [method, path] of routes) {
      for (const id of bad) {
        const t = request(svc.app)[method as 'get'](path(id)).set('Authorization', `Bearer ${ADMIN_KEY}`).set('Idempotency-Key', `k-${randomUUID()}`);
        const res = method === 'get' ? await t : await t.send({});
        if (res.status !== 400 || res.body.code !== 'validation_error') failures.push(`${method} ${path(id).slice(0, 80)} → ${res.status} ${res.body.code}`);
      }
    }
    expect(failures).toEqual([]);
    // Bodies with out-of-range ids and amounts are refused the same way.
    const bodies: [string, object][] = [
      ['/v1/consumptions', { accountId: a.id, amount: 1e300 }],
      ['/v1/consumptions', { accountId: a.id, amount: 2 ** 63 }],
      ['/v1/consumptions', { accountId: a.id, item: 'sms', quantity: 1e20 }],
      ['/v1/consumptions', { accountId: 'x', amount: 1 }],
      ['/v1/charges', { accountId: a.id, amount: 1e300, method: 'bank_transfer' }],
      ['/v1/charges', { accountId: a.id, amount: -5, method: 'bank_transfer' }],
    ];
    for (const [path, body] of bodies) {
      const res = await svc.as(a.apiKey).post(path, body, `k-${randomUUID()}`);
      expect(res.status, `${path} ${JSON.stringify(body)} → ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.code).toBe('validation_error');
    }
  });

  it('a ledger cursor at the largest bigint pages normally', async () => {
    const a = await svc.account({ balance: 100 });
    const res = await svc.as(a.apiKey).get(`/v1/accounts/${a.id}/ledger?cursor=9223372036854775807`);
    expect(res.status).toBe(200);
    expect(res.body.entries).toHaveLength(1);
  });
});

describe('names refuse control, zero-width and bidirectional characters', () => {
  const hostile = ['Acme\u202Eevil', 'Ac\u200Bme', 'Acme\u0000', 'Acme\nCorp', '\u2066Acme\u2069', 'Acme\u200F', 'Ac\uFEFFme'];

  it('account names', async () => {
    for (const name of hostile) {
      const res = await svc.admin.post('/v1/accounts', { name });
      expect(res.status, JSON.stringify(name)).toBe(400);
      expect(res.body.code).toBe('validation_error');
      expect(res.body.errors[0].path).toBe('name');
    }
    const ok = await svc.admin.post('/v1/accounts', { name: '(주)에이씨엠이 Acme — 😀' });
    expect(ok.status).toBe(201);
  });

  it('depositor names of charges, confirmations and the charge-link form', async () => {
    const a = await svc.account();
    for (const depositorName of hostile) {
      const res = await svc.as(a.apiKey).post('/v1/charges', { accountId: a.id, amount: 100_000, method: 'bank_transfer', depositorName }, `k-${randomUUID()}`);
      expect(res.status, JSON.stringify(depositorName)).toBe(400);
      expect(res.body.errors[0].path).toBe('depositorName');
    }
    const charge = await svc
      .as(a.apiKey)
      .post('/v1/charges', { accountId: a.id, amount: 100_000, method: 'bank_transfer', depositorName: '홍길동' }, `k-${randomUUID()}`);
    expect(charge.status).toBe(202);
    const confirm = await svc.admin.post(`/v1/charges/${charge.body.id}/confirm-deposit`, { depositedAmount: 100_000, depositorName: '홍길\u202E동' });
    expect(confirm.status).toBe(400);
    expect(confirm.body.errors[0].path).toBe('depositorName');
    expect((await svc.admin.get(`/v1/charges/${charge.body.id}`)).body.status).toBe('awaiting_deposit');

    const link = await svc.as(a.apiKey).post(`/v1/accounts/${a.id}/charge-links`, {});
    const form = await request(svc.app)
      .post(`/pay/${link.body.token}/bank-transfer`)
      .set('Accept', 'application/json')
      .set('Idempotency-Key', `k-${randomUUID()}`)
      .send({ amount: 100_000, depositorName: 'Kim\u200D' });
    expect(form.status).toBe(400);
    expect(form.body.errors[0].path).toBe('depositorName');
    expect(await svc.db.prisma.charge.count({ where: { accountId: a.id } })).toBe(1);
  });
});

describe('automatic refunds past AUTO_REFUND_WINDOW_DAYS go to review', () => {
  async function consumedDaysAgo(a: { id: string; apiKey: string }, ms: number) {
    const c = await svc.as(a.apiKey).post('/v1/consumptions', { accountId: a.id, amount: 100 }, `c-${randomUUID()}`);
    expect(c.status).toBe(201);
    await svc.db.prisma.consumption.update({ where: { id: c.body.id }, data: { createdAt: new Date(Date.now() - ms) } });
    return c.body.id as string;
  }

  it('send_failed on a consumption just inside 7 days is credited at once (201)', async () => {
    const a = await svc.account({ balance: 1_000 });
    // An hour of margin inside the window: the request's own time is the workflow's start.
    const id = await consumedDaysAgo(a, 7 * DAY - 60 * 60 * 1000);
    const res = await svc.as(a.apiKey).post(`/v1/consumptions/${id}/refunds`, { amount: 100, reason: 'send_failed' }, `r-${randomUUID()}`);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'succeeded', reason: 'send_failed' });
    expect((await svc.as(a.apiKey).get(`/v1/accounts/${a.id}/balance`)).body.balance).toBe(1_000);
  });

  it('duplicate_order on a consumption just past 7 days waits for review (202), credits nothing until approved', async () => {
    const a = await svc.account({ balance: 1_000 });
    const id = await consumedDaysAgo(a, 7 * DAY + 60 * 60 * 1000);
    const res = await svc.as(a.apiKey).post(`/v1/consumptions/${id}/refunds`, { amount: 100, reason: 'duplicate_order' }, `r-${randomUUID()}`);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({ status: 'pending_review', reason: 'duplicate_order', reviewDueAt: expect.any(String) });
    expect((await svc.as(a.apiKey).get(`/v1/accounts/${a.id}/balance`)).body.balance).toBe(900);
    const queue = await svc.admin.get('/v1/refunds?status=pending_review');
    expect(queue.body.refunds.map((r: { id: string }) => r.id)).toContain(res.body.id);

    const approved = await svc.admin.post(`/v1/refunds/${res.body.id}/approve`, {});
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('succeeded');
    expect((await svc.as(a.apiKey).get(`/v1/accounts/${a.id}/balance`)).body.balance).toBe(1_000);
    expect(await checkLedgerIntegrity(svc.db.prisma)).toEqual([]);
  });

  it('an automatic refund inside the window still has nothing to decide', async () => {
    const a = await svc.account({ balance: 1_000 });
    const id = await consumedDaysAgo(a, DAY);
    const res = await svc.as(a.apiKey).post(`/v1/consumptions/${id}/refunds`, { amount: 50, reason: 'unreachable_number' }, `r-${randomUUID()}`);
    expect(res.status).toBe(201);
    const approve = await svc.admin.post(`/v1/refunds/${res.body.id}/approve`, {});
    expect(approve.status).toBe(409);
    expect(approve.body.code).toBe('invalid_state');
  });
});

describe('after the idempotency retention', () => {
  it('a key whose record was deleted runs again as a new request (what README promises, no more)', async () => {
    const a = await svc.account({ balance: 1_000 });
    const key = `late-${randomUUID()}`;
    const first = await svc.as(a.apiKey).post('/v1/consumptions', { accountId: a.id, amount: 100 }, key);
    expect(first.status).toBe(201);
    const within = await svc.as(a.apiKey).post('/v1/consumptions', { accountId: a.id, amount: 100 }, key);
    expect(within.body.id).toBe(first.body.id);
    // The retention's delete, with a cut-off after this record was made.
    const { createIdempotencyRetentionActivities } = await import('../activities/idempotency-retention.ts');
    await createIdempotencyRetentionActivities({ db: svc.db.prisma }).deleteIdempotencyRecordsBefore({
      before: new Date(Date.now() + 60_000).toISOString(),
      limit: 10_000,
    });
    const after = await svc.as(a.apiKey).post('/v1/consumptions', { accountId: a.id, amount: 100 }, key);
    expect(after.status).toBe(201);
    expect(after.headers['idempotent-replayed']).toBeUndefined();
    expect(after.body.id).not.toBe(first.body.id);
    expect(await svc.db.prisma.ledgerEntry.count({ where: { walletId: a.id, kind: 'consumption' } })).toBe(2);
  });
});
