// Single consumptions that arrive together (api/routes/consumptions/singles.ts), over HTTP with the
// Temporal dev server, the worker and PostgreSQL. With one consumption workflow in flight per caller
// (CONSUMPTIONS_IN_FLIGHT_PER_CALLER=1) most concurrent requests ride in batch workflows; every answer
// must still be the single request's answer: its own consumption and balance, its 402, its replay.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import request from 'supertest';
import { createApp } from '../api/app.ts';
import { createWorker } from '../worker/worker.ts';
import { startTestService, type TestService } from './support/service.ts';
import { until } from './support/wait.ts';
import { checkLedgerIntegrity, post } from '../db/ledger.ts';
import { consumptionWorkflowId } from '../workflows/ids.ts';

let svc: TestService;
let server: Server;
let base: string;
beforeAll(async () => {
  svc = await startTestService({ contract: true, env: { CONSUMPTIONS_IN_FLIGHT_PER_CALLER: '1' } });
  server = createServer(svc.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await svc?.stop();
});

type Answer = { status: number; replayed: boolean; body: Record<string, unknown> };

/** POST /v1/consumptions over a real socket, so that many are in flight at once. */
async function consume(apiKey: string, body: object, key: string): Promise<Answer> {
  const res = await fetch(`${base}/v1/consumptions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
  });
  return { status: res.status, replayed: res.headers.get('idempotent-replayed') === 'true', body: (await res.json()) as Record<string, unknown> };
}

/** How many of these consumptions ran as their own `consumption:<id>` workflow (the rest rode in a batch). */
async function ownWorkflows(ids: string[]): Promise<number> {
  let own = 0;
  for (const id of ids) {
    try {
      await svc.env.client.workflow.getHandle(consumptionWorkflowId(id)).describe();
      own++;
    } catch {
      // not found: decided by a batch workflow
    }
  }
  return own;
}

describe('single consumptions arriving together', () => {
  it('40 at once from one caller: each its own consumption and balance, most of them debited by batch workflows, the ledger sums', async () => {
    const a = await svc.account({ balance: 10_000 });
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => consume(a.apiKey, { accountId: a.id, amount: 7, reference: `r-${i}` }, `k-${i}`)));
    expect(answers.map((x) => x.status)).toEqual(Array(40).fill(201));
    answers.forEach((x, i) => expect(x.body).toMatchObject({ accountId: a.id, fundingAccountId: a.id, amount: 7, reference: `r-${i}` }));
    // Every debit saw its own balance: 40 distinct balances from 9,993 down to 9,720.
    expect(new Set(answers.map((x) => x.body.balanceAfter))).toEqual(new Set(Array.from({ length: 40 }, (_, i) => 10_000 - 7 * (i + 1))));
    const ids = answers.map((x) => x.body.id as string);
    expect(new Set(ids).size).toBe(40);
    expect(await svc.db.prisma.consumption.count({ where: { accountId: a.id } })).toBe(40);
    const own = await ownWorkflows(ids);
    expect(own).toBeGreaterThanOrEqual(1);
    expect(own).toBeLessThan(40);
    // The API counts the path each took (this file's process only ran these and the tests below).
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const batched = Number(/^points_single_consumption_runs_total\{(?=[^}]*path="batch")(?=[^}]*unit="consumptions")[^}]*\} (\d+)$/m.exec(metrics)?.[1]);
    expect(batched).toBe(40 - own);

    // Each key replays exactly what it answered, whichever workflow decided it.
    const replays = await Promise.all(answers.map((_, i) => consume(a.apiKey, { accountId: a.id, amount: 7, reference: `r-${i}` }, `k-${i}`)));
    replays.forEach((r, i) => {
      expect(r).toMatchObject({ status: 201, replayed: true });
      expect(r.body).toEqual(answers[i]!.body);
    });
    expect((await svc.as(a.apiKey).get(`/v1/accounts/${a.id}/balance`)).body.balance).toBe(10_000 - 40 * 7);
    expect(await checkLedgerIntegrity(svc.db.prisma)).toEqual([]);
  }, 120_000);

  it('a wallet that covers 3 of 12 at once: 3 debits and 9 single-request 402s, each kept for its key after a top-up', async () => {
    const a = await svc.account({ balance: 300 });
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => consume(a.apiKey, { accountId: a.id, amount: 100 }, `short-${i}`)));
    const ok = answers.filter((x) => x.status === 201);
    const refused = answers.filter((x) => x.status === 402);
    expect(ok).toHaveLength(3);
    expect(refused).toHaveLength(9);
    for (const r of refused) {
      expect(r.body).toMatchObject({ code: 'insufficient_balance', status: 402, required: 100, fundingAccountId: a.id });
      expect(r.body.balance).toBeLessThan(100);
    }
    await post(svc.db.prisma, { walletId: a.id, accountId: a.id, kind: 'adjustment', amount: 10_000, businessKey: `topup:${a.id}` });
    const again = await Promise.all(answers.map((_, i) => consume(a.apiKey, { accountId: a.id, amount: 100 }, `short-${i}`)));
    again.forEach((r, i) => expect(r.body).toEqual(answers[i]!.body));
    expect(await svc.db.prisma.consumption.count({ where: { accountId: a.id } })).toBe(3);
    expect((await svc.as(a.apiKey).get(`/v1/accounts/${a.id}/balance`)).body.balance).toBe(10_000);
    expect(await checkLedgerIntegrity(svc.db.prisma)).toEqual([]);
  }, 120_000);

  it('twins of one key among others at once: one consumption, both answered the same; another body under that key is 409', async () => {
    const a = await svc.account({ balance: 1_000 });
    const sent = [
      ...Array.from({ length: 10 }, (_, i) => consume(a.apiKey, { accountId: a.id, amount: 5 }, `busy-${i}`)),
      consume(a.apiKey, { accountId: a.id, amount: 11 }, 'twin'),
      consume(a.apiKey, { accountId: a.id, amount: 11 }, 'twin'),
    ];
    const answers = await Promise.all(sent);
    expect(answers.map((x) => x.status)).toEqual(Array(12).fill(201));
    const [first, second] = answers.slice(10);
    expect(second!.body.id).toBe(first!.body.id);
    expect(second!.body.balanceAfter).toBe(first!.body.balanceAfter);
    // As when twins race alone: one answer is fresh, the other says it was replayed.
    expect([first!.replayed, second!.replayed].sort()).toEqual([false, true]);
    expect(await svc.db.prisma.consumption.count({ where: { accountId: a.id, amount: 11 } })).toBe(1);
    const reused = await consume(a.apiKey, { accountId: a.id, amount: 12 }, 'twin');
    expect(reused).toMatchObject({ status: 409, body: { code: 'idempotency_key_reused' } });

    // One key with two different bodies at once, among others: one of them takes effect, the other is 409.
    const mixed = await Promise.all([
      ...Array.from({ length: 6 }, (_, i) => consume(a.apiKey, { accountId: a.id, amount: 5 }, `busy-again-${i}`)),
      consume(a.apiKey, { accountId: a.id, amount: 13 }, 'two-bodies'),
      consume(a.apiKey, { accountId: a.id, amount: 14 }, 'two-bodies'),
    ]);
    const [x, y] = mixed.slice(6);
    expect([x!.status, y!.status].sort()).toEqual([201, 409]);
    const loser = x!.status === 409 ? x! : y!;
    expect(loser.body).toMatchObject({ code: 'idempotency_key_reused', detail: 'this Idempotency-Key was used with a different request' });
    const winner = x!.status === 201 ? x! : y!;
    expect((await svc.as(a.apiKey).get(`/v1/accounts/${a.id}/balance`)).body.balance).toBe(1_000 - 50 - 11 - 30 - (winner.body.amount as number));
    expect(await checkLedgerIntegrity(svc.db.prisma)).toEqual([]);
  }, 120_000);

  it('a group whose workflow does not answer in time: its new keys are 503 and stored nowhere, a replay riding with them is still answered; once a worker polls, every retry debits once', async () => {
    // A task queue nobody polls yet, and a short Temporal deadline: the lone request's own workflow starts
    // and does not answer; the three that waited behind it go together when it gives up.
    const taskQueue = `later-${randomUUID()}`;
    const config = { ...svc.config, temporal: { ...svc.config.temporal, taskQueue }, apiTemporalTimeoutMs: 1_500, consumptionsInFlightPerCaller: 1 };
    const app = createApp({ db: svc.db.prisma, temporal: svc.env.client, config, logger: pino({ level: 'silent' }) });
    const a = await svc.account({ balance: 1_000 });
    const post = (key: string, amount: number) =>
      request(app).post('/v1/consumptions').set('Authorization', `Bearer ${a.apiKey}`).set('Idempotency-Key', key).send({ accountId: a.id, amount });
    const kept = await consume(a.apiKey, { accountId: a.id, amount: 10 }, 'kept');
    expect(kept.status).toBe(201);

    const [blocker, n1, n2, replay] = await Promise.all([post('blocker', 1), post('n1', 2), post('n2', 3), post('kept', 10)]);
    for (const r of [blocker, n1, n2]) {
      expect(r.status).toBe(503);
      expect(r.body).toMatchObject({ code: 'service_unavailable', dependency: 'temporal' });
    }
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(kept.body);
    const open = await svc.db.prisma.idempotencyRecord.findMany({ where: { principal: `account:${a.id}`, key: { in: ['blocker', 'n1', 'n2'] } } });
    expect(open.map((r) => r.completedAt)).toEqual([null, null, null]);
    expect((await svc.as(a.apiKey).get(`/v1/accounts/${a.id}/balance`)).body.balance).toBe(990);

    const worker = await createWorker({ connection: svc.env.nativeConnection, taskQueue, db: svc.db.prisma, temporal: svc.env.client, charging: config });
    const running = worker.run();
    try {
      for (const [key, amount] of [
        ['blocker', 1],
        ['n1', 2],
        ['n2', 3],
      ] as const) {
        const r = await until(
          async () => {
            const res = await post(key, amount);
            return res.status === 201 ? res : undefined;
          },
          `${key} to be debited once a worker polls`,
          60_000,
        );
        expect(r.body).toMatchObject({ amount });
        expect(await svc.db.prisma.ledgerEntry.count({ where: { consumptionId: r.body.id as string } })).toBe(1);
      }
      expect((await svc.as(a.apiKey).get(`/v1/accounts/${a.id}/balance`)).body.balance).toBe(984);
      expect(await checkLedgerIntegrity(svc.db.prisma)).toEqual([]);
    } finally {
      worker.shutdown();
      await running;
    }
  }, 120_000);
});
