import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.ts';
import { accountFor, principalOf } from '../auth.ts';
import { parse } from '../validation.ts';
import { HttpProblem } from '../problem.ts';
import type { Db } from '../../db/client.ts';
import { SimulatedGateway } from '../../activities/gateway.ts';

const Id = z.uuid({ message: 'must be a UUID' });
const CreatePaymentMethod = z.object({ cardToken: z.string().min(1).max(200) }).strict();

/** A card stored on this account, or 404 as if it did not exist (another account's card included). */
export async function storedCardOf(db: Db, accountId: string, paymentMethodId: string) {
  const pm = await db.paymentMethod.findUnique({ where: { id: paymentMethodId } });
  if (!pm || pm.accountId !== accountId) throw new HttpProblem('not_found', `payment method ${paymentMethodId} not found`);
  return pm;
}

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
    res
      .status(201)
      .location(`/v1/accounts/${account.id}/payment-methods/${pm.id}`)
      .json({ id: pm.id, accountId: pm.accountId, brand: pm.brand, last4: pm.last4, createdAt: pm.createdAt.toISOString() });
  });

  return r;
}
