// `npm run stack:test`: the production topology under failure. Starts the stack (PostgreSQL, the Temporal
// server on PostgreSQL, two workers, two APIs behind the proxy) on free ports in a temporary directory and
// drives it over HTTP like a client would: charges (card, and bank transfers confirmed by the admin),
// consumptions and refunds through each API process directly and through the shared address; then, with
// consumptions flowing and bank transfers waiting, one worker is SIGKILLed, the Temporal server restarted
// and the workers restarted one after the other. Afterwards: every request has a final answer, nothing is
// lost or doubled (one ledger entry per effect, balances = what the answers add up to, ledger integrity),
// every workflow is where it should be, idempotency and rate limits hold across the two API processes.
//
// Prints a verdict table and a last line `N passed, M failed[, K skipped]`; exits non-zero on a failure.
// STACK_TEST_KEEP=1 keeps the temporary directory (logs of every process) for a look afterwards.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { consumptionBatchWorkflowType } from '../workflows/consumption-batch/definitions.ts';
import { openDatabase, type Database } from '../db/client.ts';
import { checkLedgerIntegrity } from '../db/ledger.ts';
import { chargeWorkflowId, consumptionWorkflowId, refundWorkflowId } from '../workflows/ids.ts';
import { freeLayout } from './stack/ports.ts';
import { startStack, type Stack } from './stack/stack.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const RATE_LIMIT = 240; // per API key and minute, as configured on both API processes
// Until the rate limiter's store is shared between API processes (PostgreSQL-backed, in progress on
// another branch), each process counts alone and the cross-process check cannot pass. This variable,
// and only it, turns that one check into a skip; remove it once the shared limiter is merged.
const SKIP_SHARED_RATE_LIMIT = process.env.STACK_TEST_SKIP_SHARED_RATE_LIMIT === '1';

// ---------------------------------------------------------------------------------------------- verdicts

