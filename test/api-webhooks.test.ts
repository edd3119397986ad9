// Webhooks over HTTP (Express + Temporal dev server + worker + dispatcher + PostgreSQL + a local receiver):
// endpoints with a secret shown once and kept encrypted, the URL policy, tenant isolation across account,
// partner, sub-account, sibling, stranger and admin, the events of charges and refunds as they happen,
// secret rotation with both signatures during the overlap, redelivery with the same body, the delivery
// log, balance alerts and admin notifications to ADMIN_WEBHOOK_URL. Deliveries are checked with a
// verifier written here from the spec's text alone.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import request from 'supertest';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from './support/service.ts';
import { startReceiver, type Receiver, type Received } from './support/webhook-receiver.ts';
import { until } from './support/wait.ts';
import { createApp } from '../api/app.ts';
import { createActivities } from '../activities/index.ts';
import { checkLedgerIntegrity } from '../db/ledger.ts';

let svc: TestService;
let receiver: Receiver;
const latencies: number[] = [];

beforeAll(async () => {
  receiver = await startReceiver(200);
  svc = await startTestService({
    contract: true,
    env: { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', ADMIN_WEBHOOK_URL: `${receiver.url}/slack`, WEBHOOK_RETRY_INITIAL_SECONDS: '1' },
  });
});
afterAll(async () => {
  if (latencies.length) {
    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(
      `[figures] event committed → received: n=${sorted.length}, median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted[sorted.length - 1]} ms (dispatcher polls every 100 ms)`,
    );
  }
  await svc?.stop();
  await receiver?.close();
});

/** From SPEC §6.3 only: which of `secrets` signed the delivery (-1: none), with a 5-minute tolerance. */
function verify(header: unknown, rawBody: string, secrets: string[], toleranceSec = 300): number {
  if (typeof header !== 'string') return -1;
  const fields = header.split(',').map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)] as const);
  const t = fields.find(([k]) => k === 't')?.[1];
  if (!t || !/^\d+$/.test(t) || Math.abs(Date.now() / 1000 - Number(t)) > toleranceSec) return -1;
  const given = fields.filter(([k]) => k === 'v1').map(([, v]) => Buffer.from(v));
  for (const [i, secret] of secrets.entries()) {
    const want = Buffer.from(createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex'));
    if (given.some((g) => g.length === want.length && timingSafeEqual(g, want))) return i;
  }
  return -1;
}

type Key = { id: string; apiKey: string };

async function endpointFor(owner: Key | 'admin', path: string, body: object = {}) {
  const as = owner === 'admin' ? svc.admin : svc.as(owner.apiKey);
  const res = await as.post('/v1/webhook-endpoints', { url: `${receiver.url}/${path}`, ...body });
  expect(res.status).toBe(201);
  return res.body as { id: string; secret: string; accountId: string | null };
}

const at = (path: string) => receiver.received.filter((r) => r.path === `/hooks/${path}`);
const events = (path: string) =>
  at(path).map((r) => JSON.parse(r.rawBody) as { id: string; type: string; accountId: string; data: Record<string, unknown>; createdAt: string });

async function received(path: string, pred: (e: { id: string; type: string; data: Record<string, unknown> }) => boolean, what: string): Promise<Received> {
  const r = await until(async () => at(path).find((x) => pred(JSON.parse(x.rawBody))), what);
  const e = JSON.parse(r.rawBody) as { createdAt: string };
  latencies.push(r.receivedAt - new Date(e.createdAt).getTime());
  return r;
}

async function bankCharge(as: Key, accountId: string, amount = 60_000) {
  const res = await svc.as(as.apiKey).post('/v1/charges', { accountId, amount, method: 'bank_transfer', depositorName: '홍길동' }, `k-${randomUUID()}`);
  expect(res.status).toBe(202);
  return res.body as { id: string };
}

