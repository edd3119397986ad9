// What every fault scenario checks afterwards, against the real database and Temporal: no ledger entry
// lost or doubled, the ledger consistent, balances as expected, and every workflow closed or waiting as
// it should.
import { WorkflowNotFoundError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { checkLedgerIntegrity } from '../../db/ledger.ts';
import type { Db } from '../../db/client.ts';
import { until, type Answer } from './harness.ts';
import { consumptionWorkflowId } from '../../workflows/ids.ts';
import { consumptionBatchWorkflowType } from '../../workflows/consumption-batch/definitions.ts';

/** Collects failed checks of one scenario and the figures it measured. */
export class Verdict {
  readonly failures: string[] = [];
  readonly checked: string[] = [];
  readonly figures: [string, string | number][] = [];
  constructor(readonly scenario: string) {}

  check(ok: boolean, what: string, detail = ''): boolean {
    if (!this.checked.includes(what)) this.checked.push(what);
    if (!ok) this.failures.push(detail ? `${what}: ${detail}` : what);
    return ok;
  }
  figure(name: string, value: string | number) {
    this.figures.push([name, value]);
  }
  fail(what: string) {
    this.failures.push(what);
  }
  get passed() {
    return this.failures.length === 0;
  }
}

/** checkLedgerIntegrity: every wallet's balance equals its entries, no negative balance, the balanceAfter chain holds. */
export async function checkLedger(v: Verdict, db: Db) {
  const problems = await checkLedgerIntegrity(db);
  v.check(
    problems.length === 0,
    'ledger integrity clean',
    problems
      .slice(0, 3)
      .map((p) => `${p.problem} ${p.detail}`)
      .join('; '),
  );
}

/** The wallet's balance equals `expected` (the scenario's own arithmetic over the answers it got). */
export async function checkBalance(v: Verdict, db: Db, accountId: string, expected: number, label: string) {
  const w = await db.wallet.findUniqueOrThrow({ where: { accountId } });
  v.check(Number(w.balance) === expected, `${label}: balance = expected`, `balance ${w.balance}, expected ${expected}`);
}

/**
 * Each successful consumption (by the id its 201 answered) has exactly one consumption row and exactly
 * one ledger debit of its amount; no other consumption debited anything.
 */
export async function checkConsumptionEffects(v: Verdict, db: Db, succeeded: Map<string, number>, label = 'consumptions') {
  const rows = await db.$queryRaw<{ consumptionId: string; n: bigint; total: bigint }[]>`
    SELECT "consumptionId", COUNT(*)::bigint AS n, SUM(amount)::bigint AS total
    FROM "LedgerEntry" WHERE kind = 'consumption' GROUP BY "consumptionId"`;
  const debits = new Map(rows.map((r) => [r.consumptionId, r]));
  const doubled = rows.filter((r) => r.n !== 1n);
  const missing = [...succeeded].filter(([id, amount]) => debits.get(id)?.total !== BigInt(-amount));
  const unexpected = rows.filter((r) => !succeeded.has(r.consumptionId));
  v.check(
    doubled.length === 0,
    `${label}: no debit doubled`,
    doubled
      .slice(0, 3)
      .map((r) => `${r.consumptionId} ×${r.n}`)
      .join(', '),
  );
  v.check(missing.length === 0, `${label}: every 201 has its one debit`, `${missing.length} missing, e.g. ${missing[0]?.[0]}`);
  v.check(unexpected.length === 0, `${label}: no debit without a 201`, `${unexpected.length} unexpected, e.g. ${unexpected[0]?.consumptionId}`);
}

/** Ledger credits of kind charge per charge id. */
export async function chargeCredits(db: Db): Promise<Map<string, { n: number; total: number }>> {
  const rows = await db.$queryRaw<{ chargeId: string; n: bigint; total: bigint }[]>`
    SELECT "chargeId", COUNT(*)::bigint AS n, SUM(amount)::bigint AS total FROM "LedgerEntry" WHERE kind = 'charge' GROUP BY "chargeId"`;
  return new Map(rows.map((r) => [r.chargeId, { n: Number(r.n), total: Number(r.total) }]));
}

export async function listWorkflows(client: Client, taskQueue: string): Promise<WorkflowExecutionInfo[]> {
  const out: WorkflowExecutionInfo[] = [];
  for await (const wf of client.workflow.list({ query: `TaskQueue="${taskQueue}"` })) out.push(wf);
  return out;
}

/**
 * The workflows that decided these consumptions, for checkWorkflows: a consumption's own
 * `consumption:<id>` where it ran as one, and every batch workflow of the task queue (single consumptions
 * that arrive together ride in one: api/routes/consumptions/singles.ts). A consumption without its own
 * workflow must have been decided by a batch: its debit or its refusal is in the database.
 */
export async function consumptionDeciders(v: Verdict, client: Client, db: Db, taskQueue: string, consumptionIds: string[]): Promise<string[]> {
  const listed = await listWorkflows(client, taskQueue);
  const known = new Set(listed.map((w) => w.workflowId));
  const own: string[] = [];
  const batched: string[] = [];
  for (const id of new Set(consumptionIds)) {
    const workflowId = consumptionWorkflowId(id);
    if (known.has(workflowId)) own.push(workflowId);
    else {
      // Not listed (yet): asked directly, the source of truth.
      const exists = await client.workflow
        .getHandle(workflowId)
        .describe()
        .then(
          () => true,
          (err: unknown) => {
            if (err instanceof WorkflowNotFoundError) return false;
            throw err;
          },
        );
      if (exists) own.push(workflowId);
      else batched.push(id);
    }
  }
  const decided = await db.$queryRaw<{ id: string }[]>`
    SELECT "id"::text FROM "Consumption" WHERE "id" = ANY(${batched}::uuid[])
    UNION SELECT "consumptionId"::text FROM "ConsumptionRefusal" WHERE "consumptionId" = ANY(${batched}::uuid[])`;
  const undecided = batched.filter((id) => !decided.some((d) => d.id === id));
  v.check(undecided.length === 0, 'each consumption decided by its own workflow or a batch', `${undecided.length} undecided, e.g. ${undecided[0]}`);
  v.figure('consumptions that rode in a batch workflow', batched.length);
  return [...own, ...listed.filter((w) => w.type === consumptionBatchWorkflowType).map((w) => w.workflowId)];
}

/**
 * Every workflow of the scenario is completed, except those `stillWaiting` says should be running. The
 * visibility list answers for all at once; any id it does not show as expected is asked directly
 * (describe, the source of truth). Polls: a workflow finishing its last task gets time to close. Also:
 * nothing on the task queue failed, timed out or was terminated.
 */
export async function checkWorkflows(
  v: Verdict,
  client: Client,
  taskQueue: string,
  expectedIds: string[],
  stillWaiting: (workflowId: string) => boolean,
  timeoutMs = 90_000,
) {
  const want = (id: string) => (stillWaiting(id) ? 'RUNNING' : 'COMPLETED');
  const wrong = new Map<string, string>();
  let all: WorkflowExecutionInfo[] = [];
  try {
    await until(
      async () => {
        all = await listWorkflows(client, taskQueue);
        const listed = new Map(all.map((w) => [w.workflowId, w.status.name as string]));
        wrong.clear();
        for (const id of new Set(expectedIds)) {
          let status = listed.get(id);
          if (status !== want(id)) status = (await client.workflow.getHandle(id).describe()).status.name;
          if (status !== want(id)) wrong.set(id, `${status} (want ${want(id)})`);
        }
        return wrong.size === 0;
      },
      'workflows to close',
      timeoutMs,
      1_000,
    );
  } catch {
    // reported below
  }
  v.check(
    wrong.size === 0,
    'every workflow closed or waiting as it should',
    [...wrong]
      .slice(0, 3)
      .map(([id, s]) => `${id} ${s}`)
      .join(', '),
  );
  const broken = all.filter((w) => ['FAILED', 'TERMINATED', 'TIMED_OUT', 'CANCELLED'].includes(w.status.name));
  v.check(
    broken.length === 0,
    'no workflow failed, timed out or was terminated',
    broken
      .slice(0, 3)
      .map((w) => `${w.workflowId} ${w.status.name}`)
      .join(', '),
  );
  v.figure('workflows checked', new Set(expectedIds).size);
}

/** A request made while a dependency was down: its answer, or the error of one that got none. */
export interface OutageRequest {
  what: string;
  a?: Answer;
  error?: string;
}

/** The answer a dependency's outage must get: a 503 service_unavailable problem with Retry-After. */
export function isUnavailableProblem(a: Answer): boolean {
  return (
    a.status === 503 &&
    Boolean(a.headers.get('content-type')?.startsWith('application/problem+json')) &&
    (a.body as { code?: string }).code === 'service_unavailable' &&
    Number(a.headers.get('retry-after')) > 0
  );
}

/**
 * What an outage promises: requests were sent during it; every one of them, and every one in flight when it
 * began, was answered (none hung, no connection dropped); each answer sent during it is the 503 problem;
 * the worst came within `promptMs`.
 */
export function checkOutageAnswers(v: Verdict, o: { answers: OutageRequest[]; inFlight: OutageRequest[]; worstMs: number; promptMs: number }) {
  const hung = [...o.answers, ...o.inFlight].filter((x) => !x.a);
  const not503 = o.answers.filter((x) => x.a && !isUnavailableProblem(x.a));
  v.check(o.answers.length >= 10, 'requests were sent during the outage', `${o.answers.length}`);
  v.check(
    hung.length === 0,
    'every request during the outage answered (no hang, no dropped connection)',
    hung
      .slice(0, 2)
      .map((x) => `${x.what}: ${x.error}`)
      .join('; '),
  );
  v.check(
    not503.length === 0,
    'every answer during the outage a 503 service_unavailable problem with Retry-After',
    not503
      .slice(0, 2)
      .map((x) => `${x.what}: ${x.a!.status} ${JSON.stringify(x.a!.body).slice(0, 150)}`)
      .join('; '),
  );
  v.check(o.worstMs < o.promptMs, `worst answer during the outage < ${o.promptMs} ms`, `${o.worstMs} ms`);
}
