// POST /v1/consumptions/batch end to end (Express + Temporal dev server + worker + PostgreSQL): results in
// item order with each item's own problem, one transaction per funding wallet in item order, one key
// space shared with POST /v1/consumptions, racing batches and single requests that share keys, a batch
// retried after its worker was killed mid-way, and refunds and auto-recharge of batched consumptions.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestService, type TestService } from './support/service.ts';
import { until } from './support/wait.ts';
import { checkLedgerIntegrity, post } from '../db/ledger.ts';
import { createApp } from '../api/app.ts';
import { loadConfig } from '../config/config.ts';
import { createWorker } from '../worker/worker.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ contract: true });
});
afterAll(async () => {
  await svc?.stop();
});

type Key = { id: string; apiKey: string };
type Result = { key: string | null; status: number; consumption?: Record<string, unknown>; problem?: Record<string, unknown> };

const batch = (as: Key | string, items: unknown[]) => svc.as(typeof as === 'string' ? as : as.apiKey).post('/v1/consumptions/batch', { items });
const single = (as: Key, body: object, key: string) => svc.as(as.apiKey).post('/v1/consumptions', body, key);
const balanceOf = async (accountId: string) => Number((await svc.db.prisma.wallet.findUniqueOrThrow({ where: { accountId } })).balance);
const uid = () => randomUUID().slice(0, 8);
/** Many funded accounts, a few at a time (each is a transaction; a busy machine must not time them out). */
async function accounts(count: number, opts: Parameters<TestService['account']>[0]) {
  const out: Key[] = [];
  for (let i = 0; i < count; i += 5) out.push(...(await Promise.all(Array.from({ length: Math.min(5, count - i) }, () => svc.account(opts)))));
  return out;
}

