// What the consumption routes do besides parsing and answering: price a request, load a consumption the
// caller may see, answer a consumption's decision, and run a batch: each item checked on its own, its key
// claimed in the single request's key space, and the remaining items debited by one batch workflow.
import type { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Db } from '../../../db/client.ts';
import type { Config } from '../../../config/config.ts';
import type { Prisma } from '../../../generated/prisma/client.ts';
import { fundingAccountId, type Account } from '../../../db/accounts.ts';
import { consumptionAmount, MAX_POINTS, type PriceList } from '../../../domain/money.ts';
import type { ConsumptionResult } from '../../../workflows/consumption/definitions.ts';
import { asConsumptionResult, type BatchConsumptionInput } from '../../../workflows/consumption-batch/definitions.ts';
import { executeConsumptionBatch } from '../../../workflows/consumption-batch/client.ts';
import { canActFor, visibleOr404 } from '../../access.ts';
import { principalId, type Principal } from '../../principal.ts';
import { claimKeys, hashRequest, isIdempotencyKey, storeOutcomes, type IdempotencyScope, type Outcome } from '../../idempotency.ts';
import { HttpProblem, problemBody, toHttpProblem, zodProblem } from '../../problem.ts';
import type { Settled } from '../../coalescer.ts';
import { businessEvents } from '../../metrics.ts';
import { parse } from '../../validation.ts';
import { batchItemResult, consumptionCreatedView, type BatchItemResult } from '../../views/consumption.ts';
import { CreateConsumption } from './validators.ts';

/** The points a request consumes, from its amount or its item's price; a 400 problem otherwise. */
export function pricedAmount(body: CreateConsumption, prices: PriceList): number {
  const priced = consumptionAmount(body, prices);
  if ('error' in priced) throw new HttpProblem('validation_error', `item: unknown item "${body.item}"; see GET /v1/prices`);
  if (priced.amount > MAX_POINTS) throw new HttpProblem('validation_error', 'amount: too large');
  return priced.amount;
}

/** The consumption's fields as the workflows take them (quantity 1 when an item comes without one). */
export function consumptionFields(body: CreateConsumption) {
  return {
    item: body.item ?? null,
    quantity: body.item ? (body.quantity ?? 1) : null,
    reference: body.reference ?? null,
    memo: body.memo ?? null,
  };
}

/** The 402 of a consumption the funding balance does not cover. */
export function insufficientBalance(r: { balance: number; required: number; fundingAccountId: string }): HttpProblem {
  return new HttpProblem('insufficient_balance', `the balance of ${r.fundingAccountId} is ${r.balance} points; ${r.required} required`, {
    balance: r.balance,
    required: r.required,
    fundingAccountId: r.fundingAccountId,
  });
}

/** Loads a consumption whose account the principal may act for, or answers 404 as if it did not exist. */
export async function consumptionFor(db: Db, p: Principal, id: string) {
  return visibleOr404(db, p, await db.consumption.findUnique({ where: { id } }), (c) => c.accountId, 'consumption', id);
}

const withRefunds = { refunds: { orderBy: { createdAt: 'asc' } } } satisfies Prisma.ConsumptionInclude;

/** The same, with its refunds (oldest first). */
export async function consumptionWithRefundsFor(db: Db, p: Principal, id: string) {
  return visibleOr404(db, p, await db.consumption.findUnique({ where: { id }, include: withRefunds }), (c) => c.accountId, 'consumption', id);
}

const problemOutcome = (p: HttpProblem): Outcome => ({ status: p.status, body: problemBody(p.code, p.detail, p.extra) });

/** The answer to a consumption's decision: 201 with the consumption, or its 402 or other problem. */
export function consumptionOutcome(result: ConsumptionResult): Outcome {
  businessEvents.inc({ kind: 'consumption', outcome: result.status });
  if (result.status === 'succeeded') return { status: 201, body: consumptionCreatedView(result.consumption) };
  if (result.status === 'insufficient_balance') return problemOutcome(insufficientBalance(result));
  return problemOutcome(new HttpProblem(result.code as never, result.message));
}

