// Webhook delivery as a durable workflow, on the time-skipping Temporal server with the real activities,
// real PostgreSQL and a real local HTTP receiver: an endpoint down for two days then up receives the
// event; one that never comes back is given up after three days and shown as failed; attempts time out;
// a crash between the event's commit and the workflow's start is recovered by the dispatcher and a repeated
// start sends nothing twice; replayed activities emit nothing new. Every delivery is checked with a
// signature verifier written here from the spec's text alone (not the sender's code).
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowNotFoundError } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import request from 'supertest';
import { pino } from 'pino';
import { useWorkflowHarness } from './support/workflow-harness.ts';
import { createApp } from '../api/app.ts';
import { startReceiver, type Receiver } from './support/webhook-receiver.ts';
import { createAccount } from '../db/accounts.ts';
import { ledgerTransaction } from '../db/ledger.ts';
import { emitBankDepositUnmatched, emitEvent } from '../db/events.ts';
import { createActivities } from '../activities/index.ts';
import { createWebhookActivities } from '../activities/webhooks.ts';
import { loadConfig, type WebhookSettings } from '../config/config.ts';
import { encryptSecret, newWebhookSecret } from '../webhooks/secrets.ts';
import { dispatchPendingDeliveries, startDeliveryWorkflow } from '../webhooks/dispatcher.ts';
import { chargeWorkflowType, type ChargeWorkflow } from '../workflows/charge/definitions.ts';
import { chargeWorkflowId } from '../workflows/ids.ts';
import { DEFAULT_DELIVERY_SCHEDULE, webhookDeliveryWorkflowId, type DeliverySchedule, type WebhookDeliveryWorkflow } from '../domain/webhooks.ts';

const KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
const DAY = 24 * 3_600_000;

const settings: WebhookSettings = {
  ...loadConfig({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_ENCRYPTION_KEY: KEY }).webhooks,
};
const h = useWorkflowHarness({
  name: 'webhooks',
  sharedWorker: (t) => ({ deps: { temporal: t.env.client, charging: loadConfig({}), webhooks: settings } }),
});
const { taskQueue } = h;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver(200);
});

afterAll(async () => {
  await receiver?.close();
});

afterEach(() => {
  receiver.received.length = 0;
  receiver.answer = 200;
});

/**
 * A receiver's check, from SPEC §6.3 only: `Points-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw
 * body>">` (several v1 during a rotation), the timestamp within `toleranceSec` of now, compared in constant
 * time. Answers which of `secrets` signed it (-1: none).
 */