describe('results in item order', () => {
  it('debits in item order on one wallet: items that no longer fit get 402 with balance and required, later ones that fit still debit', async () => {
    const a = await svc.account({ balance: 100 });
    const p = uid();
    const res = await batch(a, [
      { key: `${p}-1`, accountId: a.id, amount: 40, reference: 'r1' },
      { key: `${p}-2`, accountId: a.id, item: 'lms', quantity: 3, memo: 'three' },
      { key: `${p}-3`, accountId: a.id, amount: 30 },
      { key: `${p}-4`, accountId: a.id, item: 'sms' },
      { key: `${p}-5`, accountId: a.id, amount: 22 },
    ]);
    expect(res.status).toBe(200);
    const results = res.body.results as Result[];
    expect(results.map((r) => [r.key, r.status])).toEqual([
      [`${p}-1`, 201],
      [`${p}-2`, 402],
      [`${p}-3`, 201],
      [`${p}-4`, 201],
      [`${p}-5`, 402],
    ]);
    expect(results[0]!.consumption).toMatchObject({ accountId: a.id, fundingAccountId: a.id, amount: 40, balanceAfter: 60, reference: 'r1' });
    expect(results[1]!.problem).toMatchObject({ code: 'insufficient_balance', status: 402, balance: 60, required: 90, fundingAccountId: a.id });
    expect(results[2]!.consumption).toMatchObject({ amount: 30, balanceAfter: 30 });
    expect(results[3]!.consumption).toMatchObject({ amount: 9, item: 'sms', quantity: 1, balanceAfter: 21 });
    expect(results[4]!.problem).toMatchObject({ code: 'insufficient_balance', balance: 21, required: 22 });
    expect(await balanceOf(a.id)).toBe(21);

    // Each debit is a Consumption row with its own ledger entry, as a single consumption's would be.
    const entries = await svc.db.prisma.ledgerEntry.findMany({ where: { walletId: a.id, kind: 'consumption' }, orderBy: { id: 'asc' } });
    expect(entries.map((e) => [Number(e.amount), Number(e.balanceAfter), e.consumptionId])).toEqual([
      [-40, 60, results[0]!.consumption!.id],
      [-30, 30, results[2]!.consumption!.id],
      [-9, 21, results[3]!.consumption!.id],
    ]);
    const got = await svc.as(a.apiKey).get(`/v1/consumptions/${results[0]!.consumption!.id}`);
    expect(got.body).toMatchObject({ amount: 40, reference: 'r1', refundedAmount: 0 });
    expect(await checkLedgerIntegrity(svc.db.prisma)).toEqual([]);
  });

  it("a bad item is that item's problem (400, 404) and the others go on; partner billing debits the partner", async () => {
    const partner = await svc.account({ name: 'Partner', balance: 1_000 });
    const child = await svc.account({ parentId: partner.id, billingMode: 'parent' });
    const own = await svc.account({ parentId: partner.id, billingMode: 'own', balance: 50 });
    const stranger = await svc.account({ balance: 1_000 });
    const p = uid();
    const res = await batch(partner, [
      { key: `${p}-a`, accountId: child.id, amount: 10 },
      { key: `${p}-b`, accountId: stranger.id, amount: 10 },
      { key: `${p}-c`, accountId: child.id, item: 'fax', quantity: 1 },
      { accountId: child.id, amount: 10 },
      { key: `${p}-e`, accountId: child.id, amount: 5, item: 'sms' },
      'not an object',
      { key: `${p}-g`, accountId: own.id, amount: 20 },
      { key: `${p}-h`, accountId: 'not-a-uuid', amount: 1 },
      { key: 'bad key with spaces', accountId: child.id, amount: 1 },
    ]);
    expect(res.status).toBe(200);
    const results = res.body.results as Result[];
    expect(results.map((r) => r.status)).toEqual([201, 404, 400, 400, 400, 400, 201, 400, 400]);
    expect(results.map((r) => r.key)).toEqual([`${p}-a`, `${p}-b`, `${p}-c`, null, `${p}-e`, null, `${p}-g`, `${p}-h`, 'bad key with spaces']);
    for (const r of results.filter((x) => x.status === 400)) expect(r.problem).toMatchObject({ code: 'validation_error', status: 400 });
    expect(results[1]!.problem).toMatchObject({ code: 'not_found' });
    expect(results[0]!.consumption).toMatchObject({ accountId: child.id, fundingAccountId: partner.id, balanceAfter: 990 });
    expect(results[6]!.consumption).toMatchObject({ accountId: own.id, fundingAccountId: own.id, balanceAfter: 30 });
    expect(await balanceOf(stranger.id)).toBe(1_000);
    expect(await balanceOf(partner.id)).toBe(990);
  });

  it('a batch too large for one workflow input (1,000 items with 500-character Hangul memos) is one 400 before any key is claimed', async () => {
    const a = await svc.account({ balance: 1_000_000 });
    const p = uid();
    const items = Array.from({ length: 1_000 }, (_, i) => ({ key: `${p}-${i}`, accountId: a.id, amount: 1, memo: '가'.repeat(500) }));
    const res = await batch(a, items);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'validation_error' });
    expect(await svc.db.prisma.idempotencyRecord.count({ where: { key: { startsWith: `${p}-` } } })).toBe(0);
    expect(await balanceOf(a.id)).toBe(1_000_000);
  });

  it('a malformed envelope is one 400 and changes nothing', async () => {
    const a = await svc.account({ balance: 100 });
    const item = { key: `k-${uid()}`, accountId: a.id, amount: 1 };
    const bad: unknown[] = [
      {},
      { items: [] },
      { items: 'x' },
      { items: [item], extra: 1 },
      { items: Array.from({ length: 1_001 }, (_, i) => ({ ...item, key: `k-${i}` })) },
    ];
    for (const body of bad) {
      const res = await svc.as(a.apiKey).post('/v1/consumptions/batch', body as object);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.code).toBe('validation_error');
    }
    const raw = await svc.as(a.apiKey).post('/v1/consumptions/batch').set('content-type', 'application/json').send('{"items": [');
    expect(raw.status).toBe(400);
    expect(await balanceOf(a.id)).toBe(100);
    expect(await svc.db.prisma.idempotencyRecord.count({ where: { principal: `account:${a.id}` } })).toBe(0);
  });

  it('1,000 items over 100 wallets: each wallet debited once per item in one batch, every result in order', async () => {
    const wallets = await accounts(100, { balance: 95 });
    const p = uid();
    const items = Array.from({ length: 1_000 }, (_, i) => ({ key: `${p}-${i}`, accountId: wallets[i % 100]!.id, amount: 10 }));
    const res = await batch(ADMIN_KEY, items);
    expect(res.status).toBe(200);
    const results = res.body.results as Result[];
    expect(results.map((r) => r.key)).toEqual(items.map((i) => i.key));
    // 95 points pay for 9 of each wallet's 10 items: the 10th (items 900–999) is refused.
    results.forEach((r, i) => expect(r.status, `item ${i}`).toBe(i < 900 ? 201 : 402));
    expect(results[999]!.problem).toMatchObject({ balance: 5, required: 10 });
    for (const w of wallets) expect(await balanceOf(w.id)).toBe(5);
    expect(await checkLedgerIntegrity(svc.db.prisma)).toEqual([]);
  });
});