/**
 * The single request a batch item stands for: its idempotency hash is that request's (api/idempotency.ts
 * requestHash: the method, the matched route as `matchedRoute` names it, the body). Records made before
 * requests were hashed by their matched route carry the path as spelled, accepted as for single requests.
 */
const SINGLE_METHOD = 'POST';
const SINGLE_ROUTE = '/v1/consumptions {}';
const SINGLE_SPELLED_PATH = '/v1/consumptions';

/** A consumption under an idempotency key: the single request it is, or that a batch item stands for. */
export interface KeyedConsumption extends Omit<Required<IdempotencyScope>, 'principal'> {
  /** The consumption but its id: the key's resource id becomes its id. */
  input: Omit<BatchConsumptionInput, 'consumptionId'>;
}

/** The answer to one keyed consumption, and whether it was stored before (a replay). */
export interface KeyedAnswer {
  outcome: Outcome;
  replayed: boolean;
}

export interface BatchDeps {
  db: Db;
  temporal: Client;
  config: Config;
  eagerStart?: boolean | undefined;
}

/**
 * Many keyed consumptions of one principal at once, in a fixed number of statements and one workflow
 * whatever their number: every key claimed at once (api/idempotency.ts claimKeys), a stored answer
 * replayed, a key reused with another body refused (409, `reusedDetail`), the rest run by one batch
 * workflow (twins of one key run once), and every new answer stored under its key at once — the first
 * stored answer wins, so a twin that stored first is answered instead. One answer per entry, in order:
 * when the workflow or the store fails (Temporal or the database unreachable), the entries that needed
 * them get that error, and the replays and refusals known before are still answered.
 */
export async function runKeyed(
  { db, temporal, config, eagerStart }: BatchDeps,
  principal: string,
  entries: readonly KeyedConsumption[],
  { reusedDetail, onWorkflow }: { reusedDetail: string; onWorkflow?: (consumptions: number) => void },
): Promise<Settled<KeyedAnswer>[]> {
  const records = await claimKeys(db, principal, entries);
  const answers: Settled<KeyedAnswer>[] = new Array(entries.length);
  const toRun = new Map<string, { key: string; input: BatchConsumptionInput }>();
  const waiting: { index: number; key: string }[] = [];
  entries.forEach((e, index) => {
    const record = records.get(e.key);
    if (!record) {
      // Deleted between the claim and its read (the retention schedule): nothing ran; the client retries.
      answers[index] = { ok: false, error: new Error(`idempotency record of key ${e.key} vanished while claimed`) };
    } else if (record.requestHash !== e.requestHash && !e.sameRequestHashes.includes(record.requestHash)) {
      answers[index] = { ok: true, value: { outcome: problemOutcome(new HttpProblem('idempotency_key_reused', reusedDetail)), replayed: false } };
    } else if (record.outcome) {
      answers[index] = { ok: true, value: { outcome: record.outcome, replayed: true } };
    } else {
      waiting.push({ index, key: e.key });
      if (!toRun.has(record.resourceId)) toRun.set(record.resourceId, { key: e.key, input: { ...e.input, consumptionId: record.resourceId } });
    }
  });
  if (toRun.size === 0) return answers;

  try {
    const runs = [...toRun.values()];
    onWorkflow?.(runs.length);
    const outcomes = await executeConsumptionBatch(
      temporal,
      { taskQueue: config.temporal.taskQueue, eagerStart },
      principal,
      runs.map((x) => x.input),
    );
    const mine = new Map<string, Outcome>();
    runs.forEach(({ key, input }, i) => mine.set(key, consumptionOutcome(asConsumptionResult(input, outcomes[i]!))));
    const final = await storeOutcomes(db, principal, mine);
    for (const w of waiting) {
      const outcome = final.get(w.key)!;
      answers[w.index] = { ok: true, value: { outcome, replayed: outcome !== mine.get(w.key) } };
    }
  } catch (error) {
    for (const w of waiting) answers[w.index] = { ok: false, error };
  }
  return answers;
}

