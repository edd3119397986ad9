import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../app.ts';
import { accountFor, canActFor, principalOf } from '../auth.ts';
import { idempotent } from '../idempotency.ts';
import { parse } from '../validation.ts';
import { HttpProblem } from '../problem.ts';
import { businessEvents } from '../metrics.ts';
import { toPoints } from '../../domain/money.ts';
import { executeConsumption } from '../../workflows/consumption/client.ts';
import { refundView } from './refund-view.ts';
import { consumptionFields, consumptionView, CreateConsumption, insufficientBalance, pricedAmount } from './consumption-input.ts';

export function consumptionsRouter({ db, temporal, config, eagerStart }: AppDeps): Router {
  const r = Router();

  r.post('/consumptions', async (req, res) => {
    const body = parse(CreateConsumption, req.body);
    const account = await accountFor(db, principalOf(req), body.accountId);
    const amount = pricedAmount(body, config.prices);
    await idempotent(db, req, res, async (consumptionId) => {
      const result = await executeConsumption(temporal, { taskQueue: config.temporal.taskQueue, eagerStart }, {
        consumptionId,
        accountId: account.id,
        amount,
        ...consumptionFields(body),
      });
      businessEvents.inc({ kind: 'consumption', outcome: result.status });
      if (result.status === 'insufficient_balance') throw insufficientBalance(result);
      if (result.status === 'rejected') throw new HttpProblem(result.code as never, result.message);
      return { status: 201, body: consumptionView(result.consumption) };
    });
  });

  r.get('/consumptions/:id', async (req, res) => {
    const id = parse(z.uuid(), req.params.id);
    const c = await db.consumption.findUnique({ where: { id }, include: { refunds: { orderBy: { createdAt: 'asc' } } } });
    const account = c && (await db.account.findUnique({ where: { id: c.accountId } }));
    if (!c || !account || !canActFor(principalOf(req), account)) throw new HttpProblem('not_found', `consumption ${id} not found`);
    res.json({
      id: c.id,
      accountId: c.accountId,
      fundingAccountId: c.fundingAccountId,
      amount: toPoints(c.amount),
      item: c.item ?? undefined,
      quantity: c.quantity ?? undefined,
      reference: c.reference ?? undefined,
      memo: c.memo ?? undefined,
      refundedAmount: toPoints(c.refundedAmount),
      pendingRefundAmount: toPoints(c.reservedAmount - c.refundedAmount),
      refunds: c.refunds.map(refundView),
      createdAt: c.createdAt.toISOString(),
    });
  });

  return r;
}
