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
import { claimKeys, hashRequest, isIdempotencyKey, storeOutcomes, type Outcome } from '../../idempotency.ts';
import { HttpProblem, problemBody, toHttpProblem, zodProblem } from '../../problem.ts';
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

export interface BatchDeps {
  db: Db;
  temporal: Client;
  config: Config;
  eagerStart?: boolean | undefined;
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

  // 3. The keys: replay what is stored, refuse a key reused with another body, run the rest.
  const hashed = known.map((v) => ({ ...v, requestHash: hashRequest(SINGLE_METHOD, SINGLE_ROUTE, v.raw) }));
  const records = hashed.length > 0 ? await claimKeys(db, scope, hashed) : new Map();
  const toRun = new Map<string, { key: string; input: BatchConsumptionInput }>();
  const waiting: { index: number; key: string }[] = [];
  for (const v of hashed) {
    const record = records.get(v.key)!;
    if (record.requestHash !== v.requestHash && record.requestHash !== hashRequest(SINGLE_METHOD, SINGLE_SPELLED_PATH, v.raw)) {
      results[v.index] = batchItemResult(v.key, problemOutcome(new HttpProblem('idempotency_key_reused', 'this key was used with a different request')));
    } else if (record.outcome) {
      results[v.index] = batchItemResult(v.key, record.outcome);
    } else {
      waiting.push({ index: v.index, key: v.key });
      if (!toRun.has(record.resourceId)) {
        const account = accounts.get(v.body.accountId)!;
        toRun.set(record.resourceId, {
          key: v.key,
          input: {
            consumptionId: record.resourceId,
            accountId: account.id,
            fundingAccountId: fundingAccountId(account),
            amount: v.amount,
            ...consumptionFields(v.body),
          },
        });
      }
    }
  }

  // 4. One workflow for the batch; each answer stored under its key.
  if (toRun.size > 0) {
    const runs = [...toRun.values()];
    const outcomes = await executeConsumptionBatch(
      temporal,
      { taskQueue: config.temporal.taskQueue, eagerStart },
      scope,
      runs.map((x) => x.input),
    );
    const answers = new Map<string, Outcome>();
    runs.forEach(({ key, input }, i) => answers.set(key, consumptionOutcome(asConsumptionResult(input, outcomes[i]!))));
    // First answer wins, as for single requests: a twin that stored first is answered instead.
    const final = await storeOutcomes(db, scope, answers);
    for (const w of waiting) results[w.index] = batchItemResult(w.key, final.get(w.key)!);
  }
  return results;
}
