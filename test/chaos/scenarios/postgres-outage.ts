// c. PostgreSQL stopped for 15 s (pg_ctl stop -m fast: connections cut, new ones refused) and started
// again, with work in flight: activities retry and every workflow finishes, the API answers 503 problems
// meanwhile and recovers by itself, nothing is lost or doubled.
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateStage } from '@temporalio/client';
import { chargeWorkflowId, consumptionWorkflowId } from '../../../workflows/ids.ts';
import { confirmDepositUpdate, type ChargeWorkflow } from '../../../workflows/charge/definitions.ts';
import { consumptionWorkflowType, type ConsumptionWorkflow } from '../../../workflows/consumption/definitions.ts';
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
import { Api, freePort, sleep, spawnService, until, type Answer, type ChaosPostgres } from '../harness.ts';
import { ConsumptionLoad } from '../load.ts';

const INITIAL = 10_000_000;
const OUTAGE_MS = 15_000;
const PROMPT_MS = 10_000;

export async function postgresOutage(pg: ChaosPostgres, root: string): Promise<Verdict> {
  const v = new Verdict('c. PostgreSQL stopped 15 s');
  const f = await createFixture('postgres-outage', pg, root);
  let halted = false;
  const t = await f.temporal.client();
  try {
    const port = await freePort();
    // Started side by side: each applies the (already applied) migrations and the worker bundles its workflows.
    const [worker, apiProc] = await Promise.all([spawnService('worker', 'worker', f.env), spawnService('api', 'api', f.env, { port })]);
    f.procs.push(worker, apiProc);
    const api = new Api(`http://127.0.0.1:${port}`);
    const account = await f.account(INITIAL);
    const charges: Awaited<ReturnType<typeof bankTransfer>>[] = [];
    for (let i = 0; i < 4; i++) charges.push(await bankTransfer(api, account, 60_000 + i * 1_000, `c-charge-${i}`));

    const load = new ConsumptionLoad(() => api, [account], 'c');
    load.start(3);
    await until(async () => load.definite().length >= 15, '15 answered consumptions before the outage', 120_000);

    // Our harness's own pool would see the halt too; it reconnects afterwards like the service's.
    await pg.halt();
    halted = true;
    const haltedAt = Date.now();

    // Work that reaches the workflows while the database is down (Temporal still answers): the admin's
    // confirmations of the waiting charges and consumptions accepted just before the halt.
    for (const c of charges) {
      await t.client.workflow.getHandle<ChargeWorkflow>(chargeWorkflowId(c.id)).startUpdate(confirmDepositUpdate, {
        args: [{ depositedAmount: c.amount, depositorName: null, memo: 'confirmed while the database was down', by: 'admin' }],
        waitForStage: WorkflowUpdateStage.ACCEPTED,
      });
    }
    const direct = new Map<string, number>();
    for (let i = 0; i < 5; i++) {
      const id = randomUUID();
      direct.set(id, 100 + i);
      await t.client.workflow.start<ConsumptionWorkflow>(consumptionWorkflowType, {
        workflowId: consumptionWorkflowId(id),
        taskQueue: f.env.taskQueue,
        args: [{ consumptionId: id, accountId: account.id, amount: 100 + i, item: null, quantity: null, reference: `c-direct-${i}`, memo: null }],
      });
    }

    // The API during the outage, and proof that the activities are retrying.
    const probes: { what: string; a?: Answer; error?: string }[] = [];
    let maxAttempt = 0;
    while (Date.now() - haltedAt < OUTAGE_MS) {
      for (const [what, send] of [
        ['GET balance', () => api.request('GET', `/v1/accounts/${account.id}/balance`, { key: account.apiKey })],
        [
          'POST confirm-deposit',
          () => api.request('POST', `/v1/charges/${charges[0]!.id}/confirm-deposit`, { key: ADMIN_KEY, body: { depositedAmount: charges[0]!.amount } }),
        ],
      ] as const) {
        try {
          probes.push({ what, a: await send() });
        } catch (err) {
          probes.push({ what, error: String(err) });
        }
      }
      for (const c of charges) {
        const d = await t.client.workflow.getHandle(chargeWorkflowId(c.id)).describe();
        for (const a of d.raw.pendingActivities ?? []) maxAttempt = Math.max(maxAttempt, a.attempt ?? 0);
      }
      await sleep(1_000);
    }
    await pg.resume();
    halted = false;
    const resumedAt = Date.now();
    v.figure('outage ms', resumedAt - haltedAt);
    v.check(maxAttempt >= 2, 'activities retried during the outage (pending activity attempts seen)', `max attempt ${maxAttempt}`);
    v.figure('highest activity attempt seen', maxAttempt);

    const recoveryKeys = await untilConsumptionsRecover(api, account, 'c-recovery', 'a 201 after PostgreSQL is back');
    v.figure('recovery after PostgreSQL is back ms', Date.now() - resumedAt);
    await load.stop();

    const during = load.sent.filter((s) => s.sentAt >= haltedAt && s.sentAt < resumedAt && (!s.first || s.sentAt + s.first.ms <= resumedAt));
    const answers = [...during.map((s) => ({ what: 'POST /v1/consumptions', a: s.first, error: s.error })), ...probes];
    const inFlight = load.sent.filter((s) => s.sentAt < haltedAt && (!s.first || s.sentAt + s.first.ms > haltedAt));
    const times = answers.flatMap((x) => (x.a ? [x.a.ms] : []));
    const worst = Math.max(0, ...times);
    checkOutageAnswers(v, {
      answers,
      inFlight: inFlight.map((s) => ({ what: 'in flight at the halt', a: s.first, error: s.error })),
      worstMs: worst,
      promptMs: PROMPT_MS,
    });
    v.figure('requests answered during the outage', answers.length);
    v.figure('consumptions in flight at the halt', inFlight.length);
    v.figure('worst 503 answer ms', worst);
    v.check(apiProc.alive && worker.alive, 'API and worker processes never restarted', `api alive ${apiProc.alive}, worker alive ${worker.alive}`);

    // Every workflow finishes: the charges credit once, the direct consumptions debit once.
    for (const c of charges) {
      const snapshot = await t.client.workflow.getHandle<ChargeWorkflow>(chargeWorkflowId(c.id)).result();
      v.check(snapshot.status === 'succeeded', 'a charge confirmed during the outage ends succeeded', `${c.id} ${snapshot.status}`);
    }
    for (const [id] of direct) {
      const r = await t.client.workflow.getHandle<ConsumptionWorkflow>(consumptionWorkflowId(id)).result();
      v.check(r.status === 'succeeded', 'a consumption started during the outage ends succeeded', `${id} ${r.status}`);
    }
    await load.replayAll();
    const succeeded = load.verifyReplays(v);
    await replayRecoveryProbes(api, account, recoveryKeys, succeeded);
    for (const [id, amount] of direct) succeeded.set(id, amount);
    const credits = await chargeCredits(f.db.prisma);
    v.check(
      charges.every((c) => credits.get(c.id)?.n === 1 && credits.get(c.id)?.total === c.amount),
      'each confirmed charge credited exactly once',
    );
    await checkConsumptionEffects(v, f.db.prisma, succeeded);
    const consumed = [...succeeded.values()].reduce((a, b) => a + b, 0);
    await checkBalance(v, f.db.prisma, account.id, INITIAL + charges.reduce((a, c) => a + c.amount, 0) - consumed, 'account');
    await checkLedger(v, f.db.prisma);
    v.figure('distinct successful consumptions', succeeded.size);

    const records = await f.db.prisma.idempotencyRecord.findMany({ where: { NOT: { key: { startsWith: 'c-charge' } } } });
    const deciders = await consumptionDeciders(v, t.client, f.db.prisma, f.env.taskQueue, [...records.map((r) => r.resourceId), ...direct.keys()]);
    const ids = [...deciders, ...charges.map((c) => chargeWorkflowId(c.id))];
    await checkWorkflows(v, t.client, f.env.taskQueue, ids, () => false);
  } finally {
    if (halted) await pg.resume().catch(() => {});
    await t.close();
    await f.cleanup();
  }
  return v;
}
