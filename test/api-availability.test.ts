// Honest answers when a dependency is down: the API answers 503 service_unavailable problems with
// Retry-After (never a hang, never a 500) when Temporal or PostgreSQL does not answer, recovers by itself
// when they come back, and never stores such an answer as the request's idempotent outcome — a retry
// with the same key lands on the same consumption, which happens once. (`npm run chaos` does the same
// with real processes, outages of 15–30 s and verdicts.)
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { createApp } from '../api/app.ts';
import { unavailableDependency } from '../api/availability.ts';
import { openDatabase, PrismaClient } from '../db/client.ts';
import { checkLedgerIntegrity } from '../db/ledger.ts';
import { connectClient } from '../runtime/connect.ts';
import { createWorker } from '../worker/worker.ts';
import { consumptionWorkflowId } from '../workflows/ids.ts';
import { startTestService, type TestService } from './support/service.ts';
import { TcpProxy } from './support/tcp-proxy.ts';
import { until } from './support/wait.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc?.stop();
});

const logger = pino({ level: 'silent' });

function expectUnavailable(res: request.Response, dependency: 'temporal' | 'database') {
  expect(res.status).toBe(503);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  expect(res.body).toMatchObject({ status: 503, code: 'service_unavailable', dependency });
  // No host, port or driver text reaches the client.
  expect(JSON.stringify(res.body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|grpc/i);
}

describe('Temporal unreachable', () => {
  it('answers 503 with Retry-After while Temporal is cut off, stores no answer, and the retry with the same key debits once when it is back', async () => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(svc.env.address.split(':').pop()) });
    const temporal = await connectClient(proxy.address, 'default');
    try {
      const app = createApp({ db: svc.db.prisma, temporal: temporal.client, config: svc.config, logger });
      const shop = await svc.account({ balance: 1_000 });
      const consume = (key: string) =>
        request(app)
          .post('/v1/consumptions')
          .set('Authorization', `Bearer ${shop.apiKey}`)
          .set('Idempotency-Key', key)
          .send({ accountId: shop.id, amount: 70 });

      expect((await consume(`ok-${randomUUID()}`)).status).toBe(201);
      await proxy.cut();
      const key = `cut-${randomUUID()}`;
      expectUnavailable(await consume(key), 'temporal');
      const record = await svc.db.prisma.idempotencyRecord.findFirstOrThrow({ where: { key } });
      expect(record.completedAt).toBeNull();
      // Reads that need only the database still work.
      expect((await request(app).get(`/v1/accounts/${shop.id}/balance`).set('Authorization', `Bearer ${shop.apiKey}`)).body.balance).toBe(930);

      await proxy.restore();
      // The same connection recovers by itself: no new client, no restart.
      const retried = await until(
        async () => {
          const res = await consume(key);
          return res.status === 201 ? res : undefined;
        },
        'a 201 once Temporal is reachable again',
        60_000,
      );
      expect(retried.body.id).toBe(record.resourceId);
      expect(retried.body.balanceAfter).toBe(860);
      expect((await consume(key)).body).toEqual(retried.body);
      expect(await svc.db.prisma.ledgerEntry.count({ where: { consumptionId: record.resourceId } })).toBe(1);
      expect(await checkLedgerIntegrity(svc.db.prisma)).toEqual([]);
    } finally {
      await proxy.cut();
      await temporal.close();
    }
  });

  it('a consumption whose workflow started but did not answer in time is a 503, not a stored failure; its retry returns that same consumption, debited once', async () => {
    // A task queue nobody polls yet: the workflow starts, its result does not come within the deadline.
    const taskQueue = `later-${randomUUID()}`;
    const config = { ...svc.config, temporal: { ...svc.config.temporal, taskQueue }, apiTemporalTimeoutMs: 1_500 };
    const app = createApp({ db: svc.db.prisma, temporal: svc.env.client, config, logger });
    const shop = await svc.account({ balance: 500 });
    const key = `unknown-${randomUUID()}`;
    const consume = () =>
      request(app).post('/v1/consumptions').set('Authorization', `Bearer ${shop.apiKey}`).set('Idempotency-Key', key).send({ accountId: shop.id, amount: 120 });

    expectUnavailable(await consume(), 'temporal');
    const record = await svc.db.prisma.idempotencyRecord.findFirstOrThrow({ where: { key } });
    expect(record.completedAt).toBeNull();
    const started = await svc.env.client.workflow.getHandle(consumptionWorkflowId(record.resourceId)).describe();
    expect(started.status.name).toBe('RUNNING');
    expectUnavailable(await consume(), 'temporal');

    const worker = await createWorker({ connection: svc.env.nativeConnection, taskQueue, db: svc.db.prisma, temporal: svc.env.client, charging: config });
    const running = worker.run();
    try {
      const res = await until(
        async () => {
          const r = await consume();
          return r.status === 201 ? r : undefined;
        },
        'the consumption to finish once a worker polls',
        60_000,
      );
      expect(res.body).toMatchObject({ id: record.resourceId, amount: 120, balanceAfter: 380 });
      expect(await svc.db.prisma.ledgerEntry.count({ where: { consumptionId: record.resourceId } })).toBe(1);
      expect(await checkLedgerIntegrity(svc.db.prisma)).toEqual([]);
    } finally {
      worker.shutdown();
      await running;
    }
  });
});