type Verdict = 'pass' | 'FAIL' | 'skip';
const verdicts: { name: string; verdict: Verdict; detail: string }[] = [];
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s`;
const say = (line: string) => process.stdout.write(`[stack-test ${elapsed()}] ${line}\n`);

function record(name: string, ok: boolean, detail: string) {
  verdicts.push({ name, verdict: ok ? 'pass' : 'FAIL', detail });
  say(`${ok ? 'pass' : 'FAIL'}  ${name}${detail ? ` — ${detail}` : ''}`);
}

async function check(name: string, fn: () => Promise<string | void>) {
  try {
    record(name, true, (await fn()) ?? '');
  } catch (err) {
    record(name, false, (err as Error).message);
  }
}

function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

// ---------------------------------------------------------------------------------------------- HTTP

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

async function call(base: string, method: string, path: string, key: string, body?: object, idempotencyKey?: string): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (body) headers['content-type'] = 'application/json';
  if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
  const res = await fetch(`${base}${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined, signal: AbortSignal.timeout(90_000) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

let transientRetries = 0;
/**
 * A client that never gives up on an unknown outcome: the same request with the same Idempotency-Key
 * again after a 5xx, a 429 or a broken connection, until a final answer (or the deadline).
 */
async function settle(
  base: () => string,
  method: string,
  path: string,
  key: string,
  body?: object,
  idempotencyKey?: string,
  deadlineMs = 360_000,
): Promise<Answer> {
  const deadline = Date.now() + deadlineMs;
  let last = '';
  for (;;) {
    try {
      const a = await call(base(), method, path, key, body, idempotencyKey);
      if (a.status < 500 && a.status !== 429) return a;
      last = `${a.status} ${typeof a.body === 'object' ? (a.body?.detail ?? a.body?.code ?? '') : String(a.body).slice(0, 120)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    transientRetries += 1;
    if (Date.now() > deadline) throw new Error(`${method} ${path}: no final answer within ${deadlineMs} ms (last: ${last})`);
    await sleep(500);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let seq = 0;
const idem = (what: string) => `stack-test-${what}-${process.pid}-${++seq}`;

// ---------------------------------------------------------------------------------------------- the model

interface Acct {
  id: string;
  key: string;
  /** What the answers add up to. */
  expected: number;
}

/** What each workflow must be at the end. */
const expectedWorkflows = new Map<string, 'COMPLETED' | 'RUNNING'>();
const consumptionIds = new Set<string>();

async function createAccount(s: Stack, name: string): Promise<Acct> {
  const res = await settle(() => s.url, 'POST', '/v1/accounts', s.adminKey, { name });
  assert(res.status === 201, `create account: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, key: res.body.apiKey, expected: 0 };
}

async function cardCharge(s: Stack, base: string, a: Acct, amount: number): Promise<string> {
  const pm = await settle(() => base, 'POST', `/v1/accounts/${a.id}/payment-methods`, a.key, { cardToken: 'tok_visa' });
  assert(pm.status === 201, `store card: ${pm.status}`);
  const res = await settle(() => base, 'POST', '/v1/charges', a.key, { accountId: a.id, amount, method: 'card', paymentMethodId: pm.body.id }, idem('card'));
  assert(
    res.status === 201 && res.body.status === 'succeeded' && res.body.creditedAmount === amount,
    `card charge: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`,
  );
  a.expected += amount;
  expectedWorkflows.set(chargeWorkflowId(res.body.id), 'COMPLETED');
  return res.body.id;
}

async function bankTransfer(base: string, a: Acct, amount: number): Promise<string> {
  const res = await settle(
    () => base,
    'POST',
    '/v1/charges',
    a.key,
    { accountId: a.id, amount, method: 'bank_transfer', depositorName: '홍길동' },
    idem('bank'),
  );
  assert(res.status === 202 && res.body.status === 'awaiting_deposit', `bank transfer: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
  expectedWorkflows.set(chargeWorkflowId(res.body.id), 'RUNNING');
  return res.body.id;
}

async function confirmDeposit(s: Stack, base: string, a: Acct, chargeId: string, amount: number): Promise<void> {
  const res = await settle(() => base, 'POST', `/v1/charges/${chargeId}/confirm-deposit`, s.adminKey, { depositedAmount: amount });
  assert(
    res.status === 200 && res.body.status === 'succeeded' && res.body.creditedAmount === amount,
    `confirm ${chargeId}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`,
  );
  a.expected += amount;
  expectedWorkflows.set(chargeWorkflowId(chargeId), 'COMPLETED');
}

async function consume(base: () => string, a: Acct, quantity: number, key = idem('use')): Promise<Answer> {
  const res = await settle(base, 'POST', '/v1/consumptions', a.key, { accountId: a.id, item: 'sms', quantity }, key);
  if (res.status === 201) {
    a.expected -= res.body.amount;
    consumptionIds.add(res.body.id);
  }
  return res;
}

async function refund(base: string, a: Acct, consumptionId: string, amount: number, reason: string): Promise<Answer> {
  const res = await settle(() => base, 'POST', `/v1/consumptions/${consumptionId}/refunds`, a.key, { amount, reason }, idem('refund'));
  if (res.status === 201) {
    a.expected += amount;
    expectedWorkflows.set(refundWorkflowId(res.body.id), 'COMPLETED');
  } else if (res.status === 202) {
    expectedWorkflows.set(refundWorkflowId(res.body.id), 'RUNNING');
  }
  return res;
}

// ---------------------------------------------------------------------------------------------- load

interface LoadResult {
  sent: number;
  created: number;
  refused: number;
  unresolved: string[];
}

/** Consumptions through the shared address at a steady pace until stopped, each settled to a final answer. */
function startLoad(s: Stack, accounts: Acct[], perSecond: number) {
  const result: LoadResult = { sent: 0, created: 0, refused: 0, unresolved: [] };
  const inflight = new Set<Promise<void>>();
  let running = true;
  const loop = (async () => {
    let i = 0;
    while (running) {
      const a = accounts[i++ % accounts.length]!;
      result.sent += 1;
      const p = consume(() => s.url, a, 1 + (i % 3))
        .then((res) => {
          if (res.status === 201) result.created += 1;
          else if (res.status === 402) result.refused += 1;
          else result.unresolved.push(`${res.status} ${JSON.stringify(res.body).slice(0, 120)}`);
        })
        .catch((err: Error) => void result.unresolved.push(err.message))
        .finally(() => inflight.delete(p));
      inflight.add(p);
      await sleep(1000 / perSecond);
    }
  })();
  return {
    result,
    async stop() {
      running = false;
      await loop;
      await Promise.all([...inflight]);
      return result;
    },
  };
}

// ---------------------------------------------------------------------------------------------- run

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'points-stack-'));
  chmodSync(dir, 0o755); // as root, PostgreSQL runs as `postgres` and must reach its directory inside
  const ports = await freeLayout(2, 2);
  say(`stack in ${dir}`);
  const startedAt = Date.now();
  let stack: Stack | undefined;
  let ledger: Database | undefined;
  let connection: Connection | undefined;
  try {
    stack = await startStack({
      root,
      dir,
      ports,
      apis: 2,
      workers: 2,
      echo: false,
      fastPostgres: true,
      numHistoryShards: 4,
      retentionDays: 1,
      // A worker killed with SIGKILL stays down this long before the supervisor restarts it, so the
      // other worker alone carries the load meanwhile.
      restartDelayMs: 10_000,
      env: { LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT) },
      log: (line) => say(line),
    });
    const s = stack;
    const startSeconds = (Date.now() - startedAt) / 1000;
    say(
      `stack up in ${startSeconds.toFixed(1)} s (${Object.entries(s.timings)
        .map(([k, v]) => `${k} ${v.toFixed(1)}`)
        .join(', ')})`,
    );
    ledger = await openDatabase({ url: s.databaseUrl, migrate: false, poolSize: 3 });
    connection = await Connection.connect({ address: s.temporalAddress });
    const temporal = new Client({ connection, namespace: s.namespace });
    const [api1, api2] = s.apiUrls as [string, string];
    const bases = [
      { name: 'api-1 direct', url: api1 },
      { name: 'api-2 direct', url: api2 },
      { name: 'shared address', url: s.url },
    ];

    // ---- API flows through each process and through the proxy
    const flowAccounts: Acct[] = [];
    for (const b of bases) {
      await check(`charges, consumptions and refunds via ${b.name}`, async () => {
        const a = await createAccount(s, `flows ${b.name}`);
        flowAccounts.push(a);
        await cardCharge(s, b.url, a, 50_000);
        const bank = await bankTransfer(b.url, a, 100_000);
        // the admin confirms on the other API process
        const other = b.url === api1 ? api2 : api1;
        await confirmDeposit(s, other, a, bank, 100_000);
        const c = await consume(() => b.url, a, 10);
        assert(c.status === 201 && c.body.amount === 90, `consumption: ${c.status} ${JSON.stringify(c.body).slice(0, 200)}`);
        const auto = await refund(b.url, a, c.body.id, 18, 'send_failed');
        assert(auto.status === 201 && auto.body.status === 'succeeded', `automatic refund: ${auto.status} ${JSON.stringify(auto.body).slice(0, 200)}`);
        const review = await refund(b.url, a, c.body.id, 27, 'other');
        assert(review.status === 202 && review.body.status === 'pending_review', `refund for review: ${review.status}`);
        const approved = await settle(() => other, 'POST', `/v1/refunds/${review.body.id}/approve`, s.adminKey, {});
        assert(approved.status === 200 && approved.body.status === 'succeeded', `approve: ${approved.status} ${JSON.stringify(approved.body).slice(0, 200)}`);
        a.expected += 27;
        expectedWorkflows.set(refundWorkflowId(review.body.id), 'COMPLETED');
        const bal = await call(b.url, 'GET', `/v1/accounts/${a.id}/balance`, a.key);
        assert(bal.body.balance === a.expected, `balance ${bal.body.balance}, expected ${a.expected}`);
        return `balance ${a.expected} (card 50000 + deposit 100000 − 90 + 18 + 27)`;
      });
    }

    await check('the shared address spreads requests over both API processes', async () => {
      const a = flowAccounts[0]!;
      const seen = new Set<string>();
      for (let i = 0; i < 6; i++) seen.add((await call(s.url, 'GET', `/v1/accounts/${a.id}/balance`, a.key)).headers.get('x-served-by') ?? '?');
      assert(seen.has('api-1') && seen.has('api-2'), `served by ${[...seen].join(', ')}`);
      return `served by ${[...seen].sort().join(' and ')}`;
    });

    // ---- deposits that confirm themselves, across processes: the gateway's webhook and the bank feed
    await check(
      'a virtual account issued on one API process is credited by the gateway webhook through the shared address; a bank-feed deposit confirms its charge',
      async () => {
        const a = await createAccount(s, 'deposits');
        const va = await settle(() => api1, 'POST', '/v1/charges', a.key, { accountId: a.id, amount: 60_000, method: 'virtual_account' }, idem('va'));
        assert(
          va.status === 202 && va.body.status === 'awaiting_deposit' && va.body.virtualAccount?.accountNumber,
          `virtual account: ${va.status} ${JSON.stringify(va.body).slice(0, 200)}`,
        );
        // The sandbox (on api-2) takes the deposit and signs its notification to PUBLIC_BASE_URL (the proxy):
        // whichever process receives it must verify it with the same secret.
        const dep = await settle(() => api2, 'POST', `/v1/sandbox/virtual-accounts/${va.body.virtualAccount.accountNumber}/deposits`, s.adminKey, {
          amount: 60_000,
        });
        assert(dep.status === 201 && dep.body.notification?.status === 200, `sandbox deposit: ${dep.status} ${JSON.stringify(dep.body).slice(0, 300)}`);
        a.expected += 60_000;
        expectedWorkflows.set(chargeWorkflowId(va.body.id), 'COMPLETED');
        const bank = await settle(
          () => api2,
          'POST',
          '/v1/charges',
          a.key,
          { accountId: a.id, amount: 70_000, method: 'bank_transfer', depositorName: '김영희' },
          idem('feed'),
        );
        assert(bank.status === 202, `bank transfer: ${bank.status}`);
        const feed = await settle(() => s.url, 'POST', '/v1/bank-deposits', s.adminKey, {
          bankTransactionId: idem('txn'),
          amount: 70_000,
          depositorName: '김영희',
          depositedAt: new Date().toISOString(),
        });
        assert(feed.status === 201, `bank deposit: ${feed.status} ${JSON.stringify(feed.body).slice(0, 200)}`);
        a.expected += 70_000;
        expectedWorkflows.set(chargeWorkflowId(bank.body.id), 'COMPLETED');
        const deadline = Date.now() + 120_000;
        let charge: Answer;
        do {
          charge = await call(api1, 'GET', `/v1/charges/${bank.body.id}`, a.key);
          if (charge.body.status === 'succeeded') break;
          await new Promise((r) => setTimeout(r, 500));
        } while (Date.now() < deadline);
        assert(
          charge.body.status === 'succeeded' && charge.body.confirmedBy === 'bank_feed',
          `bank-feed charge: ${charge.body.status} by ${charge.body.confirmedBy}`,
        );
        const bal = await call(api1, 'GET', `/v1/accounts/${a.id}/balance`, a.key);
        assert(bal.body.balance === a.expected, `balance ${bal.body.balance}, expected ${a.expected}`);
        return `virtual account credited via ${dep.body.notification.url}; bank feed matched (confirmedBy bank_feed); balance ${a.expected}`;
      },
    );

    // ---- idempotency across the two processes
    await check('one Idempotency-Key sent to both API processes at once: one consumption, one debit', async () => {
      const a = await createAccount(s, 'idempotency');
      await cardCharge(s, api1, a, 50_000);
      const key = idem('twin');
      const body = { accountId: a.id, item: 'lms', quantity: 2 };
      const [r1, r2] = await Promise.all([
        settle(() => api1, 'POST', '/v1/consumptions', a.key, body, key),
        settle(() => api2, 'POST', '/v1/consumptions', a.key, body, key),
      ]);
      assert(r1.status === 201 && r2.status === 201, `answers ${r1.status}, ${r2.status}`);
      assert(r1.body.id === r2.body.id, `two consumptions: ${r1.body.id} and ${r2.body.id}`);
      a.expected -= r1.body.amount;
      consumptionIds.add(r1.body.id);
      const replay = await call(api2, 'POST', '/v1/consumptions', a.key, body, key);
      assert(replay.status === 201 && replay.body.id === r1.body.id && replay.headers.get('idempotent-replayed') === 'true', `replay: ${replay.status}`);
      const reused = await call(api1, 'POST', '/v1/consumptions', a.key, { ...body, quantity: 3 }, key);
      assert(reused.status === 409 && reused.body.code === 'idempotency_key_reused', `same key, other body: ${reused.status} ${reused.body?.code}`);
      const debits = await ledger!.prisma.ledgerEntry.count({ where: { consumptionId: r1.body.id } });
      assert(debits === 1, `${debits} ledger entries for the consumption`);
      const twinCharge = { accountId: a.id, amount: 50_000, method: 'bank_transfer', depositorName: '홍길동' };
      const ck = idem('twin-charge');
      const [c1, c2] = await Promise.all([
        settle(() => api1, 'POST', '/v1/charges', a.key, twinCharge, ck),
        settle(() => api2, 'POST', '/v1/charges', a.key, twinCharge, ck),
      ]);
      assert(c1.status === 202 && c2.status === 202 && c1.body.id === c2.body.id, `charge twins: ${c1.status}/${c2.status}, ${c1.body.id} vs ${c2.body.id}`);
      expectedWorkflows.set(chargeWorkflowId(c1.body.id), 'RUNNING');
      const charges = await ledger!.prisma.charge.count({ where: { accountId: a.id, method: 'bank_transfer' } });
      assert(charges === 1, `${charges} bank-transfer charges`);
      return `consumption ${r1.body.id.slice(0, 8)}… once; replay marked; reuse refused; one charge for twin requests`;
    });

    // ---- rate limits
    const burst = async (a: Acct, targets: string[], n: number) => {
      const started = Date.now();
      let ok = 0;
      let limited = 0;
      let retryAfter = true;
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < n) {
            const i = next++;
            const r = await call(targets[i % targets.length]!, 'GET', `/v1/accounts/${a.id}/balance`, a.key);
            if (r.status === 200) ok += 1;
            else if (r.status === 429) {
              limited += 1;
              if (!r.headers.get('retry-after')) retryAfter = false;
            }
          }
        }),
      );
      const seconds = (Date.now() - started) / 1000;
      // A full bucket, plus what refills while the burst runs, plus a little slack.
      const allowed = RATE_LIMIT + Math.ceil((RATE_LIMIT / 60) * seconds) + 5;
      return { ok, limited, allowed, retryAfter, seconds };
    };
    await check('each API process limits a key on its own (429 with Retry-After)', async () => {
      const a = await createAccount(s, 'rate limit one process');
      const r = await burst(a, [api1], RATE_LIMIT * 2);
      assert(r.ok <= r.allowed && r.limited > 0 && r.retryAfter, `${r.ok} answered, ${r.limited} limited in ${r.seconds.toFixed(1)} s (allowed ${r.allowed})`);
      return `${r.ok} answered, ${r.limited} limited in ${r.seconds.toFixed(1)} s (limit ${RATE_LIMIT}/min)`;
    });
    const sharedName = 'the rate limit holds across both API processes [needs the shared limiter store]';
    if (SKIP_SHARED_RATE_LIMIT) {
      verdicts.push({ name: sharedName, verdict: 'skip', detail: 'STACK_TEST_SKIP_SHARED_RATE_LIMIT=1' });
      say(`skip  ${sharedName}`);
    } else {
      await check(sharedName, async () => {
        const a = await createAccount(s, 'rate limit two processes');
        const r = await burst(a, [api1, api2], RATE_LIMIT * 2);
        assert(
          r.ok <= r.allowed && r.limited > 0,
          `${r.ok} answered (allowed ${r.allowed} for one key across processes), ${r.limited} limited — each process counts alone`,
        );
        return `${r.ok} answered, ${r.limited} limited in ${r.seconds.toFixed(1)} s across api-1 and api-2`;
      });
    }

    // ---- failures under load
    const loadAccounts: Acct[] = [];
    for (let i = 0; i < 6; i++) {
      const a = await createAccount(s, `load ${i}`);
      await cardCharge(s, s.url, a, 50_000);
      loadAccounts.push(a);
    }
    const waiting: { a: Acct; id: string }[] = [];
    for (let i = 0; i < 6; i++) {
      const a = loadAccounts[i]!;
      waiting.push({ a, id: await bankTransfer(s.url, a, 60_000 + i * 1_000) });
    }
    // A steady 4/s: enough to keep both workers busy through every failure, not enough to saturate a shared
    // 2-core machine (where a slower pace only makes the run longer, never a check weaker).
    say('load: consumptions through the shared address at 4/s; 6 bank transfers awaiting deposit');
    const load = startLoad(s, loadAccounts, 4);
    await sleep(4_000);

    await check('a worker killed with SIGKILL: the other carries on, the supervisor restarts it', async () => {
      const w = s.workers[0]!;
      const pid = w.pid;
      assert(pid, 'worker-1 not running');
      process.kill(pid, 'SIGKILL');
      await sleep(1_000);
      assert(!w.running, 'worker-1 still running after SIGKILL');
      const before = load.result.created;
      // Deposits confirmed while only worker-2 runs: updates to workflows worker-1 had cached move on
      // after the sticky queue's timeout.
      const t = Date.now();
      await confirmDeposit(s, s.url, waiting[0]!.a, waiting[0]!.id, 60_000);
      await confirmDeposit(s, api2, waiting[1]!.a, waiting[1]!.id, 61_000);
      const confirmSeconds = (Date.now() - t) / 1000;
      await s.workerReady(0);
      assert(w.crashes.length === 1 && w.starts === 2, `crashes ${w.crashes.join(',')}, starts ${w.starts}`);
      return `2 deposits confirmed in ${confirmSeconds.toFixed(1)} s while down; ${load.result.created - before} consumptions meanwhile; restarted (pid ${pid} → ${w.pid})`;
    });

    await check('the Temporal server restarted: workers and APIs reconnect, requests settle', async () => {
      const t = Date.now();
      await s.temporal.stop();
      await sleep(2_000);
      await s.temporal.start();
      const downSeconds = (Date.now() - t) / 1000;
      await confirmDeposit(s, api1, waiting[2]!.a, waiting[2]!.id, 62_000);
      const c = await consume(() => s.url, loadAccounts[0]!, 1);
      assert(c.status === 201, `consumption after restart: ${c.status}`);
      const crashed = s.workers.filter((w) => !w.running).map((w) => w.name);
      assert(crashed.length === 0, `not running: ${crashed.join(', ')}`);
      return `down and back in ${downSeconds.toFixed(1)} s; worker exits so far: ${s.workers.map((w) => `${w.name} ${w.crashes.length}`).join(', ')}`;
    });

    await check('a rolling restart of the workers (SIGTERM, start, wait until polling) under load', async () => {
      const times: string[] = [];
      for (let i = 0; i < s.workers.length; i++) {
        const t = Date.now();
        const w = s.workers[i]!;
        await w.stop('SIGTERM');
        await s.startWorker(i);
        times.push(`${w.name} ${((Date.now() - t) / 1000).toFixed(1)} s`);
      }
      await confirmDeposit(s, api2, waiting[3]!.a, waiting[3]!.id, 63_000);
      return times.join(', ');
    });

    const cancelled = await settle(() => s.url, 'POST', `/v1/charges/${waiting[4]!.id}/cancel`, waiting[4]!.a.key, {});
    if (cancelled.status === 200 && cancelled.body.status === 'cancelled') expectedWorkflows.set(chargeWorkflowId(waiting[4]!.id), 'COMPLETED');
    await sleep(3_000);
    const loadResult = await load.stop();
    say(`load stopped: ${loadResult.sent} sent, ${loadResult.created} created, ${loadResult.refused} refused, ${transientRetries} transient retries`);

    // ---- afterwards
    await check('every consumption request got a final answer (none unknown)', async () => {
      assert(loadResult.unresolved.length === 0, loadResult.unresolved.slice(0, 3).join('; '));
      assert(loadResult.created + loadResult.refused === loadResult.sent, `${loadResult.created} + ${loadResult.refused} ≠ ${loadResult.sent}`);
      assert(loadResult.created > 50, `only ${loadResult.created} consumptions`);
      return `${loadResult.sent} sent: ${loadResult.created} created, ${loadResult.refused} refused (402); ${transientRetries} retries with the same key`;
    });

    await check('cancelling a waiting bank transfer', async () => {
      assert(cancelled.status === 200 && cancelled.body.status === 'cancelled', `${cancelled.status} ${JSON.stringify(cancelled.body).slice(0, 200)}`);
    });

    await check('nothing lost or doubled: one ledger entry per effect, balances = the answers', async () => {
      const ids = [...consumptionIds];
      const debits = await ledger!.prisma.ledgerEntry.groupBy({
        by: ['consumptionId'],
        where: { consumptionId: { in: ids }, kind: 'consumption' },
        _count: true,
      });
      const doubled = debits.filter((d) => d._count !== 1);
      assert(debits.length === ids.length, `${ids.length} consumptions answered 201, ${debits.length} debited`);
      assert(doubled.length === 0, `${doubled.length} consumptions debited more than once`);
      const all = [...flowAccounts, ...loadAccounts];
      const wrong: string[] = [];
      for (const a of all) {
        const wallet = await ledger!.prisma.wallet.findUniqueOrThrow({ where: { accountId: a.id } });
        const api = await call(s.url, 'GET', `/v1/accounts/${a.id}/balance`, a.key);
        if (Number(wallet.balance) !== a.expected || api.body.balance !== a.expected)
          wrong.push(`${a.id.slice(0, 8)}: db ${wallet.balance}, api ${api.body.balance}, expected ${a.expected}`);
      }
      assert(wrong.length === 0, wrong.join('; '));
      const orphans = await ledger!.prisma.ledgerEntry.count({ where: { kind: 'consumption', consumptionId: { notIn: ids } } });
      assert(orphans === 0, `${orphans} debits no answer reported`);
      return `${ids.length} consumptions debited once each; ${all.length} balances as expected`;
    });

    await check('ledger integrity (checkLedgerIntegrity)', async () => {
      const problems = await checkLedgerIntegrity(ledger!.prisma);
      assert(
        problems.length === 0,
        problems
          .slice(0, 3)
          .map((p) => `${p.problem} ${p.detail}`)
          .join('; '),
      );
      const entries = await ledger!.prisma.ledgerEntry.count();
      return `${entries} entries, no problem`;
    });

    await check('every workflow where it should be (described through the Temporal client)', async () => {
      const wrong: string[] = [];
      const counts: Record<string, number> = {};
      for (const [workflowId, want] of expectedWorkflows) {
        const d = await temporal.workflow.getHandle(workflowId).describe();
        counts[want] = (counts[want] ?? 0) + 1;
        if (d.status.name !== want) wrong.push(`${workflowId}: ${d.status.name}, expected ${want}`);
      }
      // A consumption ran as its own workflow, or rode in a batch workflow with others of its caller that
      // arrived at the same moment (api/routes/consumptions/singles.ts); every batch must have completed.
      let batched = 0;
      for (const id of consumptionIds) {
        const d = await temporal.workflow
          .getHandle(consumptionWorkflowId(id))
          .describe()
          .catch((err: unknown) => {
            if (err instanceof WorkflowNotFoundError) return null;
            throw err;
          });
        if (d === null) batched++;
        else if (d.status.name !== 'COMPLETED') wrong.push(`${consumptionWorkflowId(id)}: ${d.status.name}, expected COMPLETED`);
      }
      const batches: string[] = [];
      for await (const w of temporal.workflow.list({ query: `WorkflowType = '${consumptionBatchWorkflowType}'` }))
        if (w.status.name !== 'COMPLETED') wrong.push(`${w.workflowId}: ${w.status.name}, expected COMPLETED`);
        else batches.push(w.workflowId);
      assert(batched === 0 || batches.length > 0, `${batched} consumptions without their own workflow and no batch workflow`);
      assert(wrong.length === 0, wrong.slice(0, 5).join('; '));
      const bad: string[] = [];
      // Closed as continued-as-new is a normal ending of long-lived workflows (and of Temporal's schedules).
      for await (const w of temporal.workflow.list({ query: `ExecutionStatus IN ('Failed', 'Terminated', 'TimedOut', 'Canceled')` }))
        bad.push(`${w.workflowId} ${w.status.name}`);
      assert(bad.length === 0, `failed, terminated or timed out: ${bad.slice(0, 5).join(', ')}`);
      return `${expectedWorkflows.size} described: ${counts.COMPLETED ?? 0} completed, ${counts.RUNNING ?? 0} running (waiting deposits and reviews); ${consumptionIds.size} consumptions, ${batched} of them in ${batches.length} batch workflows; none failed`;
    });

    await check("metrics exported: each worker's SDK metrics and the API's /metrics", async () => {
      const found: string[] = [];
      for (let i = 0; i < s.workers.length; i++) {
        const text = await (await fetch(`http://127.0.0.1:${ports.workerMetrics[i]}/metrics`)).text();
        const m = /^temporal_workflow_completed\w*\{[^}]*\} (\d+)/m.exec(text) ?? /^(temporal_\w+)/m.exec(text);
        assert(/^temporal_/m.test(text), `worker-${i + 1}: no temporal_ metrics`);
        writeFileSync(join(dir, 'logs', `worker-${i + 1}.metrics.txt`), text);
        found.push(`worker-${i + 1} ${text.split('\n').filter((l) => l.startsWith('temporal_')).length} samples${m ? '' : ''}`);
      }
      const api = await (await fetch(`${s.url}/metrics`)).text();
      assert(api.includes('http_request_duration_seconds'), 'API /metrics without http_request_duration_seconds');
      return found.join(', ') + '; API http_request_duration_seconds present';
    });

    const mem = s.memory();
    say(
      `resident memory (MiB): ${Object.entries(mem)
        .map(([k, v]) => `${k} ${v ?? '?'}`)
        .join(', ')}; test process ${Math.round(process.memoryUsage().rss / 1048576)}`,
    );
    say(`stack start ${startSeconds.toFixed(1)} s; server binary ${s.binaries.buildSeconds ? `built in ${s.binaries.buildSeconds.toFixed(0)} s` : 'reused'}`);
  } catch (err) {
    record('the topology test ran to the end', false, (err as Error).stack ?? String(err));
  } finally {
    await connection?.close().catch(() => {});
    await ledger?.close().catch(() => {});
    if (stack) {
      if (verdicts.some((v) => v.verdict === 'FAIL')) {
        for (const p of [stack.temporal.process, ...stack.workers, ...stack.apis, stack.proxy]) {
          say(`--- last lines of ${p.name} (${p.spec.logFile})`);

          for (const l of p.tail(12)) process.stdout.write(`    ${l.replace(/\x1b\[[0-9;]*m/g, '').slice(0, 300)}\n`);
        }
      }
      const t = Date.now();
      await stack.stop().catch((err) => record('the stack stops', false, (err as Error).message));
      say(`stack stopped in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    }
    if (process.env.STACK_TEST_KEEP === '1') say(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

await main();
const width = Math.max(...verdicts.map((v) => v.name.length));
process.stdout.write(`\nTopology test (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
for (const v of verdicts) process.stdout.write(`  ${v.verdict.padEnd(4)}  ${v.name.padEnd(width)}  ${v.detail.split('\n')[0]}\n`);
const passed = verdicts.filter((v) => v.verdict === 'pass').length;
const failed = verdicts.filter((v) => v.verdict === 'FAIL').length;
const skipped = verdicts.filter((v) => v.verdict === 'skip').length;
process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(failed || passed === 0 ? 1 : 0);
