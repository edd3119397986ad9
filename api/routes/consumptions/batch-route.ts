// POST /v1/consumptions/batch (SPEC §6.4): up to 1,000 consumptions in one request and one workflow, each
// item with its own idempotency key in the key space of POST /v1/consumptions (./helpers.ts consumeBatch).
// A malformed envelope is one 400; a bad item is that item's problem. The answer is 200 with one result
// per item, in item order.
import { Router } from 'express';
import type { AppDeps } from '../../deps.ts';
import { principalOf } from '../../principal.ts';
import { parse } from '../../validation.ts';
import { ConsumptionBatch } from './validators.ts';
import { consumeBatch } from './helpers.ts';

export function consumptionBatchRouter(deps: AppDeps): Router {
  const r = Router();

  r.post('/consumptions/batch', async (req, res) => {
    const { items } = parse(ConsumptionBatch, req.body);
    res.status(200).json({ results: await consumeBatch(deps, principalOf(req), items) });
  });

  return r;
}