/**
 * POST /v1/consumptions/batch (SPEC §6.4) once its envelope is parsed: one result per item, in item order.
 *
 * Each item carries its own idempotency `key`, in the same (principal, key) space as the Idempotency-Key
 * of POST /v1/consumptions, and is hashed as the single request it stands for: a key used first alone and
 * then in a batch (or the other way round, or in two racing batches) takes effect once and answers the
 * same consumption; with a different body it is that item's 409 idempotency_key_reused. A bad item (400,
 * 404) is that item's problem and the others go on.
 */
export async function consumeBatch({ db, temporal, config, eagerStart }: BatchDeps, principal: Principal, items: unknown[]): Promise<BatchItemResult[]> {
  const scope = principalId(principal);
  const results: BatchItemResult[] = new Array(items.length);

  // 1. Each item on its own: key, shape, price. A bad one is answered and left out.
  const valid: { index: number; key: string; body: CreateConsumption; raw: Record<string, unknown>; amount: number }[] = [];
  items.forEach((item, index) => {
    if (!item || typeof item !== 'object' || Array.isArray(item)) {
      results[index] = batchItemResult(null, problemOutcome(new HttpProblem('validation_error', `items.${index}: must be an object`)));
      return;
    }
    const { key, ...raw } = item as Record<string, unknown>;
    if (!isIdempotencyKey(key)) {
      results[index] = batchItemResult(
        typeof key === 'string' ? key : null,
        problemOutcome(new HttpProblem('validation_error', 'key: 1 to 255 visible ASCII characters, required')),
      );
      return;
    }
    try {
      const body = parse(CreateConsumption, raw);
      valid.push({ index, key, body, raw, amount: pricedAmount(body, config.prices) });
    } catch (err) {
      results[index] = batchItemResult(key, problemOutcome(toHttpProblem(err) ?? zodProblem(err as z.ZodError)));
    }
  });

  // 2. The accounts, in one read; one the caller may not act for is a 404, as for a single request.
  const accountIds = [...new Set(valid.map((v) => v.body.accountId))];
  const accounts = new Map<string, Account>((await db.account.findMany({ where: { id: { in: accountIds } } })).map((a) => [a.id, a]));
  const known = valid.filter((v) => {
    const account = accounts.get(v.body.accountId);
    if (account && canActFor(principal, account)) return true;
    results[v.index] = batchItemResult(v.key, problemOutcome(new HttpProblem('not_found', `account ${v.body.accountId} not found`)));
    return false;
  });

  // 3. The keys and the workflow, as for single requests that arrived together.
  const entries = known.map((v) => {
    const account = accounts.get(v.body.accountId)!;
    return {
      key: v.key,
      requestHash: hashRequest(SINGLE_METHOD, SINGLE_ROUTE, v.raw),
      sameRequestHashes: [hashRequest(SINGLE_METHOD, SINGLE_SPELLED_PATH, v.raw)],
      input: { accountId: account.id, fundingAccountId: fundingAccountId(account), amount: v.amount, ...consumptionFields(v.body) },
    };
  });
  const answers =
    entries.length > 0
      ? await runKeyed({ db, temporal, config, eagerStart }, scope, entries, { reusedDetail: 'this key was used with a different request' })
      : [];
  // A batch is one request: a failure to run it (Temporal or the database down) is its one 503.
  const failed = answers.find((a) => !a.ok);
  if (failed && !failed.ok) throw failed.error;
  known.forEach((v, i) => {
    const a = answers[i]!;
    if (a.ok) results[v.index] = batchItemResult(v.key, a.value.outcome);
  });
  return results;
}