function verify(header: string | undefined, rawBody: string, secrets: string[], toleranceSec = 300, nowSec = Date.now() / 1000): number {
  if (!header) return -1;
  let t: string | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (k === 't') t = v;
    if (k === 'v1') v1.push(v);
  }
  if (!t || !/^\d+$/.test(t) || Math.abs(nowSec - Number(t)) > toleranceSec) return -1;
  for (const [i, secret] of secrets.entries()) {
    const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${rawBody}`, 'utf8').digest('hex'), 'utf8');
    for (const sig of v1) {
      const given = Buffer.from(sig, 'utf8');
      if (given.length === expected.length && timingSafeEqual(given, expected)) return i;
    }
  }
  return -1;
}

async function endpoint(url: string, accountId: string | null = null, opts: { events?: string[] } = {}) {
  const id = randomUUID();
  const secret = newWebhookSecret();
  await h.db.prisma.webhookEndpoint.create({
    data: {
      id,
      accountId,
      url,
      events: opts.events ?? [],
      secretEncrypted: encryptSecret(Buffer.from(KEY, 'hex'), id, secret),
      secretHint: secret.slice(-4),
      createdBy: 'test',
    },
  });
  return { id, secret };
}

async function account() {
  return (await createAccount(h.db.prisma, { name: 'Shop' })).account.id;
}

async function emit(accountId: string, type: 'balance.low' | 'charge.succeeded' = 'balance.low') {
  return ledgerTransaction(h.db.prisma, (tx) =>
    emitEvent(tx, { type, accountId, key: `test:${randomUUID()}`, data: { accountId, threshold: 10_000, balance: 9_000 } }),
  );
}

const dispatcherDeps = (schedule: DeliverySchedule = DEFAULT_DELIVERY_SCHEDULE) => ({
  db: h.db.prisma,
  temporal: h.env.client,
  taskQueue,
  settings: { ...settings, schedule },
});

async function deliveryOf(eventId: string, endpointId: string) {
  return h.db.prisma.webhookDelivery.findFirstOrThrow({ where: { eventId, endpointId }, include: { attempts: { orderBy: { attempt: 'asc' } } } });
}

const handleOf = (key: string) => h.env.client.workflow.getHandle<WebhookDeliveryWorkflow>(webhookDeliveryWorkflowId(key));

describe('webhook delivery workflow (time-skipping)', () => {
  it('an endpoint down for two days then up receives the event, signed, with the same body each attempt; history stays small', async () => {
    const acc = await account();
    const ep = await endpoint(receiver.url, acc);
    receiver.answer = 503;
    const event = await emit(acc);
    expect(event).toMatchObject({ emitted: true, deliveries: 1 });
    expect(await dispatchPendingDeliveries(dispatcherDeps())).toBe(1);
    const delivery = await deliveryOf(event.id, ep.id);
    const handle = handleOf(delivery.key);

    await h.env.sleep('2 days');
    const down = receiver.received.length;
    expect(down).toBeGreaterThan(20);
    receiver.answer = 200;
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'succeeded', statusCode: 200 });

    const after = await deliveryOf(event.id, ep.id);
    expect(after).toMatchObject({ status: 'succeeded', lastStatusCode: 200 });
    expect(after.attempts.length).toBe(receiver.received.length);
    expect(after.attempts.slice(0, -1).every((a) => a.statusCode === 503)).toBe(true);
    const first = after.attempts[0]!.at.getTime();
    const last = after.attempts[after.attempts.length - 1]!;
    expect(last.statusCode).toBe(200);
    // Delivered after the two days of downtime (server time; the first retry waits are short), within the
    // backoff cap (1 h) of coming up.
    expect(last.at.getTime() - first).toBeGreaterThanOrEqual(2 * DAY - 3_600_000);
    expect(last.at.getTime() - first).toBeLessThanOrEqual(2 * DAY + 2 * 3_600_000);

    // Every attempt: the same body, the same event id, a valid signature over that body.
    const bodies = new Set(receiver.received.map((r) => r.rawBody));
    expect(bodies.size).toBe(1);
    const body = JSON.parse([...bodies][0]!);
    expect(body).toMatchObject({ id: event.id, type: 'balance.low', accountId: acc, data: { threshold: 10_000 } });
    for (const r of receiver.received) {
      expect(r.headers['points-event-id']).toBe(event.id);
      expect(verify(r.headers['points-signature'] as string, r.rawBody, [ep.secret])).toBe(0);
      expect(verify(r.headers['points-signature'] as string, r.rawBody, [newWebhookSecret()])).toBe(-1);
    }
    const history = await handle.fetchHistory();
    console.log(`[figures] down-2-days delivery: ${after.attempts.length} attempts, workflow history ${history.events?.length} events`);
    expect(history.events!.length).toBeLessThan(20);
  });

  it('an endpoint that never comes back is given up after 3 days and shown as failed', async () => {
    const { account: owner, apiKey } = await createAccount(h.db.prisma, { name: 'Shop' });
    const acc = owner.id;
    const ep = await endpoint(receiver.url, acc);
    receiver.answer = 500;
    const event = await emit(acc);
    await dispatchPendingDeliveries(dispatcherDeps());
    const delivery = await deliveryOf(event.id, ep.id);
    const result = await handleOf(delivery.key).result();
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(/given up after 72 hours/);

    const after = await deliveryOf(event.id, ep.id);
    expect(after.status).toBe('failed');
    expect(after.completedAt).not.toBeNull();
    expect(after.attempts.every((a) => a.statusCode === 500)).toBe(true);
    const span = after.attempts[after.attempts.length - 1]!.at.getTime() - after.attempts[0]!.at.getTime();
    expect(span).toBeLessThanOrEqual(3 * DAY);
    expect(span).toBeGreaterThan(3 * DAY - 2 * 3_600_000);
    // The delivery log says so.
    const app = createApp({
      db: h.db.prisma,
      temporal: h.env.client,
      config: loadConfig({ ADMIN_API_KEY: 'test-admin-key-0123456789', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0' }),
      logger: pino({ level: 'silent' }),
    });
    const log = await request(app).get(`/v1/webhook-endpoints/${ep.id}/deliveries`).set('Authorization', `Bearer ${apiKey}`);
    expect(log.status).toBe(200);
    expect(log.body.deliveries).toEqual([
      expect.objectContaining({
        eventId: event.id,
        eventType: 'balance.low',
        status: 'failed',
        attemptCount: after.attempts.length,
        lastStatusCode: 500,
        lastError: expect.stringMatching(/given up after 72 hours/),
      }),
    ]);
    expect(log.body.deliveries[0].attempts).toHaveLength(20);
    const history = await handleOf(delivery.key).fetchHistory();
    console.log(
      `[figures] never-back delivery: ${after.attempts.length} attempts over ${(span / 3_600_000).toFixed(1)} h, history ${history.events?.length} events`,
    );
    expect(history.events!.length).toBeLessThan(25);
  });

  it('an attempt that gets no answer times out and is retried; the next answer delivers', async () => {
    const acc = await account();
    const ep = await endpoint(receiver.url, acc);
    receiver.answer = 'hang';
    const event = await emit(acc);
    await dispatchPendingDeliveries(dispatcherDeps({ ...DEFAULT_DELIVERY_SCHEDULE, attemptTimeoutMs: 500, initialIntervalMs: 200, maximumIntervalMs: 200 }));
    const delivery = await deliveryOf(event.id, ep.id);
    await until(async () => receiver.received.length >= 2);
    receiver.answer = 204;
    expect(await handleOf(delivery.key).result()).toMatchObject({ status: 'succeeded', statusCode: 204 });
    const after = await deliveryOf(event.id, ep.id);
    expect(after.attempts[0]).toMatchObject({ statusCode: null, error: expect.stringMatching(/timed out after 500 ms/) });
    expect(after.attempts[after.attempts.length - 1]).toMatchObject({ statusCode: 204, error: null });
  });

  it('a crash between the commit and the start: the dispatcher starts the delivery later; repeated starts send once', async () => {
    const acc = await account();
    const ep = await endpoint(receiver.url, acc);
    const event = await emit(acc);
    const delivery = await deliveryOf(event.id, ep.id);
    // The process "died" after the commit: nothing started the workflow.
    await expect(handleOf(delivery.key).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect(delivery.dispatchedAt).toBeNull();

    // After the restart, the dispatcher finds the undispatched row.
    expect(await dispatchPendingDeliveries(dispatcherDeps())).toBe(1);
    expect(await dispatchPendingDeliveries(dispatcherDeps())).toBe(0);
    // A crash between the start and the mark: the next pass starts it again, which attaches to the run.
    await h.db.prisma.webhookDelivery.update({ where: { id: delivery.id }, data: { dispatchedAt: null } });
    await startDeliveryWorkflow(dispatcherDeps(), delivery);
    expect(await dispatchPendingDeliveries(dispatcherDeps())).toBe(1);
    expect(await handleOf(delivery.key).result()).toMatchObject({ status: 'succeeded' });
    // Even after the run closed, a late repeat of the start does not deliver again.
    await h.db.prisma.webhookDelivery.update({ where: { id: delivery.id }, data: { dispatchedAt: null } });
    expect(await dispatchPendingDeliveries(dispatcherDeps())).toBe(1);
    await startDeliveryWorkflow(dispatcherDeps(), delivery);
    await h.env.sleep('1 minute');
    expect(receiver.received.filter((r) => r.headers['points-event-id'] === event.id)).toHaveLength(1);
    expect((await deliveryOf(event.id, ep.id)).attempts).toHaveLength(1);
  });

  it('a deleted endpoint gets nothing: its pending delivery fails at once', async () => {
    const acc = await account();
    const ep = await endpoint(receiver.url, acc);
    const event = await emit(acc);
    await h.db.prisma.webhookEndpoint.update({ where: { id: ep.id }, data: { deletedAt: new Date() } });
    await dispatchPendingDeliveries(dispatcherDeps());
    const delivery = await deliveryOf(event.id, ep.id);
    expect(await handleOf(delivery.key).result()).toMatchObject({ status: 'failed', reason: expect.stringMatching(/deleted/) });
    expect(receiver.received).toHaveLength(0);
    // And a later event is not delivered to it at all.
    expect(await emit(acc)).toMatchObject({ emitted: true, deliveries: 0 });
  });

  it('at delivery, a private address is refused without WEBHOOK_ALLOW_PRIVATE_NETWORKS, and the attempt is logged', async () => {
    const acc = await account();
    const ep = await endpoint(receiver.url, acc);
    const event = await emit(acc);
    const delivery = await deliveryOf(event.id, ep.id);
    const strict = createWebhookActivities({ db: h.db.prisma, webhooks: { ...settings, allowPrivateNetworks: false } });
    const mock = new MockActivityEnvironment({ attempt: 1 });
    await expect(mock.run(strict.attemptWebhookDelivery, { deliveryId: delivery.id, attemptTimeoutMs: 1000 })).rejects.toThrow(
      /URL refused: host 127.0.0.1 resolves to 127.0.0.1/,
    );
    expect(receiver.received).toHaveLength(0);
    expect((await deliveryOf(event.id, ep.id)).attempts[0]).toMatchObject({
      attempt: 1,
      statusCode: null,
      error: expect.stringMatching(/private, loopback or link-local/),
    });
    const noHttp = createWebhookActivities({ db: h.db.prisma, webhooks: { ...settings, allowHttp: false } });
    await expect(
      new MockActivityEnvironment({ attempt: 2 }).run(noHttp.attemptWebhookDelivery, { deliveryId: delivery.id, attemptTimeoutMs: 1000 }),
    ).rejects.toThrow(/must be an https URL/);
    await h.db.prisma.webhookDelivery.update({ where: { id: delivery.id }, data: { dispatchedAt: new Date() } });
  });
});

describe('events emitted by the workflows’ activities', () => {
  it('once per change: replayed and concurrent activities emit nothing new, and a rollback takes the event with it', async () => {
    const acc = await account();
    const ep = await endpoint(receiver.url, acc, { events: ['charge.awaiting_deposit', 'charge.cancelled'] });
    const acts = createActivities({ db: h.db.prisma, webhooks: settings });
    const chargeId = randomUUID();
    const open = {
      chargeId,
      accountId: acc,
      amount: 50_000,
      method: 'bank_transfer' as const,
      origin: 'api' as const,
      depositorName: '홍길동',
      requestedAt: new Date().toISOString(),
    };
    await Promise.all([acts.openCharge(open), acts.openCharge(open), acts.openCharge(open)]);
    await acts.openCharge(open);
    const close = { chargeId, status: 'cancelled' as const, at: new Date().toISOString(), reason: 'changed my mind' };
    // A concurrent twin either finds the change done or loses the race with a retryable error (Temporal
    // retries it, and the retry finds the change done).
    await Promise.allSettled([acts.closeCharge(close), acts.closeCharge(close)]);
    await acts.closeCharge(close);
    await acts.closeCharge(close);

    const events = await h.db.prisma.webhookEvent.findMany({ where: { accountId: acc }, orderBy: { createdAt: 'asc' } });
    expect(events.map((e) => e.type)).toEqual(['charge.awaiting_deposit', 'charge.cancelled']);
    expect(events[0]!.data).toMatchObject({ chargeId, amount: 50_000, status: 'awaiting_deposit', depositorName: '홍길동' });
    expect(events[1]!.data).toMatchObject({ chargeId, status: 'cancelled', failureReason: 'changed my mind' });
    const deliveries = await h.db.prisma.webhookDelivery.findMany({ where: { endpointId: ep.id } });
    expect(deliveries).toHaveLength(2);

    // An event emitted in a transaction that rolls back leaves nothing behind.
    await expect(
      ledgerTransaction(h.db.prisma, async (tx) => {
        await emitEvent(tx, { type: 'charge.failed', accountId: acc, key: `rollback:${chargeId}`, data: {} });
        throw new Error('the state change failed');
      }),
    ).rejects.toThrow('the state change failed');
    expect(await h.db.prisma.webhookEvent.count({ where: { key: `rollback:${chargeId}` } })).toBe(0);

    await dispatchPendingDeliveries(dispatcherDeps());
    for (const d of deliveries) await handleOf(d.key).result();
    expect(receiver.received.map((r) => JSON.parse(r.rawBody).type).sort()).toEqual(['charge.awaiting_deposit', 'charge.cancelled']);
  });
});

describe('bank_deposit.unmatched', () => {
  it("belongs to no account: only the admin's endpoints receive it, once per deposit", async () => {
    const acc = await account();
    const mine = await endpoint(receiver.url, acc);
    const admin = await endpoint(receiver.url, null, { events: ['bank_deposit.unmatched'] });
    const adminOther = await endpoint(receiver.url, null, { events: ['charge.succeeded'] });
    const deposit = {
      id: randomUUID(),
      bankTransactionId: `tx-${randomUUID()}`,
      amount: 77_000,
      depositorName: '(주)가나다',
      depositedAt: new Date().toISOString(),
    };
    const first = await ledgerTransaction(h.db.prisma, (tx) => emitBankDepositUnmatched(tx, deposit));
    const again = await ledgerTransaction(h.db.prisma, (tx) => emitBankDepositUnmatched(tx, deposit));
    expect(first).toMatchObject({ emitted: true, deliveries: 1 });
    expect(again).toMatchObject({ id: first.id, emitted: false, deliveries: 0 });
    const rows = await h.db.prisma.webhookDelivery.findMany({ where: { eventId: first.id } });
    expect(rows.map((r) => r.endpointId)).toEqual([admin.id]);
    expect(rows.some((r) => r.endpointId === mine.id || r.endpointId === adminOther.id)).toBe(false);
    await h.db.prisma.webhookDelivery.updateMany({ where: { eventId: first.id }, data: { dispatchedAt: new Date() } });
  });
});

describe('auto_recharge.disabled', () => {
  it('the failure that switches auto-recharge off emits the event once; replays of that outcome emit nothing', async () => {
    const acc = await account();
    const ep = await endpoint(receiver.url, acc, { events: ['auto_recharge.disabled'] });
    const pm = await h.db.prisma.paymentMethod.create({ data: { id: randomUUID(), accountId: acc, brand: 'visa', last4: '0002', token: 'tok_declined' } });
    await h.db.prisma.autoRecharge.create({ data: { accountId: acc, amount: 50_000n, paymentMethodId: pm.id } });
    const acts = createActivities({ db: h.db.prisma, webhooks: settings });
    const outcome = (chargeId: string) =>
      acts.recordAutoRechargeOutcome({ accountId: acc, chargeId, succeeded: false, failureCode: 'card_declined', at: new Date().toISOString() });
    const charges = [randomUUID(), randomUUID(), randomUUID()];
    for (const c of charges) await outcome(c);
    await outcome(charges[2]!);
    await Promise.all([outcome(charges[2]!), outcome(charges[2]!)]);
    const events = await h.db.prisma.webhookEvent.findMany({ where: { accountId: acc } });
    expect(events.map((e) => e.type)).toEqual(['auto_recharge.disabled']);
    expect(events[0]!.data).toMatchObject({ accountId: acc, chargeId: charges[2], consecutiveFailures: 3, reason: expect.stringMatching(/card_declined/) });
    expect(await h.db.prisma.webhookDelivery.count({ where: { endpointId: ep.id } })).toBe(1);
    await h.db.prisma.webhookDelivery.updateMany({ where: { endpointId: ep.id }, data: { dispatchedAt: new Date() } });
  });
});

describe('through the charge workflow', () => {
  it('a bank transfer nobody confirms: charge.awaiting_deposit, the admins told of the missed target as {text}, then charge.expired; each delivered once', async () => {
    settings.adminWebhookUrl = `${receiver.url}/slack`;
    try {
      const acc = await account();
      const ep = await endpoint(`${receiver.url}/acct`, acc);
      const chargeId = randomUUID();
      const cfg = loadConfig({});
      const handle = await h.env.client.workflow.start<ChargeWorkflow>(chargeWorkflowType, {
        taskQueue,
        workflowId: chargeWorkflowId(chargeId),
        args: [
          {
            chargeId,
            accountId: acc,
            amount: 100_000,
            method: 'bank_transfer',
            origin: 'api',
            depositorName: '홍길동',
            paymentMethodId: null,
            calendar: cfg.calendar,
            schedule: cfg.schedule,
            bankAccount: cfg.bankAccount,
          },
        ],
      });
      expect((await handle.result()).status).toBe('expired');
      const events = await h.db.prisma.webhookEvent.findMany({ where: { accountId: acc }, orderBy: { createdAt: 'asc' } });
      expect(events.map((e) => e.type)).toEqual(['charge.awaiting_deposit', 'charge.expired']);
      const adminDeliveries = await h.db.prisma.webhookDelivery.findMany({ where: { endpointId: null, body: { contains: chargeId } } });
      expect(adminDeliveries).toHaveLength(1);
      await dispatchPendingDeliveries(dispatcherDeps());
      const all = await h.db.prisma.webhookDelivery.findMany({ where: { OR: [{ endpointId: ep.id }, { id: { in: adminDeliveries.map((d) => d.id) } }] } });
      expect(all).toHaveLength(3);
      for (const d of all) expect(await handleOf(d.key).result()).toMatchObject({ status: 'succeeded' });
      const toAccount = receiver.received.filter((r) => r.path === '/hooks/acct');
      expect(toAccount.map((r) => JSON.parse(r.rawBody).type).sort()).toEqual(['charge.awaiting_deposit', 'charge.expired']);
      for (const r of toAccount) expect(verify(r.headers['points-signature'] as string, r.rawBody, [ep.secret])).toBe(0);
      const slack = receiver.received.filter((r) => r.path === '/hooks/slack');
      expect(slack).toHaveLength(1);
      expect(JSON.parse(slack[0]!.rawBody).text).toMatch(new RegExp(`^\\[입금 확인 지연\\] 충전 ${chargeId}: 100,000원, 입금자 홍길동`));
      expect(slack[0]!.headers['points-signature']).toBeUndefined();
    } finally {
      settings.adminWebhookUrl = undefined;
    }
  });
});

async function until(probe: () => Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