describe('PostgreSQL unreachable', () => {
  it('answers 503 with Retry-After while the database is cut off and serves again once it is back, on the same pool', async () => {
    const dbUrl = new URL(svc.db.url);
    const proxy = await TcpProxy.start({ host: dbUrl.hostname, port: Number(dbUrl.port) });
    const url = new URL(svc.db.url);
    url.host = proxy.address;
    const pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
    pool.on('error', () => {});
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
    try {
      const app = createApp({ db: prisma, temporal: svc.env.client, config: svc.config, logger });
      const shop = await svc.account({ balance: 300 });
      const balance = () => request(app).get(`/v1/accounts/${shop.id}/balance`).set('Authorization', `Bearer ${shop.apiKey}`);
      expect((await balance()).body.balance).toBe(300);

      await proxy.cut();
      expectUnavailable(await balance(), 'database');
      const consumption = await request(app)
        .post('/v1/consumptions')
        .set('Authorization', `Bearer ${shop.apiKey}`)
        .set('Idempotency-Key', `db-${randomUUID()}`)
        .send({ accountId: shop.id, amount: 10 });
      expectUnavailable(consumption, 'database');

      await proxy.restore();
      const back = await until(
        async () => {
          const res = await balance();
          return res.status === 200 ? res : undefined;
        },
        'the balance once the database is reachable again',
        60_000,
      );
      expect(back.body.balance).toBe(300);
    } finally {
      await proxy.cut();
      await prisma.$disconnect();
      await pool.end().catch(() => {});
    }
  });
});

describe('a dependency that neither answers nor refuses', () => {
  it('a request waiting on a database host that drops everything is answered 503 by the backstop, and the pool gives up on its own', async () => {
    // Accepts TCP connections and never says a word, like a host behind a broken network.
    const silent = net.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const db = await openDatabase({
      url: `postgresql://postgres@127.0.0.1:${(silent.address() as net.AddressInfo).port}/x`,
      migrate: false,
      connectTimeoutMs: 3_000,
    });
    try {
      const app = createApp({ db: db.prisma, temporal: svc.env.client, config: { ...svc.config, apiRequestTimeoutMs: 2_000 }, logger });
      const res = await request(app).get('/v1/accounts/00000000-0000-4000-8000-000000000000/balance').set('Authorization', 'Bearer pk_whatever');
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(res.body.code).toBe('service_unavailable');
      // The pool's connection timeout ends the wait itself, with an error the API maps to "database".
      const err = await db.runner.query('SELECT 1').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(unavailableDependency(err)).toBe('database');
    } finally {
      await db.close().catch(() => {});
      silent.close();
    }
  });
});

describe('which errors mean "unavailable"', () => {
  it('business refusals, validation and programming errors are not mistaken for an unavailable dependency', () => {
    expect(unavailableDependency(new Error('boom'))).toBeUndefined();
    expect(unavailableDependency(Object.assign(new Error('unique'), { code: 'P2002' }))).toBeUndefined();
    expect(unavailableDependency(Object.assign(new Error('x'), { code: 'ERR_HTTP_HEADERS_SENT' }))).toBeUndefined();
    expect(unavailableDependency(undefined)).toBeUndefined();
  });
});
