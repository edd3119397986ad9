// POST /v1/consumptions/batch (SPEC §6.4): up to 1,000 consumptions in one request and one workflow.
//
// Each item carries its own idempotency `key`, in the same (principal, key) space as the Idempotency-Key
// of POST /v1/consumptions, and is hashed as the single request it stands for: a key used first alone and
// then in a batch (or the other way round, or in two racing batches) takes effect once and answers the
// same consumption; with a different body it is that item's 409 idempotency_key_reused. A malformed
// envelope is one 400; a bad item (400, 404) is that item's problem and the others go on. The answer is
// 200 with one result per item, in item order.
import { createHash } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../app.ts';
import { canActFor, principalId, principalOf } from '../auth.ts';
import { claimKeys, hashRequest, isIdempotencyKey, storeOutcomes, type Outcome } from '../idempotency.ts';
import { parse } from '../validation.ts';
import { HttpProblem, problemBody, toHttpProblem, zodProblem } from '../problem.ts';
import { businessEvents } from '../metrics.ts';
import { fundingAccountId } from '../../db/accounts.ts';
import { consumptionBatchWorkflowId } from '../../workflows/ids.ts';
import {
  consumptionBatchWorkflowType,
  MAX_BATCH_ITEMS,
  type BatchConsumptionInput,
  type ConsumptionBatchWorkflow,
} from '../../workflows/consumption-batch/definitions.ts';
import { consumptionFields, consumptionView, CreateConsumption, insufficientBalance, pricedAmount } from './consumption-input.ts';

/**
 * The single request a batch item stands for: its idempotency hash is that request's (api/idempotency.ts
 * requestHash: the method, the matched route as `matchedRoute` names it, the body). Records made before
 * requests were hashed by their matched route carry the path as spelled, accepted as for single requests.
 */
const SINGLE_METHOD = 'POST';
const SINGLE_ROUTE = '/v1/consumptions {}';
const SINGLE_SPELLED_PATH = '/v1/consumptions';

const Envelope = z
  .object({ items: z.array(z.unknown()).min(1, 'items: at least one').max(MAX_BATCH_ITEMS, `items: at most ${MAX_BATCH_ITEMS}`) })
  .strict();

export interface BatchItemResult {
  key: string | null;
  status: number;
  consumption?: unknown;
  problem?: unknown;
}

const asResult = (key: string | null, outcome: Outcome): BatchItemResult =>
  outcome.status < 300 ? { key, status: outcome.status, consumption: outcome.body } : { key, status: outcome.status, problem: outcome.body };

const problemOutcome = (p: HttpProblem): Outcome => ({ status: p.status, body: problemBody(p.code, p.detail, p.extra) });

export function consumptionBatchRouter({ db, temporal, config, eagerStart }: AppDeps): Router {
  const r = Router();

  r.post('/consumptions/batch', async (req, res) => {
    const { items } = parse(Envelope, req.body);
    const principal = principalOf(req);
    const scope = principalId(principal);
    const results: BatchItemResult[] = new Array(items.length);

    // 1. Each item on its own: key, shape, price. A bad one is answered and left out.
    const valid: { index: number; key: string; body: CreateConsumption; raw: Record<string, unknown>; amount: number }[] = [];
    items.forEach((item, index) => {
      if (!item || typeof item !== 'object' || Array.isArray(item)) {
        results[index] = asResult(null, problemOutcome(new HttpProblem('validation_error', `items.${index}: must be an object`)));
        return;
      }
      const { key, ...raw } = item as Record<string, unknown>;
      if (!isIdempotencyKey(key)) {
        results[index] = asResult(typeof key === 'string' ? key : null, problemOutcome(new HttpProblem('validation_error', 'key: 1 to 255 visible ASCII characters, required')));
        return;
      }
      try {
        const body = parse(CreateConsumption, raw);
        valid.push({ index, key, body, raw, amount: pricedAmount(body, config.prices) });
      } catch (err) {
        results[index] = asResult(key, problemOutcome(toHttpProblem(err) ?? zodProblem(err as z.ZodError)));
      }
    });

    // 2. The accounts, in one read; one the caller may not act for is a 404, as for a single request.
    const accountIds = [...new Set(valid.map((v) => v.body.accountId))];
    const accounts = new Map((await db.account.findMany({ where: { id: { in: accountIds } } })).map((a) => [a.id, a]));
    const known = valid.filter((v) => {
      const account = accounts.get(v.body.accountId);
      if (account && canActFor(principal, account)) return true;
      results[v.index] = asResult(v.key, problemOutcome(new HttpProblem('not_found', `account ${v.body.accountId} not found`)));
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
        results[v.index] = asResult(v.key, problemOutcome(new HttpProblem('idempotency_key_reused', 'this key was used with a different request')));
      } else if (record.outcome) {
        results[v.index] = asResult(v.key, record.outcome);
      } else {
        waiting.push({ index: v.index, key: v.key });
        if (!toRun.has(record.resourceId)) {
          const account = accounts.get(v.body.accountId)!;
          toRun.set(record.resourceId, {
            key: v.key,
            input: { consumptionId: record.resourceId, accountId: account.id, fundingAccountId: fundingAccountId(account), amount: v.amount, ...consumptionFields(v.body) },
          });
        }
      }
    }

    // 4. One workflow for the batch. Its id is derived from the caller and the consumption ids, so the
    //    same batch sent again while it runs attaches to it; a new run after it ended finds every
    //    decision already taken and answers the same.
    if (toRun.size > 0) {
      const runs = [...toRun.values()];
      const batchId = createHash('sha256').update(`${scope}\n${runs.map((x) => x.input.consumptionId).join(',')}`).digest('hex').slice(0, 40);
      const { outcomes } = await temporal.workflow.execute<ConsumptionBatchWorkflow>(consumptionBatchWorkflowType, {
        workflowId: consumptionBatchWorkflowId(batchId),
        taskQueue: config.temporal.taskQueue,
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        requestEagerStart: eagerStart === true,
        args: [{ items: runs.map((x) => x.input) }],
      });
      const answers = new Map<string, Outcome>();
      runs.forEach(({ key, input }, i) => {
        const o = outcomes[i]!;
        businessEvents.inc({ kind: 'consumption', outcome: o.status });
        if (o.status === 'succeeded') {
          const view = consumptionView({
            id: o.id,
            accountId: input.accountId,
            fundingAccountId: o.fundingAccountId,
            amount: o.amount,
            balanceAfter: o.balanceAfter,
            item: input.item ?? null,
            quantity: input.quantity ?? null,
            reference: input.reference ?? null,
            memo: input.memo ?? null,
            createdAt: o.createdAt,
          });
          answers.set(key, { status: 201, body: view });
        } else if (o.status === 'insufficient_balance') {
          answers.set(key, problemOutcome(insufficientBalance(o)));
        } else {
          answers.set(key, problemOutcome(new HttpProblem(o.code, o.message)));
        }
      });
      // First answer wins, as for single requests: a twin that stored first is answered instead.
      const final = await storeOutcomes(db, scope, answers);
      for (const w of waiting) results[w.index] = asResult(w.key, final.get(w.key)!);
    }

    res.status(200).json({ results });
  });

  return r;
}
