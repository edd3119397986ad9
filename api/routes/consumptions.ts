import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../app.ts';
import { accountFor, canActFor, principalOf } from '../auth.ts';
import { idempotent } from '../idempotency.ts';
import { parse } from '../validation.ts';
import { HttpProblem } from '../problem.ts';
import { businessEvents } from '../metrics.ts';
import { consumptionAmount, MAX_POINTS, toPoints } from '../../domain/money.ts';
import { executeConsumption } from '../../workflows/consumption/client.ts';
import { refundView } from './refund-view.ts';

const CreateConsumption = z
  .object({
    accountId: z.uuid(),
    amount: z.number().int().positive().max(MAX_POINTS).optional(),
    item: z.string().min(1).max(64).optional(),
    quantity: z.number().int().positive().max(10_000_000).optional(),
    reference: z.string().max(200).optional(),
    memo: z.string().max(500).optional(),
  })
  .strict()
  .refine((b) => (b.amount === undefined) !== (b.item === undefined), {
    message: 'give either amount, or item (with quantity), not both',
    path: ['amount'],
  })
  .refine((b) => b.item !== undefined || b.quantity === undefined, { message: 'quantity goes with item', path: ['quantity'] });

export function consumptionsRouter({ db, temporal, config, eagerStart }: AppDeps): Router {
  const r = Router();

  r.post('/consumptions', async (req, res) => {
    const body = parse(CreateConsumption, req.body);
    const account = await accountFor(db, principalOf(req), body.accountId);
    const priced = consumptionAmount(body, config.prices);
    if ('error' in priced) {
      throw new HttpProblem('validation_error', `item: unknown item "${body.item}"; see GET /v1/prices`);
    }
    if (priced.amount > MAX_POINTS) throw new HttpProblem('validation_error', 'amount: too large');
    await idempotent(db, req, res, async (consumptionId) => {
      const result = await executeConsumption(temporal, { taskQueue: config.temporal.taskQueue, eagerStart }, {
        consumptionId,
        accountId: account.id,
        amount: priced.amount,
        item: body.item ?? null,
        quantity: body.item ? (body.quantity ?? 1) : null,
        reference: body.reference ?? null,
        memo: body.memo ?? null,
      });
      businessEvents.inc({ kind: 'consumption', outcome: result.status });
      if (result.status === 'insufficient_balance') {
        throw new HttpProblem('insufficient_balance', `the balance of ${result.fundingAccountId} is ${result.balance} points; ${result.required} required`, {
          balance: result.balance,
          required: result.required,
          fundingAccountId: result.fundingAccountId,
        });
      }
      if (result.status === 'rejected') throw new HttpProblem(result.code as never, result.message);
      const c = result.consumption;
      return {
        status: 201,
        body: { id: c.id, accountId: c.accountId, fundingAccountId: c.fundingAccountId, amount: c.amount, balanceAfter: c.balanceAfter, item: c.item ?? undefined, quantity: c.quantity ?? undefined, reference: c.reference ?? undefined, memo: c.memo ?? undefined, createdAt: c.createdAt },
      };
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