describe('webhook endpoints', () => {
  it('creation shows the secret once; it is stored encrypted, and listed views carry only its hint', async () => {
    const a = await svc.account();
    const created = await svc
      .as(a.apiKey)
      .post('/v1/webhook-endpoints', { url: `${receiver.url}/once`, events: ['charge.succeeded', 'balance.low'], description: 'ops' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.any(String),
      accountId: a.id,
      events: ['charge.succeeded', 'balance.low'],
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{43}$/),
    });
    const { id, secret } = created.body;
    expect(created.body.secretHint).toBe(secret.slice(-4));
    const one = await svc.as(a.apiKey).get(`/v1/webhook-endpoints/${id}`);
    expect(one.status).toBe(200);
    expect(one.body.secret).toBeUndefined();
    const list = await svc.as(a.apiKey).get('/v1/webhook-endpoints');
    expect(list.body.endpoints).toEqual([expect.objectContaining({ id, secretHint: secret.slice(-4) })]);
    expect(JSON.stringify(list.body)).not.toContain(secret);
    const row = await svc.db.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id } });
    expect(row.secretEncrypted).not.toContain(secret.slice(6));
    expect(row.secretEncrypted).toMatch(/^v1:/);

    expect((await svc.as(a.apiKey).post('/v1/webhook-endpoints', { url: `${receiver.url}/x`, events: ['charge.exploded'] })).status).toBe(400);
    expect((await svc.as(a.apiKey).post('/v1/webhook-endpoints', { url: 'ftp://example.com/x' })).body).toMatchObject({ code: 'validation_error' });
    expect((await svc.as(a.apiKey).delete(`/v1/webhook-endpoints/${id}`)).status).toBe(204);
    expect((await svc.as(a.apiKey).get(`/v1/webhook-endpoints/${id}`)).status).toBe(404);
  });

  it('without the flags: https only, and private, loopback and link-local addresses (also by name) are refused', async () => {
    const strict = createApp({
      db: svc.db.prisma,
      temporal: svc.env.client,
      config: { ...svc.config, webhooks: { ...svc.config.webhooks, allowHttp: false, allowPrivateNetworks: false } },
      logger: pino({ level: 'silent' }),
    });
    const a = await svc.account();
    const create = (url: string) => request(strict).post('/v1/webhook-endpoints').set('Authorization', `Bearer ${a.apiKey}`).send({ url });
    const refused: [string, RegExp][] = [
      ['http://93.184.216.34/hook', /must be an https URL/],
      ['https://127.0.0.1/hook', /127\.0\.0\.1, a private, loopback or link-local/],
      ['https://localhost:8443/hook', /resolves to (127\.0\.0\.1|::1)/],
      ['https://10.1.2.3/hook', /private/],
      ['https://172.20.0.5/hook', /private/],
      ['https://192.168.1.10/hook', /private/],
      ['https://169.254.169.254/latest/meta-data', /169\.254\.169\.254/],
      ['https://[::1]/hook', /::1/],
      ['https://[fe80::1]/hook', /fe80::1/],
      ['https://[fd00::5]/hook', /fd00::5/],
      ['https://[::ffff:127.0.0.1]/hook', /private/],
      ['https://user:pw@93.184.216.34/hook', /credentials/],
    ];
    for (const [url, why] of refused) {
      const res = await create(url);
      expect(res.status, url).toBe(400);
      expect(res.body.detail, url).toMatch(why);
    }
    expect((await create('https://93.184.216.34/hook')).status).toBe(201);
  });
});

