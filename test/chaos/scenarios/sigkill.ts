// a. The whole service (API + worker in one process, scripts/start.ts, and its Temporal server) killed
// with SIGKILL under consumption load, then started again: every key is sent again and ends with exactly
// one effect, answers given before the kill do not change, the ledger is consistent.
import { consumptionWorkflowId } from '../../../workflows/ids.ts';
import { Verdict, checkBalance, checkConsumptionEffects, checkLedger, checkWorkflows, consumptionDeciders } from '../checks.ts';
import { createFixture } from '../fixture.ts';
import { Api, freePort, spawnService, until, type ChaosPostgres } from '../harness.ts';
import { ConsumptionLoad } from '../load.ts';

const INITIAL = 10_000_000;

export async function sigkillUnderLoad(pg: ChaosPostgres, root: string): Promise<Verdict> {
  const v = new Verdict('a. SIGKILL under load');
  const f = await createFixture('sigkill', pg, root);
  try {
    const port = await freePort();
    f.procs.push(await spawnService('start', 'service-1', f.env, { port }));
    const api = new Api(`http://127.0.0.1:${port}`);
    const accounts = [await f.account(INITIAL), await f.account(INITIAL)];
    const load = new ConsumptionLoad(() => api, accounts, 'a');
    load.start(8);
    await until(async () => load.definite().length >= 60, '60 answered consumptions before the kill', 120_000);

    // Kill the service and its Temporal server at once, mid-load.
    const killAt = Date.now();
    await Promise.all([f.procs[0]!.kill('SIGKILL'), f.temporal.kill('SIGKILL')]);
    await load.stop();
    const before = load.sent.filter((s) => s.sentAt < killAt);
    const inFlight = before.filter((s) => !s.first || s.first.status >= 500);
    v.figure('keys answered before the kill', before.length - inFlight.length);
    v.figure('keys in flight at the kill', inFlight.length);
    v.figure('keys refused while down', load.sent.length - before.length);

    await f.temporal.launch();
    f.procs.push(await spawnService('start', 'service-2', f.env, { port }));
    v.figure('restart (Temporal + service) ms', Date.now() - killAt);

    await load.replayAll();
    const succeeded = load.verifyReplays(v);
    v.figure('distinct successful consumptions', succeeded.size);
    await checkConsumptionEffects(v, f.db.prisma, succeeded);
    for (const [i, a] of accounts.entries()) await checkBalance(v, f.db.prisma, a.id, INITIAL - load.consumedBy(a.id), `account ${i + 1}`);
    await checkLedger(v, f.db.prisma);

    const records = await f.db.prisma.idempotencyRecord.findMany();
    v.check(
      records.length === load.sent.length && records.every((r) => r.completedAt),
      'one completed idempotency record per key',
      `${records.length} records for ${load.sent.length} keys, ${records.filter((r) => !r.completedAt).length} open`,
    );
    const t = await f.temporal.client();
    try {
      const deciders = await consumptionDeciders(
        v,
        t.client,
        f.db.prisma,
        f.env.taskQueue,
        records.map((r) => r.resourceId),
      );
      await checkWorkflows(v, t.client, f.env.taskQueue, deciders, () => false);
    } finally {
      await t.close();
    }
  } finally {
    await f.cleanup();
  }
  return v;
}
