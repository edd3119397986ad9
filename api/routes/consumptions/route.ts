// Consumptions: POST debits the funding account once per principal and Idempotency-Key (the consumption's
// workflow decides); GET reads a consumption back with its refunds. The batch endpoint is in
// ./batch-route.ts.
import { Router } from 'express';
import type { AppDeps } from '../../deps.ts';
import { principalOf } from '../../principal.ts';
import { accountFor } from '../../access.ts';
import { idempotent } from '../../idempotency.ts';
import { parse } from '../../validation.ts';
import { Id } from '../../schemas.ts';
import { consumptionView } from '../../views/consumption.ts';
import { CreateConsumption } from './validators.ts';
import { consume, consumptionFields, consumptionWithRefundsFor, pricedAmount } from './helpers.ts';

export function consumptionsRouter({ db, temporal, config, eagerStart }: AppDeps): Router {
  const r = Router();

  r.post('/consumptions', async (req, res) => {
    const body = parse(CreateConsumption, req.body);
    const account = await accountFor(db, principalOf(req), body.accountId);
    const amount = pricedAmount(body, config.prices);
    await idempotent(db, req, res, (consumptionId) =>
      consume(temporal, { taskQueue: config.temporal.taskQueue, eagerStart }, { consumptionId, accountId: account.id, amount, ...consumptionFields(body) }),
    );
  });

  r.get('/consumptions/:id', async (req, res) => {
    const id = parse(Id, req.params.id);
    res.json(consumptionView(await consumptionWithRefundsFor(db, principalOf(req), id)));
  });

  return r;
}