describe('tenant isolation', () => {
  it('account, partner, sub-account, sibling, stranger and admin each receive and see exactly what they may', async () => {
    const partner = await svc.account({ name: 'Partner' });
    const sub = await svc.account({ name: 'Sub', parentId: partner.id });
    const sibling = await svc.account({ name: 'Sibling', parentId: partner.id });
    const stranger = await svc.account({ name: 'Stranger' });
    const tag = randomUUID().slice(0, 8);
    const ep = {
      partner: await endpointFor(partner, `p-${tag}`),
      sub: await endpointFor(sub, `s-${tag}`),
      sibling: await endpointFor(sibling, `sib-${tag}`),
      stranger: await endpointFor(stranger, `x-${tag}`),
      admin: await endpointFor('admin', `adm-${tag}`, { events: ['charge.awaiting_deposit'] }),
    };
    // A partner may create one for its sub-account; the sibling may not.
    expect((await svc.as(sibling.apiKey).post('/v1/webhook-endpoints', { url: `${receiver.url}/no`, accountId: sub.id })).status).toBe(404);

    const subCharge = await bankCharge(sub, sub.id);
    const partnerCharge = await bankCharge(partner, partner.id);
    const isSub = (e: { data: Record<string, unknown> }) => e.data.chargeId === subCharge.id;
    const isPartner = (e: { data: Record<string, unknown> }) => e.data.chargeId === partnerCharge.id;
    await received(`s-${tag}`, isSub, 'the sub-account receives its event');
    await received(`p-${tag}`, isSub, "the partner receives its sub-account's event");
    await received(`adm-${tag}`, isSub, "the admin receives the sub-account's event");
    await received(`p-${tag}`, isPartner, 'the partner receives its own event');
    await received(`adm-${tag}`, isPartner, "the admin receives the partner's event");
    // Who receives is decided when the event is written: no delivery rows exist for the others.
    const subEvent = events(`s-${tag}`)[0]!;
    const partnerEvent = events(`p-${tag}`).find(isPartner)!;
    const rows = await svc.db.prisma.webhookDelivery.findMany({ where: { eventId: { in: [subEvent.id, partnerEvent.id] } } });
    expect(
      rows
        .filter((r) => r.eventId === subEvent.id)
        .map((r) => r.endpointId)
        .sort(),
    ).toEqual([ep.sub.id, ep.partner.id, ep.admin.id].sort());
    expect(
      rows
        .filter((r) => r.eventId === partnerEvent.id)
        .map((r) => r.endpointId)
        .sort(),
    ).toEqual([ep.partner.id, ep.admin.id].sort());
    expect(events(`s-${tag}`).some(isPartner)).toBe(false);
    expect(at(`sib-${tag}`)).toHaveLength(0);
    expect(at(`x-${tag}`)).toHaveLength(0);
    // Each receives the same body, signed with its own secret only.
    const toSub = at(`s-${tag}`)[0]!;
    const toPartner = at(`p-${tag}`).find((r) => isSub(JSON.parse(r.rawBody)))!;
    expect(toPartner.rawBody).toBe(toSub.rawBody);
    expect(verify(toSub.headers['points-signature'], toSub.rawBody, [ep.sub.secret, ep.partner.secret])).toBe(0);
    expect(verify(toPartner.headers['points-signature'], toPartner.rawBody, [ep.sub.secret, ep.partner.secret])).toBe(1);

    // Listing.
    const ids = async (k: Key | 'admin') =>
      ((await (k === 'admin' ? svc.admin : svc.as(k.apiKey)).get('/v1/webhook-endpoints')).body.endpoints as { id: string }[]).map((e) => e.id).sort();
    expect(await ids(sub)).toEqual([ep.sub.id]);
    expect(await ids(sibling)).toEqual([ep.sibling.id]);
    expect(await ids(stranger)).toEqual([ep.stranger.id]);
    expect(await ids(partner)).toEqual([ep.partner.id, ep.sub.id, ep.sibling.id].sort());
    expect(await ids('admin')).toEqual(expect.arrayContaining(Object.values(ep).map((e) => e.id)));

    // One endpoint, every route, every caller: 404 for those who may not see it.
    const routes = (id: string) => [
      (k: Key) => svc.as(k.apiKey).get(`/v1/webhook-endpoints/${id}`),
      (k: Key) => svc.as(k.apiKey).get(`/v1/webhook-endpoints/${id}/deliveries`),
      (k: Key) => svc.as(k.apiKey).post(`/v1/webhook-endpoints/${id}/rotate-secret`, {}),
      (k: Key) => svc.as(k.apiKey).delete(`/v1/webhook-endpoints/${id}`),
    ];
    for (const [owner, outsiders] of [
      [ep.sub, [sibling, stranger]],
      [ep.partner, [sub, sibling, stranger]],
      [ep.admin, [partner, sub, stranger]],
    ] as const) {
      for (const k of outsiders) for (const call of routes(owner.id)) expect((await call(k)).status).toBe(404);
    }
    expect((await svc.as(partner.apiKey).get(`/v1/webhook-endpoints/${ep.sub.id}/deliveries`)).body.deliveries).toEqual([
      expect.objectContaining({
        eventId: subEvent.id,
        eventType: 'charge.awaiting_deposit',
        status: 'succeeded',
        attemptCount: 1,
        attempts: [expect.objectContaining({ attempt: 1, statusCode: 200 })],
      }),
    ]);

    // Events: visible to the account, its partner and the admin; redelivery likewise.
    for (const k of [sibling, stranger]) {
      expect((await svc.as(k.apiKey).get(`/v1/events/${subEvent.id}`)).status).toBe(404);
      expect((await svc.as(k.apiKey).post(`/v1/events/${subEvent.id}/redeliver`, {})).status).toBe(404);
    }
    expect((await svc.as(sub.apiKey).get(`/v1/events/${partnerEvent.id}`)).status).toBe(404);
    expect((await svc.as(sibling.apiKey).post(`/v1/events/${subEvent.id}/redeliver`, { endpointId: ep.sibling.id })).status).toBe(404);
    expect((await svc.as(sub.apiKey).post(`/v1/events/${subEvent.id}/redeliver`, { endpointId: ep.partner.id })).status).toBe(404);
    expect((await svc.as(partner.apiKey).get(`/v1/events/${subEvent.id}`)).body).toMatchObject({
      id: subEvent.id,
      type: 'charge.awaiting_deposit',
      accountId: sub.id,
    });
    expect((await svc.admin.get(`/v1/events/${subEvent.id}`)).status).toBe(200);
  });
});

