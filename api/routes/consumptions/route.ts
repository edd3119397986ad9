// Consumptions: POST debits the funding account once per principal and Idempotency-Key (its own workflow
// decides, or a batch workflow with the caller's other consumptions of the moment: ./singles.ts); GET
// reads a consumption back with its refunds. The batch endpoint is in ./batch-route.ts.
import { Router } from 'express';
import type { AppDeps } from '../../deps.ts';
import { principalOf } from '../../principal.ts';
import { fundingAccountId } from '../../../db/accounts.ts';
import { accountFor } from '../../access.ts';
import { idempotencyScope, sendOutcome } from '../../idempotency.ts';
import { parse } from '../../validation.ts';
import { Id } from '../../schemas.ts';
import { consumptionView } from '../../views/consumption.ts';
import { CreateConsumption } from './validators.ts';
import { consumptionFields, consumptionWithRefundsFor, pricedAmount } from './helpers.ts';
import { singleConsumptions } from './singles.ts';

export function consumptionsRouter({ db, temporal, config, eagerStart }: AppDeps): Router {
  const r = Router();
  const singles = singleConsumptions({ db, temporal, config, eagerStart }, config.consumptionsInFlightPerCaller);

  r.post('/consumptions', async (req, res) => {
    const principal = principalOf(req);
    const body = parse(CreateConsumption, req.body);
    const account = await accountFor(db, principal, body.accountId);
    const amount = pricedAmount(body, config.prices);
    const { principal: caller, ...keyed } = idempotencyScope(req);
    const { outcome, replayed } = await singles.submit(caller, {
      ...keyed,
      input: { accountId: account.id, fundingAccountId: fundingAccountId(account), amount, ...consumptionFields(body) },
    });
    sendOutcome(res, outcome, replayed);
  });

  r.get('/consumptions/:id', async (req, res) => {
    const id = parse(Id, req.params.id);
    res.json(consumptionView(await consumptionWithRefundsFor(db, principalOf(req), id)));
  });

  return r;
}