describe('one key space with POST /v1/consumptions', () => {
  it('a key used first alone and then in a batch takes effect once and answers the same consumption; with another body it is 409', async () => {
    const a = await svc.account({ balance: 1_000 });
    const key = `shared-${uid()}`;
    const first = await single(a, { accountId: a.id, amount: 70, reference: 'x' }, key);
    expect(first.status).toBe(201);
    const res = await batch(a, [
      { key, accountId: a.id, amount: 70, reference: 'x' },
      { key: `${key}-other`, accountId: a.id, amount: 5 },
      { key, accountId: a.id, amount: 71, reference: 'x' },
    ]);
    const results = res.body.results as Result[];
    expect(results[0]).toEqual({ key, status: 201, consumption: first.body });
    expect(results[1]!.status).toBe(201);
    expect(results[2]).toMatchObject({ key, status: 409, problem: { code: 'idempotency_key_reused' } });
    expect(await balanceOf(a.id)).toBe(1_000 - 70 - 5);
  });

  it('a key used first in a batch answers the same consumption when sent alone; alone with another body it is 409', async () => {
    const a = await svc.account({ balance: 1_000 });
    const key = `batch-first-${uid()}`;
    const res = await batch(a, [{ key, accountId: a.id, item: 'lms', quantity: 3 }]);
    const consumption = (res.body.results as Result[])[0]!.consumption!;
    expect(consumption).toMatchObject({ amount: 90, item: 'lms', quantity: 3, balanceAfter: 910 });
    const again = await single(a, { accountId: a.id, item: 'lms', quantity: 3 }, key);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(consumption);
    const other = await single(a, { accountId: a.id, item: 'lms', quantity: 4 }, key);
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('idempotency_key_reused');
    // The same batch again replays every item.
    const replay = await batch(a, [{ key, accountId: a.id, item: 'lms', quantity: 3 }]);
    expect(replay.body.results).toEqual(res.body.results);
    expect(await balanceOf(a.id)).toBe(910);
  });

  it('a key refused with 402 stays refused after a top-up, alone or in a batch, whichever answered first', async () => {
    const a = await svc.account({ balance: 10 });
    const [k1, k2] = [`refused-1-${uid()}`, `refused-2-${uid()}`];
    const alone = await single(a, { accountId: a.id, amount: 50 }, k1);
    expect(alone.status).toBe(402);
    const inBatch = await batch(a, [{ key: k2, accountId: a.id, amount: 60 }]);
    expect((inBatch.body.results as Result[])[0]).toMatchObject({ status: 402, problem: { balance: 10, required: 60 } });
    await post(svc.db.prisma, { walletId: a.id, accountId: a.id, kind: 'adjustment', amount: 1_000, businessKey: `topup:${a.id}` });
    // As if each key's answer had not been stored yet (a twin still running): the recorded decision holds.
    await svc.db.prisma.idempotencyRecord.updateMany({
      where: { principal: `account:${a.id}` },
      data: { responseStatus: null, responseBody: undefined, completedAt: null },
    });
    const b = await batch(a, [
      { key: k1, accountId: a.id, amount: 50 },
      { key: k2, accountId: a.id, amount: 60 },
    ]);
    expect((b.body.results as Result[]).map((r) => r.status)).toEqual([402, 402]);
    expect((b.body.results as Result[])[0]!.problem).toEqual(alone.body);
    const s = await single(a, { accountId: a.id, amount: 60 }, k2);
    expect(s.status).toBe(402);
    expect(s.body).toMatchObject({ balance: 10, required: 60 });
    expect(await svc.db.prisma.consumption.count({ where: { accountId: a.id } })).toBe(0);
    expect(await balanceOf(a.id)).toBe(1_010);
  });
});