describe('events as they happen', () => {
  it('charges and refunds tell the account: awaiting_deposit, succeeded, rejected, cancelled, failed, refund succeeded and rejected', async () => {
    const a = await svc.account({ balance: 10_000 });
    const tag = randomUUID().slice(0, 8);
    const ep = await endpointFor(a, `life-${tag}`);
    const confirmed = await bankCharge(a, a.id, 70_000);
    expect((await svc.admin.post(`/v1/charges/${confirmed.id}/confirm-deposit`, { depositedAmount: 70_000 })).status).toBe(200);
    const rejected = await bankCharge(a, a.id);
    expect((await svc.admin.post(`/v1/charges/${rejected.id}/reject`, { reason: 'no such deposit' })).status).toBe(200);
    const cancelled = await bankCharge(a, a.id);
    expect((await svc.as(a.apiKey).post(`/v1/charges/${cancelled.id}/cancel`, {})).status).toBe(200);
    const pm = await svc.as(a.apiKey).post(`/v1/accounts/${a.id}/payment-methods`, { cardToken: 'tok_declined' });
    const declined = await svc
      .as(a.apiKey)
      .post('/v1/charges', { accountId: a.id, amount: 50_000, method: 'card', paymentMethodId: pm.body.id }, `k-${randomUUID()}`);
    expect(declined.status).toBe(422);
    const c = await svc.as(a.apiKey).post('/v1/consumptions', { accountId: a.id, amount: 1_000 }, `c-${randomUUID()}`);
    const auto = await svc.as(a.apiKey).post(`/v1/consumptions/${c.body.id}/refunds`, { amount: 300, reason: 'send_failed' }, `r-${randomUUID()}`);
    expect(auto.status).toBe(201);
    const review = await svc.as(a.apiKey).post(`/v1/consumptions/${c.body.id}/refunds`, { amount: 200, reason: 'other' }, `r-${randomUUID()}`);
    expect(review.status).toBe(202);
    expect((await svc.admin.post(`/v1/refunds/${review.body.id}/reject`, { reason: 'delivered fine' })).status).toBe(200);

    const want = [
      ['charge.awaiting_deposit', confirmed.id],
      ['charge.succeeded', confirmed.id],
      ['charge.awaiting_deposit', rejected.id],
      ['charge.rejected', rejected.id],
      ['charge.awaiting_deposit', cancelled.id],
      ['charge.cancelled', cancelled.id],
      ['charge.failed', declined.body.charge?.id ?? declined.body.chargeId],
      ['refund.succeeded', auto.body.id],
      ['refund.rejected', review.body.id],
    ] as const;
    for (const [type, id] of want) {
      await received(`life-${tag}`, (e) => e.type === type && (e.data.chargeId === id || e.data.refundId === id), `${type} of ${id}`);
    }
    const got = events(`life-${tag}`);
    expect(got).toHaveLength(want.length);
    expect(got.find((e) => e.type === 'charge.succeeded')!.data).toMatchObject({
      chargeId: confirmed.id,
      status: 'succeeded',
      creditedAmount: 70_000,
      depositedAmount: 70_000,
    });
    expect(got.find((e) => e.type === 'charge.failed')!.data).toMatchObject({ status: 'failed', failureCode: 'card_declined' });
    expect(got.find((e) => e.type === 'refund.succeeded')!.data).toMatchObject({
      refundId: auto.body.id,
      amount: 300,
      reason: 'send_failed',
      status: 'succeeded',
    });
    for (const r of at(`life-${tag}`)) expect(verify(r.headers['points-signature'], r.rawBody, [ep.secret])).toBe(0);
    expect(await checkLedgerIntegrity(svc.db.prisma)).toEqual([]);
  });

  it('rotation: during the overlap deliveries carry both signatures, newest first; without overlap only the new one', async () => {
    const a = await svc.account();
    const tag = randomUUID().slice(0, 8);
    const ep = await endpointFor(a, `rot-${tag}`, { events: ['charge.awaiting_deposit'] });
    const c1 = await bankCharge(a, a.id);
    const r1 = await received(`rot-${tag}`, (e) => e.data.chargeId === c1.id, 'before rotation');
    expect(verify(r1.headers['points-signature'], r1.rawBody, [ep.secret])).toBe(0);

    const rotated = await svc.as(a.apiKey).post(`/v1/webhook-endpoints/${ep.id}/rotate-secret`, { overlapHours: 24 });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ id: ep.id, secret: expect.stringMatching(/^whsec_/), previousSecretExpiresAt: expect.any(String) });
    const secret2 = rotated.body.secret as string;
    expect(secret2).not.toBe(ep.secret);
    const c2 = await bankCharge(a, a.id);
    const r2 = await received(`rot-${tag}`, (e) => e.data.chargeId === c2.id, 'during the overlap');
    const header2 = r2.headers['points-signature'] as string;
    expect(header2.match(/v1=/g)).toHaveLength(2);
    expect(verify(header2, r2.rawBody, [secret2])).toBe(0);
    expect(verify(header2, r2.rawBody, [ep.secret])).toBe(0);
    // The first v1 is the new secret's.
    const firstOnly = header2.split(',').slice(0, 2).join(',');
    expect(verify(firstOnly, r2.rawBody, [secret2])).toBe(0);

    const now = await svc.as(a.apiKey).post(`/v1/webhook-endpoints/${ep.id}/rotate-secret`, { overlapHours: 0 });
    const secret3 = now.body.secret as string;
    expect(now.body.previousSecretExpiresAt).toBeNull();
    const c3 = await bankCharge(a, a.id);
    const r3 = await received(`rot-${tag}`, (e) => e.data.chargeId === c3.id, 'after an immediate rotation');
    expect((r3.headers['points-signature'] as string).match(/v1=/g)).toHaveLength(1);
    expect(verify(r3.headers['points-signature'], r3.rawBody, [secret3])).toBe(0);
    expect(verify(r3.headers['points-signature'], r3.rawBody, [secret2, ep.secret])).toBe(-1);
  });

  it('redelivery sends the same event id with the same body again, logged as a second delivery', async () => {
    const a = await svc.account();
    const tag = randomUUID().slice(0, 8);
    const ep = await endpointFor(a, `re-${tag}`);
    const c = await bankCharge(a, a.id);
    const first = await received(`re-${tag}`, (e) => e.data.chargeId === c.id, 'the first delivery');
    const eventId = JSON.parse(first.rawBody).id as string;
    const res = await svc.as(a.apiKey).post(`/v1/events/${eventId}/redeliver`, {});
    expect(res.status).toBe(202);
    expect(res.body.deliveries).toEqual([expect.objectContaining({ endpointId: ep.id, status: 'pending' })]);
    await until(async () => at(`re-${tag}`).length === 2, 'the redelivery');
    const [one, two] = at(`re-${tag}`);
    expect(two!.rawBody).toBe(one!.rawBody);
    expect(two!.headers['points-event-id']).toBe(eventId);
    expect(verify(two!.headers['points-signature'], two!.rawBody, [ep.secret])).toBe(0);
    const log = await until(async () => {
      const r = await svc.as(a.apiKey).get(`/v1/webhook-endpoints/${ep.id}/deliveries`);
      return r.body.deliveries.length === 2 && r.body.deliveries.every((d: { status: string }) => d.status === 'succeeded') ? r.body : undefined;
    }, 'both deliveries logged');
    expect(log.deliveries.map((d: { redelivery: boolean; eventId: string }) => [d.redelivery, d.eventId])).toEqual([
      [true, eventId],
      [false, eventId],
    ]);
  });

  it('a failing endpoint is retried with backoff and the log shows each attempt', async () => {
    const a = await svc.account();
    const tag = randomUUID().slice(0, 8);
    const ep = await endpointFor(a, `flaky-${tag}`);
    receiver.answer = 503;
    try {
      await bankCharge(a, a.id);
      await until(async () => at(`flaky-${tag}`).length >= 2, 'two failed attempts');
    } finally {
      receiver.answer = 200;
    }
    const log = await until(
      async () => {
        const r = await svc.as(a.apiKey).get(`/v1/webhook-endpoints/${ep.id}/deliveries?status=succeeded`);
        return r.body.deliveries[0];
      },
      'delivered after the endpoint recovered',
      30_000,
    );
    expect(log.attemptCount).toBeGreaterThanOrEqual(3);
    expect(log.attempts[0]).toMatchObject({ statusCode: 200 });
    expect(log.attempts.slice(1).every((x: { statusCode: number }) => x.statusCode === 503)).toBe(true);
    expect(new Set(at(`flaky-${tag}`).map((r) => r.rawBody)).size).toBe(1);
  });
});

