// Refunds of consumptions. POST starts the refund's workflow once per principal and Idempotency-Key and
// answers its first answer (201 credited, 202 awaiting review); an admin's approval or rejection goes to
// the workflow as an update. The Refund rows answer every read, also after the workflow has closed.
import { Router } from 'express';
import type { AppDeps } from '../../deps.ts';
import { principalOf, requireAdmin } from '../../principal.ts';
import { idempotent } from '../../idempotency.ts';
import { parse } from '../../validation.ts';
import { afterCursor, encodeCursor, pageOf } from '../../pagination.ts';
import { Id } from '../../schemas.ts';
import { refundView } from '../../views/refund.ts';
import { decideRefund } from '../../../workflows/refund/client.ts';
import { consumptionFor } from '../consumptions/helpers.ts';
import { ApproveRefund, CreateRefund, RefundListQuery, RejectRefund } from './validators.ts';
import { openRefund, refundFor } from './helpers.ts';

export function refundsRouter({ db, temporal, config }: AppDeps): Router {
  const r = Router();

  r.post('/consumptions/:id/refunds', async (req, res) => {
    const consumptionId = parse(Id, req.params.id);
    const body = parse(CreateRefund, req.body);
    await consumptionFor(db, principalOf(req), consumptionId);
    await idempotent(db, req, res, (refundId) =>
      openRefund(temporal, config, { refundId, consumptionId, amount: body.amount, reason: body.reason, memo: body.memo ?? null }),
    );
  });

  // The admin's review queue (?status=pending_review), oldest first.
  r.get('/refunds', async (req, res) => {
    requireAdmin(req);
    const q = parse(RefundListQuery, req.query);
    const rows = await db.refund.findMany({
      where: {
        ...(q.status ? { status: q.status } : {}),
        ...afterCursor(q.cursor, 'asc'),
      },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: q.limit + 1,
    });
    const { page, nextCursor } = pageOf(rows, q.limit, encodeCursor);
    res.json({ refunds: page.map(refundView), nextCursor });
  });

  r.get('/refunds/:id', async (req, res) => {
    const id = parse(Id, req.params.id);
    res.json(refundView(await refundFor(db, principalOf(req), id)));
  });

  r.post('/refunds/:id/approve', async (req, res) => {
    requireAdmin(req);
    const id = parse(Id, req.params.id);
    const body = parse(ApproveRefund, req.body ?? {});
    const refund = await refundFor(db, principalOf(req), id);
    res.json(refundView(await decideRefund(temporal, db, refund.id, { kind: 'approve', memo: body.memo ?? null })));
  });

  r.post('/refunds/:id/reject', async (req, res) => {
    requireAdmin(req);
    const id = parse(Id, req.params.id);
    const body = parse(RejectRefund, req.body ?? {});
    const refund = await refundFor(db, principalOf(req), id);
    res.json(refundView(await decideRefund(temporal, db, refund.id, { kind: 'reject', reason: body.reason })));
  });

  return r;
}
