// `npm run chaos`: fault scenarios against real processes, with verdicts. Starts a throwaway PostgreSQL
// cluster (scripts/ci-postgres.sh) and, per scenario, a Temporal dev server persisted in a file and the
// service's own entry points as OS processes; injects the fault; then checks money, ledger and workflows.
// Prints a verdict table and ends with "N passed, M failed"; exits non-zero on any failure.
//
//   npm run chaos                       all scenarios
//   CHAOS_ONLY=b,c npm run chaos        some of them (by letter)
//   CHAOS_KEEP=1 npm run chaos          keep the scratch directory (process logs) even when all pass
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChaosPostgres, killAll, prepareWorkflowBundle, unexpectedExits } from '../test/chaos/harness.ts';
import { Verdict } from '../test/chaos/checks.ts';
import { sigkillUnderLoad } from '../test/chaos/scenarios/sigkill.ts';
import { temporalOutage } from '../test/chaos/scenarios/temporal-outage.ts';
import { postgresOutage } from '../test/chaos/scenarios/postgres-outage.ts';
import { workerKilled } from '../test/chaos/scenarios/worker-kill.ts';

type Scenario = (pg: ChaosPostgres, root: string) => Promise<Verdict>;
const scenarios: [string, string, Scenario][] = [
  ['a', 'a. SIGKILL under load', sigkillUnderLoad],
  ['b', 'b. Temporal unreachable 30 s', temporalOutage],
  ['c', 'c. PostgreSQL stopped 15 s', postgresOutage],
  ['d', 'd. one of two workers SIGKILLed', workerKilled],
];

const only = process.env.CHAOS_ONLY?.split(',').map((s) => s.trim().toLowerCase());
const selected = scenarios.filter(([id]) => !only || only.includes(id));
// A hard ceiling for the whole run: a stuck scenario must fail the run, not hang CI.
const CEILING_MS = Number(process.env.CHAOS_TIMEOUT_MS ?? 15 * 60_000);

const root = mkdtempSync(join(tmpdir(), 'chaos-'));
const say = (line: string) => process.stdout.write(`[chaos] ${line}\n`);
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));
setTimeout(() => {
  say(`the run exceeded ${CEILING_MS} ms; stopping (logs in ${root})`);
  process.stdout.write('0 passed, 1 failed\n');
  process.exit(1);
}, CEILING_MS).unref();

const started = Date.now();
const verdicts: { v: Verdict; ms: number }[] = [];
say(`scratch directory ${root}`);
const pgStarting = ChaosPostgres.start();
await prepareWorkflowBundle(root).catch(async (err) => {
  await (await pgStarting).stop();
  throw err;
});
const pg = await pgStarting;
say(`PostgreSQL on 127.0.0.1:${pg.port}; workflows bundled once for every worker`);
try {
  for (const [, name, scenario] of selected) {
    say(`${name}: running`);
    const t = Date.now();
    let v: Verdict;
    try {
      v = await scenario(pg, root);
    } catch (err) {
      v = new Verdict(name);
      v.fail(`scenario broke: ${(err as Error).stack ?? String(err)}`);
    }
    // A process that died on its own explains most failures (another program's signal, an out-of-memory kill).
    if (!v.passed) for (const exit of unexpectedExits()) v.fail(exit);
    verdicts.push({ v, ms: Date.now() - t });
    say(`${name}: ${v.passed ? 'PASS' : 'FAIL'} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
} finally {
  await pg.stop().catch((err) => say(`stopping PostgreSQL failed: ${String(err)}`));
}

// The verdict table.
const out: string[] = ['', 'Chaos verdicts', ''];
for (const { v, ms } of verdicts) {
  out.push(`${v.passed ? 'PASS' : 'FAIL'}  ${v.scenario}  (${(ms / 1000).toFixed(1)} s)`);
  out.push(`      checked:  ${v.checked.join('; ') || '(nothing: the scenario broke before its checks)'}`);
  out.push(`      measured: ${v.figures.map(([k, x]) => `${k} ${x}`).join('; ')}`);
  for (const f of v.failures) out.push(`      FAILED:   ${f}`);
}
const passed = verdicts.filter(({ v }) => v.passed).length;
const failed = verdicts.length - passed;
out.push('', `whole run ${((Date.now() - started) / 1000).toFixed(0)} s; process logs ${failed || process.env.CHAOS_KEEP ? `kept in ${root}` : 'deleted'}`);
process.stdout.write(out.join('\n') + '\n');
if (!failed && !process.env.CHAOS_KEEP) rmSync(root, { recursive: true, force: true });
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed ? 1 : 0);
