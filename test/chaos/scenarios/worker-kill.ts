// d. One of two worker processes SIGKILLed while bank-transfer charges wait for their deposit and the
// admin's confirmations (and some rejections, and duplicate confirmations) arrive: every confirmation
// credits exactly once, every charge ends where it should, the unconfirmed ones keep waiting.
import { hostname } from 'node:os';
import { chargeWorkflowId } from '../../../workflows/ids.ts';
import { Verdict, chargeCredits, checkBalance, checkLedger, checkWorkflows } from '../checks.ts';
import { ADMIN_KEY, bankTransfer, createFixture } from '../fixture.ts';
import { Api, freePort, sleep, spawnService, type Answer, type ChaosPostgres } from '../harness.ts';

type Plan = 'confirm' | 'reject' | 'wait';

export async function workerKilled(pg: ChaosPostgres, root: string): Promise<Verdict> {
  const v = new Verdict('d. one of two workers SIGKILLed');
  const f = await createFixture('worker-kill', pg, root);
  const t = await f.temporal.client();
  try {
    const port = await freePort();
    const [w1, apiProc] = await Promise.all([spawnService('worker', 'worker-1', f.env), spawnService('api', 'api', f.env, { port })]);
    f.procs.push(w1, apiProc);
    const api = new Api(`http://127.0.0.1:${port}`);
    const accounts = [await f.account(0), await f.account(0)];

    // The first half of the charges start while worker 1 polls alone, so their workflows are cached
    // (sticky) on it for sure; the second half spread over both workers.
    const charges: { id: string; amount: number; accountId: string; plan: Plan }[] = [];
    const plans: Plan[] = ['confirm', 'confirm', 'confirm', 'confirm', 'confirm', 'reject', 'wait'];
    for (let i = 0; i < 7; i++) charges.push({ ...(await bankTransfer(api, accounts[i % 2]!, 50_000 + i * 1_000, `d-charge-${i}`)), plan: plans[i]! });
    const w2 = await spawnService('worker', 'worker-2', f.env);
    f.procs.push(w2);
    for (let i = 7; i < 14; i++) charges.push({ ...(await bankTransfer(api, accounts[i % 2]!, 50_000 + i * 1_000, `d-charge-${i}`)), plan: plans[i - 7]! });

    // Which worker last ran each charge's workflow (its identity is pid@host).
    const w1Identity = `${w1.pid}@${hostname()}`;
    let onW1 = 0;
    for (const c of charges) {
      const history = await t.client.workflow.getHandle(chargeWorkflowId(c.id)).fetchHistory();
      const last = [...(history.events ?? [])].reverse().find((e) => e.workflowTaskCompletedEventAttributes);
      if (last?.workflowTaskCompletedEventAttributes?.identity === w1Identity) onW1++;
    }
    v.figure('charge workflows last run on the killed worker', `${onW1} of ${charges.length}`);
    v.check(onW1 > 0, 'the killed worker held waiting charges');

    // Decisions arrive in two waves with worker 1 killed between them; a few confirmations come twice.
    const decide = async (c: (typeof charges)[number]): Promise<Answer & { attempts: number }> =>
      c.plan === 'confirm'
        ? api.untilDefinite('POST', `/v1/charges/${c.id}/confirm-deposit`, { key: ADMIN_KEY, body: { depositedAmount: c.amount } }, 180_000)
        : api.untilDefinite('POST', `/v1/charges/${c.id}/reject`, { key: ADMIN_KEY, body: { reason: 'no such deposit' } }, 180_000);
    const decided = charges.filter((c) => c.plan !== 'wait');
    const wave1 = decided.filter((_, i) => i % 2 === 0);
    const wave2 = decided.filter((_, i) => i % 2 === 1);
    let unanswered = 0;
    const track = (c: (typeof charges)[number]) => {
      unanswered++;
      return decide(c).then((a) => {
        unanswered--;
        return { c, a };
      });
    };
    const started = Date.now();
    const first = [
      ...wave1.map(track),
      ...wave1
        .filter((c) => c.plan === 'confirm')
        .slice(0, 2)
        .map(track),
    ];
    await sleep(150);
    await w1.kill('SIGKILL');
    v.figure('decision requests in flight at the kill', unanswered);
    const second = [
      ...wave2.map(track),
      ...wave2
        .filter((c) => c.plan === 'confirm')
        .slice(0, 2)
        .map(track),
    ];
    const results = await Promise.all([...first, ...second]);
    v.figure('all decisions answered after ms', Date.now() - started);
    v.figure('decision requests retried after a 503', results.filter((r) => r.a.attempts > 1).length);

    for (const { c, a } of results) {
      const want = c.plan === 'confirm' ? 'succeeded' : 'rejected';
      v.check(
        a.status === 200 && (a.body as { status?: string }).status === want,
        `every ${c.plan} answered 200 ${want}`,
        `${c.id}: ${a.status} ${JSON.stringify(a.body).slice(0, 150)}`,
      );
    }
    const credits = await chargeCredits(f.db.prisma);
    for (const c of charges) {
      const credit = credits.get(c.id);
      if (c.plan === 'confirm')
        v.check(credit?.n === 1 && credit.total === c.amount, 'every confirmation credits exactly once', `${c.id}: ${JSON.stringify(credit)}`);
      else v.check(!credit, 'no credit for a rejected or waiting charge', `${c.id}: ${JSON.stringify(credit)}`);
      const row = await f.db.prisma.charge.findUniqueOrThrow({ where: { id: c.id } });
      const want = { confirm: 'succeeded', reject: 'rejected', wait: 'awaiting_deposit' }[c.plan];
      v.check(row.status === want, 'every charge ends where it should', `${c.id}: ${row.status}, want ${want}`);
    }
    for (const [i, a] of accounts.entries()) {
      const expected = charges.filter((c) => c.plan === 'confirm' && c.accountId === a.id).reduce((s, c) => s + c.amount, 0);
      await checkBalance(v, f.db.prisma, a.id, expected, `account ${i + 1}`);
    }
    await checkLedger(v, f.db.prisma);
    v.check(w2.alive && apiProc.alive, 'the other worker and the API kept running');
    const waiting = new Set(charges.filter((c) => c.plan === 'wait').map((c) => chargeWorkflowId(c.id)));
    await checkWorkflows(
      v,
      t.client,
      f.env.taskQueue,
      charges.map((c) => chargeWorkflowId(c.id)),
      (id) => waiting.has(id),
    );
  } finally {
    await t.close();
    await f.cleanup();
  }
  return v;
}