describe('balance alerts', () => {
  it('PUT thresholds; a consumption crossing one emits balance.low once, a top-up back above balance.recovered', async () => {
    const partner = await svc.account({ balance: 30_000 });
    const child = await svc.account({ parentId: partner.id, billingMode: 'parent' });
    const stranger = await svc.account();
    expect((await svc.as(stranger.apiKey).put(`/v1/accounts/${partner.id}/balance-alerts`, { thresholds: [1] })).status).toBe(404);
    expect((await svc.as(partner.apiKey).put(`/v1/accounts/${child.id}/balance-alerts`, { thresholds: [1] })).body).toMatchObject({ code: 'invalid_state' });
    expect((await svc.as(partner.apiKey).put(`/v1/accounts/${partner.id}/balance-alerts`, { thresholds: [-5] })).status).toBe(400);
    const put = await svc.as(partner.apiKey).put(`/v1/accounts/${partner.id}/balance-alerts`, { thresholds: [20_000, 10_000, 20_000] });
    expect(put.body).toEqual({ accountId: partner.id, thresholds: [10_000, 20_000] });
    expect((await svc.as(partner.apiKey).get(`/v1/accounts/${partner.id}/balance-alerts`)).body.thresholds).toEqual([10_000, 20_000]);
    const tag = randomUUID().slice(0, 8);
    await endpointFor(partner, `bal-${tag}`, { events: ['balance.low', 'balance.recovered'] });

    for (const amount of [5_000, 6_000, 1_000]) {
      expect((await svc.as(child.apiKey).post('/v1/consumptions', { accountId: child.id, amount }, `c-${randomUUID()}`)).status).toBe(201);
    }
    await received(`bal-${tag}`, (e) => e.type === 'balance.low' && e.data.threshold === 20_000, 'balance.low at 20,000');
    const confirm = await bankCharge(partner, partner.id, 50_000);
    await svc.admin.post(`/v1/charges/${confirm.id}/confirm-deposit`, { depositedAmount: 50_000 });
    await received(`bal-${tag}`, (e) => e.type === 'balance.recovered', 'balance.recovered');
    const got = events(`bal-${tag}`);
    expect(got.map((e) => [e.type, e.data.threshold, e.data.balance])).toEqual([
      ['balance.low', 20_000, 19_000],
      ['balance.recovered', 20_000, 68_000],
    ]);
  });
});

