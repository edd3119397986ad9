// The whole service in-process for API tests: a fresh PostgreSQL database, a Temporal server (the dev
// server by default, or the time-skipping one), a worker with the real activities, and the Express app
// driven through supertest.
import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { pino } from 'pino';
import { createApp } from '../../api/app.ts';
import { loadConfig, type Config } from '../../config/config.ts';
import { createWorker } from '../../worker/worker.ts';
import type { ActivityDeps } from '../../activities/index.ts';
import { SimulatedGateway } from '../../activities/gateway.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { seedFundedAccount } from './seed.ts';
import { startWebhookDispatcher, type Dispatcher } from '../../webhooks/dispatcher.ts';
import { createLocalEnv, createTimeSkippingEnv } from './temporal.ts';
import { contractOf, type ContractCheck } from './contract.ts';

export const ADMIN_KEY = 'test-admin-key-0123456789';
export const TEST_WEBHOOK_KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

export interface TestService {
  db: TestDatabase;
  env: TestWorkflowEnvironment;
  worker: Worker;
  app: Express;
  config: Config;
  taskQueue: string;
  /** Starts the delivery workflows of committed webhook deliveries (polls every WEBHOOK_DISPATCH_INTERVAL_MS, 100 ms here). */
  dispatcher: Dispatcher;
  /** supertest agent with a bearer key. */
  as(key: string): {
    get(path: string): request.Test;
    post(path: string, body?: object, idempotencyKey?: string): request.Test;
    put(path: string, body?: object): request.Test;
    delete(path: string): request.Test;
  };
  admin: ReturnType<TestService['as']>;
  /** With `contract: true`: checks every answer to as()/admin against /openapi.json (test/support/contract.ts). */
  contract?: ContractCheck;
  /** Creates an account directly (fast path for tests), optionally funded by an adjustment entry. */
  account(opts?: { name?: string; parentId?: string; billingMode?: 'own' | 'parent'; balance?: number }): Promise<{ id: string; apiKey: string }>;
  stop(): Promise<void>;
}

export async function startTestService(
  opts: { timeSkipping?: boolean; env?: Record<string, string>; deps?: Partial<ActivityDeps>; contract?: boolean } = {},
): Promise<TestService> {
  const db = await createTestDatabase();
  const env = opts.timeSkipping ? await createTimeSkippingEnv() : await createLocalEnv();
  const taskQueue = `test-${randomUUID()}`;
  // The deadlines that turn a slow Temporal into a 503 stay out of the way of load tests on a busy machine
  // (a burst of 300 requests can keep its last one waiting for tens of seconds); test/api-availability sets its own.
  const deadlines = { API_TEMPORAL_TIMEOUT_MS: '90000', API_REQUEST_TIMEOUT_MS: '120000' };
  const config = loadConfig({
    ADMIN_API_KEY: ADMIN_KEY,
    LOG_LEVEL: 'silent',
    TEMPORAL_TASK_QUEUE: taskQueue,
    RATE_LIMIT_PER_MINUTE: '0',
    WEBHOOK_ENCRYPTION_KEY: TEST_WEBHOOK_KEY,
    WEBHOOK_DISPATCH_INTERVAL_MS: '100',
    ...deadlines,
    ...opts.env,
  });
  const gateway = new SimulatedGateway(db.prisma, config.simulatedGateway);
  const worker = await createWorker({
    connection: env.nativeConnection,
    taskQueue,
    db: db.prisma,
    temporal: env.client,
    charging: config,
    gateway,
    webhooks: config.webhooks,
    ...opts.deps,
  });
  const running = worker.run();
  const dispatcher = startWebhookDispatcher({ db: db.prisma, temporal: env.client, taskQueue, settings: config.webhooks });
  const app = createApp({ db: db.prisma, temporal: env.client, config, logger: pino({ level: 'silent' }) });

  const contract = opts.contract ? await contractOf(app) : undefined;
  const as = (key: string) => {
    const auth = (t: request.Test) => {
      t.set('Authorization', `Bearer ${key}`);
      return contract ? t.expect((res) => contract(res as never)) : t;
    };
    return {
      get: (path: string) => auth(request(app).get(path)),
      post: (path: string, body?: object, idempotencyKey?: string) => {
        const t = auth(request(app).post(path));
        if (idempotencyKey) t.set('Idempotency-Key', idempotencyKey);
        return body === undefined ? t : t.send(body);
      },
      put: (path: string, body?: object) => auth(request(app).put(path)).send(body ?? {}),
      delete: (path: string) => auth(request(app).delete(path)),
    };
  };

  return {
    db,
    env,
    worker,
    app,
    config,
    taskQueue,
    dispatcher,
    as,
    admin: as(ADMIN_KEY),
    contract,
    async account({ name = 'Shop', parentId, billingMode, balance = 0 } = {}) {
      const { account, apiKey } = await seedFundedAccount(db.prisma, balance, { name, parentId, billingMode });
      return { id: account.id, apiKey };
    },
    async stop() {
      await dispatcher.stop();
      worker.shutdown();
      await running;
      await env.teardown();
      await db.drop();
    },
  };
}