describe('exactly once under races', () => {
  it('racing batches that share keys, and single requests with the same keys, debit each key once and all answer the same consumption', async () => {
    const partner = await svc.account({ balance: 100_000 });
    const child = await svc.account({ parentId: partner.id, billingMode: 'parent' });
    const other = await svc.account({ parentId: partner.id, billingMode: 'own', balance: 100_000 });
    const p = uid();
    const item = (i: number) => ({ key: `${p}-${i}`, accountId: i % 3 === 0 ? other.id : i % 2 ? child.id : partner.id, amount: 1 + (i % 7) });
    // Four batches over overlapping windows of 60 keys (0–59, 20–79, 40–99, 0–99 reversed) and 30 single requests.
    const windows = [
      [0, 60],
      [20, 80],
      [40, 100],
    ].map(([from, to]) => Array.from({ length: to! - from! }, (_, j) => item(from! + j)));
    windows.push(Array.from({ length: 100 }, (_, j) => item(99 - j)));
    const [batches, singles] = await Promise.all([
      Promise.all(windows.map((items, n) => batch(n % 2 ? partner : ADMIN_KEY, items))),
      Promise.all(
        Array.from({ length: 30 }, (_, j) => {
          const { key, ...body } = item(j * 3 + 1);
          return svc.as(ADMIN_KEY).post('/v1/consumptions', body, key);
        }),
      ),
    ]);
    // Keys are scoped to the caller: the admin's and the partner's key spaces are separate, so each key
    // is consumed at most twice (once per caller that used it) and every answer for one (caller, key) agrees.
    const seen = new Map<string, string>();
    const answer = (caller: string, key: string, id: unknown) => {
      const prior = seen.get(`${caller}/${key}`);
      if (prior) expect(id, `${caller}/${key}`).toBe(prior);
      else seen.set(`${caller}/${key}`, id as string);
    };
    batches.forEach((res, n) => {
      expect(res.status).toBe(200);
      for (const r of res.body.results as Result[]) {
        expect(r.status).toBe(201);
        answer(n % 2 ? 'partner' : 'admin', r.key!, r.consumption!.id);
      }
    });
    singles.forEach((res, j) => {
      expect(res.status).toBe(201);
      answer('admin', `${p}-${j * 3 + 1}`, res.body.id);
    });
    const ids = new Set(seen.values());
    expect(ids.size).toBe(seen.size);
    const consumptions = await svc.db.prisma.consumption.findMany({ where: { id: { in: [...ids] } } });
    expect(consumptions).toHaveLength(ids.size);
    const entries = await svc.db.prisma.ledgerEntry.count({ where: { consumptionId: { in: [...ids] } } });
    expect(entries).toBe(ids.size);
    const spent = consumptions.reduce((s, c) => s + Number(c.amount), 0);
    expect((await balanceOf(partner.id)) + (await balanceOf(other.id))).toBe(200_000 - spent);
    expect(await checkLedgerIntegrity(svc.db.prisma)).toEqual([]);
  });
});