describe('admin notifications', () => {
  it('an admin event goes to ADMIN_WEBHOOK_URL once, as Slack-compatible {text}, Korean first', async () => {
    const acts = createActivities({ db: svc.db.prisma, webhooks: svc.config.webhooks });
    const chargeId = randomUUID();
    const event = {
      type: 'charge_confirmation_overdue',
      subjectId: chargeId,
      accountId: null,
      data: { chargeId, amount: 120_000, depositorName: '(주)가나다', expectedBy: '2026-12-01T01:30:00.000Z' },
      key: `test:${chargeId}/overdue`,
    };
    await Promise.all([acts.raiseAdminEvent(event), acts.raiseAdminEvent(event)]);
    await acts.raiseAdminEvent(event);
    const r = await until(async () => receiver.received.find((x) => x.path === '/hooks/slack' && x.rawBody.includes(chargeId)), 'the admin notification');
    const body = JSON.parse(r.rawBody);
    expect(Object.keys(body)).toEqual(['text']);
    expect(body.text).toMatch(/^\[입금 확인 지연\] 충전 .*120,000원, 입금자 \(주\)가나다, 확인 기한 2026-12-01 10:30 KST 경과/);
    expect(body.text).toContain('Deposit confirmation overdue');
    await new Promise((res) => setTimeout(res, 500));
    expect(receiver.received.filter((x) => x.path === '/hooks/slack' && x.rawBody.includes(chargeId))).toHaveLength(1);
    expect(await svc.db.prisma.adminEvent.count({ where: { key: event.key } })).toBe(1);
    const log = await until(async () => {
      const r = await svc.admin.get('/v1/admin/notifications');
      const n = (r.body.notifications as { text: string; status: string }[]).find((x) => x.text.includes(chargeId));
      return n?.status === 'succeeded' ? n : undefined;
    }, 'the notification logged as delivered');
    expect(log).toMatchObject({ attemptCount: 1, lastStatusCode: 200, attempts: [expect.objectContaining({ attempt: 1, statusCode: 200 })] });
    const someone = await svc.account();
    expect((await svc.as(someone.apiKey).get('/v1/admin/notifications')).status).toBe(403);
  });
});
