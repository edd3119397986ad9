// b. Temporal unreachable for 30 s (a TCP proxy in front of it is cut: every connection closed, new ones
// refused) while clients keep sending: the API answers 503 problems with Retry-After promptly, never
// hangs, and recovers by itself; workflows started before the outage finish after it.
import { chargeWorkflowId, consumptionWorkflowId } from '../../../workflows/ids.ts';
import {
  Verdict,
  chargeCredits,
  checkBalance,
  checkConsumptionEffects,
  checkLedger,
  checkOutageAnswers,
  checkWorkflows,
  consumptionDeciders,
} from '../checks.ts';
import { ADMIN_KEY, bankTransfer, createFixture, replayRecoveryProbes, untilConsumptionsRecover } from '../fixture.ts';
import { Api, TcpProxy, freePort, sleep, spawnService, until, type Answer, type ChaosPostgres } from '../harness.ts';
import { ConsumptionLoad } from '../load.ts';

const INITIAL = 10_000_000;
const OUTAGE_MS = 30_000;
/** A verdict, not a benchmark: generous on a busy 2-core machine. */
const PROMPT_MS = 10_000;

export async function temporalOutage(pg: ChaosPostgres, root: string): Promise<Verdict> {
  const v = new Verdict('b. Temporal unreachable 30 s');
  const f = await createFixture('temporal-outage', pg, root);
  const proxy = await TcpProxy.start({ host: '127.0.0.1', port: f.temporal.port });
  try {
    const env = { ...f.env, temporalAddress: proxy.address };
    const port = await freePort();
    // Started side by side: each applies the (already applied) migrations and the worker bundles its workflows.
    const [worker, apiProc] = await Promise.all([spawnService('worker', 'worker', env), spawnService('api', 'api', env, { port })]);
    f.procs.push(worker, apiProc);
    const api = new Api(`http://127.0.0.1:${port}`);
    const account = await f.account(INITIAL);

    // Workflows started before the outage: bank transfers waiting for their deposit, confirmed after it.
    const charges: Awaited<ReturnType<typeof bankTransfer>>[] = [];
    for (let i = 0; i < 3; i++) charges.push(await bankTransfer(api, account, 50_000 + i * 1_000, `b-charge-${i}`));

    const load = new ConsumptionLoad(() => api, [account], 'b');
    load.start(4);
    await until(async () => load.definite().length >= 20, '20 answered consumptions before the outage', 120_000);

    await proxy.cut();
    const cutAt = Date.now();
    // Other kinds of request during the outage: a new bank transfer (start), a confirmation (update), readiness.
    const probes: { what: string; a?: Answer; error?: string }[] = [];
    const probe = async (what: string, send: () => Promise<Answer>) => {
      try {
        probes.push({ what, a: await send() });
      } catch (err) {
        probes.push({ what, error: String(err) });
      }
    };
    let i = 0;
    while (Date.now() - cutAt < OUTAGE_MS) {
      await probe('POST /v1/charges', () =>
        api.request('POST', '/v1/charges', {
          key: account.apiKey,
          body: { accountId: account.id, amount: 50_000, method: 'bank_transfer', depositorName: 'Chaos Co' },
          idempotencyKey: `b-outage-charge-${i}`,
        }),
      );
      await probe('POST confirm-deposit', () =>
        api.request('POST', `/v1/charges/${charges[0]!.id}/confirm-deposit`, { key: ADMIN_KEY, body: { depositedAmount: charges[0]!.amount } }),
      );
      await probe('GET /readyz', () => api.request('GET', '/readyz', { key: ADMIN_KEY }));
      i++;
      await sleep(1_000);
    }
    await proxy.restore();
    const restoredAt = Date.now();

    // Recovery without a restart: the first new consumption answered 201 after the proxy is back.
    const recoveryKeys = await untilConsumptionsRecover(api, account, 'b-recovery', 'a 201 after Temporal is back');
    v.figure('recovery after Temporal is back ms', Date.now() - restoredAt);
    await load.stop();

    // Everything sent during the outage was answered, with a 503 problem; what was in flight at the cut
    // was answered too (a 201 if it finished first, else a 503).
    const during = load.sent.filter((s) => s.sentAt >= cutAt && s.sentAt < restoredAt && (!s.first || s.sentAt + s.first.ms <= restoredAt));
    const inFlight = load.sent.filter((s) => s.sentAt < cutAt && (!s.first || s.sentAt + s.first.ms > cutAt));
    v.figure('consumptions in flight at the cut', inFlight.length);
    const answers = [...during.map((s) => ({ what: 'POST /v1/consumptions', a: s.first, error: s.error })), ...probes.filter((p) => p.what !== 'GET /readyz')];
    const times = [...answers.flatMap((x) => (x.a ? [x.a.ms] : [])), ...inFlight.flatMap((s) => (s.first ? [s.sentAt + s.first.ms - cutAt] : []))];
    const worst = Math.max(0, ...times);
    const readyz = probes.filter((p) => p.what === 'GET /readyz');
    checkOutageAnswers(v, {
      answers,
      inFlight: inFlight.map((s) => ({ what: 'in flight at the cut', a: s.first, error: s.error })),
      worstMs: worst,
      promptMs: PROMPT_MS,
    });
    v.check(
      readyz.every((p) => p.a?.status === 503),
      '/readyz answers 503 during the outage',
      readyz.map((p) => p.a?.status ?? p.error).join(','),
    );
    v.figure('requests answered during the outage', answers.length);
    v.figure('503 answer time ms (median/worst)', `${median(times)}/${worst}`);
    v.check(apiProc.alive && worker.alive, 'API and worker processes never restarted', `api alive ${apiProc.alive}, worker alive ${worker.alive}`);

    // Every key again: one effect each; the charges from before the outage are confirmed and finish.
    await load.replayAll();
    const succeeded = load.verifyReplays(v);
    await replayRecoveryProbes(api, account, recoveryKeys, succeeded);
    for (const c of charges) {
      const a = await api.untilDefinite('POST', `/v1/charges/${c.id}/confirm-deposit`, { key: ADMIN_KEY, body: { depositedAmount: c.amount } });
      v.check(
        a.status === 200 && (a.body as { status?: string }).status === 'succeeded',
        `charge from before the outage confirmed after it`,
        `${a.status} ${JSON.stringify(a.body).slice(0, 150)}`,
      );
    }
    // The bank transfers asked for during the outage: each key retried to a definite answer, like any client.
    const outageCharges: string[] = [];
    for (let k = 0; k < i; k++) {
      const a = await api.untilDefinite('POST', '/v1/charges', {
        key: account.apiKey,
        body: { accountId: account.id, amount: 50_000, method: 'bank_transfer', depositorName: 'Chaos Co' },
        idempotencyKey: `b-outage-charge-${k}`,
      });
      v.check(a.status === 202, 'a bank transfer refused during the outage gets its 202 on retry', `${a.status}`);
      outageCharges.push((a.body as { id: string }).id);
    }
    const credits = await chargeCredits(f.db.prisma);
    v.check(
      charges.every((c) => credits.get(c.id)?.n === 1 && credits.get(c.id)?.total === c.amount),
      'each confirmed charge credited exactly once',
    );
    v.check(
      outageCharges.every((id) => !credits.has(id)),
      'no unconfirmed charge credited',
    );
    await checkConsumptionEffects(v, f.db.prisma, succeeded);
    const consumed = [...succeeded.values()].reduce((a, b) => a + b, 0);
    await checkBalance(v, f.db.prisma, account.id, INITIAL + charges.reduce((a, c) => a + c.amount, 0) - consumed, 'account');
    await checkLedger(v, f.db.prisma);
    v.figure('distinct successful consumptions', succeeded.size);

    const records = await f.db.prisma.idempotencyRecord.findMany({ where: { key: { startsWith: 'b-' }, NOT: { key: { startsWith: 'b-charge' } } } });
    const consumptionIds = records.filter((r) => !r.key.startsWith('b-outage-charge')).map((r) => r.resourceId);
    const waiting = new Set(outageCharges.map(chargeWorkflowId));
    const t = await f.temporal.client();
    try {
      const deciders = await consumptionDeciders(v, t.client, f.db.prisma, f.env.taskQueue, consumptionIds);
      await checkWorkflows(v, t.client, f.env.taskQueue, [...deciders, ...charges.map((c) => chargeWorkflowId(c.id)), ...waiting], (id) => waiting.has(id));
    } finally {
      await t.close();
    }
  } finally {
    await proxy.cut();
    await f.cleanup();
  }
  return v;
}

function median(xs: number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
