import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import type { AppDeps } from '../../deps.ts';
import { principalOf } from '../../principal.ts';
import { accountFor } from '../../access.ts';
import { parse } from '../../validation.ts';
import { Id } from '../../schemas.ts';
import { paymentMethodView } from '../../views/account.ts';
import { SimulatedGateway } from '../../../activities/gateway.ts';
import { CreatePaymentMethod } from './validators.ts';

/** Stored cards. The gateway describes the token (brand, last 4); the card number never reaches us. */
export function paymentMethodsRouter({ db, gateway = new SimulatedGateway(db) }: AppDeps): Router {
  const r = Router();

  r.post('/accounts/:id/payment-methods', async (req, res) => {
    const accountId = parse(Id, req.params.id);
    const body = parse(CreatePaymentMethod, req.body);
    const account = await accountFor(db, principalOf(req), accountId);
    const card = await gateway.tokenize(body.cardToken);
    const pm = await db.paymentMethod.create({
      data: { id: randomUUID(), accountId: account.id, brand: card.brand, last4: card.last4, token: card.token },
    });
    res.status(201).location(`/v1/accounts/${account.id}/payment-methods/${pm.id}`).json(paymentMethodView(pm));
  });

  return r;
}
