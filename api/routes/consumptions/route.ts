// Consumptions: POST debits the funding account once per principal and Idempotency-Key (its own workflow
// decides, or a batch workflow with the caller's other consumptions of the moment: ./singles.ts); GET reads a consumption back with its refunds. The batch endpoint is in
// ./batch-route.ts.
import { Router } from 'express';
import type { AppDeps } from '../../deps.ts';
import { principalId, principalOf } from '../../principal.ts';
import { fundingAccountId } from '../../../db/accounts.ts';
import { accountFor } from '../../access.ts';
import { idempotent } from '../../idempotency.ts';
import { parse } from '../../validation.ts';
import { Id } from '../../schemas.ts';
import { consumptionView } from '../../views/consumption.ts';
import { CreateConsumption } from './validators.ts';
import { consumptionFields, consumptionOutcome, consumptionWithRefundsFor, pricedAmount } from './helpers.ts';
import { singleConsumptions } from './singles.ts';

export function consumptionsRouter({ db, temporal, config, eagerStart }: AppDeps): Router {
  const r = Router();
  const singles = singleConsumptions(temporal, { taskQueue: config.temporal.taskQueue, eagerStart }, config.consumptionsInFlightPerCaller);

  r.post('/consumptions', async (req, res) => {
    const principal = principalOf(req);
    const body = parse(CreateConsumption, req.body);
    const account = await accountFor(db, principal, body.accountId);
    const amount = pricedAmount(body, config.prices);
    await idempotent(db, req, res, async (consumptionId) =>
      consumptionOutcome(
        await singles.submit(principalId(principal), {
          consumptionId,
          accountId: account.id,
          fundingAccountId: fundingAccountId(account),
          amount,
          ...consumptionFields(body),
        }),
      ),
    );
  });

  r.get('/consumptions/:id', async (req, res) => {
    const id = parse(Id, req.params.id);
    res.json(consumptionView(await consumptionWithRefundsFor(db, principalOf(req), id)));
  });

  return r;
}