describe('a batch retried after the worker was killed mid-way', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
  });

  it('killed after the debits committed and before the workflow recorded them: the retried batch and the original request answer the same, every item once', async () => {
    const taskQueue = `kill-${randomUUID()}`;
    const config = loadConfig({ ADMIN_API_KEY: ADMIN_KEY, LOG_LEVEL: 'silent', TEMPORAL_TASK_QUEUE: taskQueue, RATE_LIMIT_PER_MINUTE: '0' });
    const app = createApp({ db: svc.db.prisma, temporal: svc.env.client, config, logger: pino({ level: 'silent' }) });
    const script = fileURLToPath(new URL('./fixtures/batch-worker.ts', import.meta.url));
    child = spawn(process.execPath, ['--import', 'tsx', script], {
      env: {
        ...process.env,
        BATCH_WORKER_TEMPORAL: svc.env.address,
        BATCH_WORKER_DB: svc.db.url,
        BATCH_WORKER_QUEUE: taskQueue,
        BATCH_WORKER_DELAY_MS: '5000',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child!.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child!.once('exit', (code) => reject(new Error(`batch worker exited early (${code})`)));
    });

    const wallets = await accounts(60, { balance: 1_000 });
    const p = uid();
    const items = wallets.flatMap((w, i) => [0, 1].map((j) => ({ key: `${p}-${i}-${j}`, accountId: w.id, amount: 10 + j })));
    const send = () => request(app).post('/v1/consumptions/batch').set('Authorization', `Bearer ${ADMIN_KEY}`).send({ items });
    const original = send().then((r) => r);
    const walletIds = wallets.map((w) => w.id);
    const debitedAtKill = await until(
      async () => {
        const n = await svc.db.prisma.consumption.count({ where: { fundingAccountId: { in: walletIds } } });
        return n > 0 && n;
      },
      "the batch's debits committed",
      60_000,
    );
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    child = undefined;
    expect(debitedAtKill).toBe(items.length);
    // The worker died before the workflow recorded the debit: nothing has answered yet.
    const pendingAtKill = await Promise.race([original.then(() => 'answered'), new Promise((r) => setTimeout(() => r('pending'), 200))]);
    expect(pendingAtKill).toBe('pending');

    // A new worker; the client retries the same batch while the first request still waits.
    const worker = await createWorker({ connection: svc.env.nativeConnection, taskQueue, db: svc.db.prisma, temporal: svc.env.client, charging: config });
    const running = worker.run();
    try {
      const [retried, first] = await Promise.all([send(), original]);
      expect(retried.status).toBe(200);
      expect(first.status).toBe(200);
      expect(retried.body).toEqual(first.body);
      const results = first.body.results as Result[];
      expect(results.map((r) => r.status)).toEqual(items.map(() => 201));
      expect(new Set(results.map((r) => r.consumption!.id)).size).toBe(items.length);
      expect(await svc.db.prisma.consumption.count({ where: { fundingAccountId: { in: walletIds } } })).toBe(items.length);
      expect(await svc.db.prisma.ledgerEntry.count({ where: { walletId: { in: walletIds }, kind: 'consumption' } })).toBe(items.length);
      for (const w of wallets) expect(await balanceOf(w.id)).toBe(1_000 - 21);
      expect(await checkLedgerIntegrity(svc.db.prisma)).toEqual([]);
    } finally {
      worker.shutdown();
      await running;
    }
  });
});

describe('batched consumptions are consumptions', () => {
  it('are refunded like any other', async () => {
    const a = await svc.account({ balance: 500 });
    const res = await batch(a, [{ key: `rf-${uid()}`, accountId: a.id, amount: 100 }]);
    const c = (res.body.results as Result[])[0]!.consumption!;
    const refund = await svc.as(a.apiKey).post(`/v1/consumptions/${c.id}/refunds`, { amount: 60, reason: 'send_failed' }, `r-${uid()}`);
    expect(refund.status).toBe(201);
    expect(refund.body).toMatchObject({ consumptionId: c.id, amount: 60, status: 'succeeded' });
    const over = await svc.as(a.apiKey).post(`/v1/consumptions/${c.id}/refunds`, { amount: 41, reason: 'send_failed' }, `r-${uid()}`);
    expect(over.status).toBe(422);
    expect(await balanceOf(a.id)).toBe(460);
    expect((await svc.as(a.apiKey).get(`/v1/consumptions/${c.id}`)).body).toMatchObject({ refundedAmount: 60 });
    expect(await checkLedgerIntegrity(svc.db.prisma)).toEqual([]);
  });

  it('a batch that leaves the funding balance below its threshold starts one auto-recharge', async () => {
    const a = await svc.account({ balance: 15_500 });
    const card = (await svc.as(a.apiKey).post(`/v1/accounts/${a.id}/payment-methods`, { cardToken: 'tok_visa' })).body.id as string;
    await svc.as(a.apiKey).put(`/v1/accounts/${a.id}/auto-recharge`, { enabled: true, amount: 50_000, paymentMethodId: card }).expect(200);
    const p = uid();
    const res = await batch(
      a,
      Array.from({ length: 10 }, (_, i) => ({ key: `${p}-${i}`, accountId: a.id, amount: 100 })),
    );
    expect((res.body.results as Result[]).map((r) => r.status)).toEqual(Array(10).fill(201));
    const charge = await until(() => svc.db.prisma.charge.findFirst({ where: { accountId: a.id, status: 'succeeded' } }), 'the auto-recharge charge');
    expect(charge).toMatchObject({ origin: 'auto_recharge', method: 'card', amount: 50_000n });
    expect(await balanceOf(a.id)).toBe(15_500 - 1_000 + 50_000);
    expect(await svc.db.prisma.charge.count({ where: { accountId: a.id } })).toBe(1);
    expect(await checkLedgerIntegrity(svc.db.prisma)).toEqual([]);
  });
});
