import { Router } from 'express';
import { z } from 'zod';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { AppDeps } from '../app.ts';
import { accountFor, canActFor, principalOf } from '../auth.ts';
import { idempotent } from '../idempotency.ts';
import { parse } from '../validation.ts';
import { HttpProblem } from '../problem.ts';
import { businessEvents } from '../metrics.ts';
import { toPoints } from '../../domain/money.ts';
import { consumptionWorkflowId } from '../../workflows/ids.ts';
import {
  consumptionWorkflowType,
  type ConsumptionWorkflow,
} from '../../workflows/consumption/definitions.ts';
import { refundView } from './refund-view.ts';
import { consumptionFields, consumptionView, CreateConsumption, insufficientBalance, pricedAmount } from './consumption-input.ts';

export function consumptionsRouter({ db, temporal, config, eagerStart }: AppDeps): Router {
  const r = Router();

  r.post('/consumptions', async (req, res) => {
    const body = parse(CreateConsumption, req.body);
    const account = await accountFor(db, principalOf(req), body.accountId);
    const amount = pricedAmount(body, config.prices);
    await idempotent(db, req, res, async (consumptionId) => {
      const workflowId = consumptionWorkflowId(consumptionId);
      // A twin that arrives after the workflow ended reads its result; the id never runs twice (a refused
      // consumption retried after a top-up must not debit behind the 402 its twin stored).
      const result = await temporal.workflow.execute<ConsumptionWorkflow>(consumptionWorkflowType, {
        workflowId,
        taskQueue: config.temporal.taskQueue,
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        // With a worker in this process sharing the client's connection (npm start), the server hands
        // the first workflow task straight back to it.
        requestEagerStart: eagerStart === true,
        args: [
          {
            consumptionId,
            accountId: account.id,
            amount,
            ...consumptionFields(body),
          },
        ],
      }).catch((err: unknown) => {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return temporal.workflow.getHandle<ConsumptionWorkflow>(workflowId).result();
        throw err;
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
