import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.ts';
import type { Db } from '../../db/client.ts';
import type { Refund } from '../../generated/prisma/client.ts';
import { canActFor, principalOf, requireAdmin, type Principal } from '../auth.ts';
import { idempotent } from '../idempotency.ts';
import { parse } from '../validation.ts';
import { HttpProblem } from '../problem.ts';
import { businessEvents } from '../metrics.ts';
import { MAX_POINTS } from '../../domain/money.ts';
import { REFUND_REASONS } from '../../workflows/refund/definitions.ts';
import { decideRefund, startRefund } from '../../workflows/refund/client.ts';
import { refundView } from './refund-view.ts';
import { afterCursor, encodeCursor } from '../pagination.ts';

const Id = z.uuid({ message: 'must be a UUID' });

export const CreateRefund = z
  .object({
    amount: z.number().int().positive().max(MAX_POINTS),
    reason: z.enum(REFUND_REASONS),
    memo: z.string().max(500).optional(),
  })
  .strict();

export const Approve = z.object({ memo: z.string().trim().min(1).max(500).optional() }).strict();
export const Reject = z.object({ reason: z.string().trim().min(1).max(500) }).strict();
export const ListQuery = z
  .object({
    status: z.enum(['pending_review', 'succeeded', 'rejected']).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
  })
  .strict();

/** Loads a consumption whose account the principal may act for, or answers 404 as if it did not exist. */
async function consumptionFor(db: Db, p: Principal, id: string) {
  const c = await db.consumption.findUnique({ where: { id } });
  const account = c && (await db.account.findUnique({ where: { id: c.accountId } }));
  if (!c || !account || !canActFor(p, account)) throw new HttpProblem('not_found', `consumption ${id} not found`);
  return c;
}

async function refundFor(db: Db, p: Principal, id: string): Promise<Refund> {
  const refund = await db.refund.findUnique({ where: { id } });
  const account = refund && (await db.account.findUnique({ where: { id: refund.accountId } }));
  if (!refund || !account || !canActFor(p, account)) throw new HttpProblem('not_found', `refund ${id} not found`);
  return refund;
}

export function refundsRouter({ db, temporal, config }: AppDeps): Router {
  const r = Router();

  r.post('/consumptions/:id/refunds', async (req, res) => {
    const consumptionId = parse(Id, req.params.id);
    const body = parse(CreateRefund, req.body);
    await consumptionFor(db, principalOf(req), consumptionId);
    await idempotent(db, req, res, async (refundId) => {
      const outcome = await startRefund(temporal, config.temporal, {
        refundId,
        consumptionId,
        amount: body.amount,
        reason: body.reason,
        memo: body.memo ?? null,
        calendar: config.calendar,
        review: {
          remindAfterBusinessDays: config.schedule.refundRemindAfterBusinessDays,
          overdueAfterBusinessDays: config.schedule.refundOverdueAfterBusinessDays,
        },
        autoRefundWindowDays: config.autoRefundWindowDays,
      });
      businessEvents.inc({ kind: 'refund', outcome: outcome.outcome === 'refused' ? outcome.code : outcome.refund.status });
      if (outcome.outcome === 'refused') throw new HttpProblem(outcome.code, outcome.message, outcome.details);
      // 201: credited automatically; 202: accepted, awaiting an admin's review (a review reason, or an
      // automatic one on a consumption older than AUTO_REFUND_WINDOW_DAYS).
      return { status: outcome.refund.status === 'pending_review' ? 202 : 201, body: refundView(outcome.refund) };
    });
  });

  // The admin's review queue (?status=pending_review), oldest first.
  r.get('/refunds', async (req, res) => {
    requireAdmin(req);
    const q = parse(ListQuery, req.query);
    const rows = await db.refund.findMany({
      where: {
        ...(q.status ? { status: q.status } : {}),
        ...afterCursor(q.cursor, 'asc'),
      },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    res.json({ refunds: page.map(refundView), nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null });
  });

  r.get('/refunds/:id', async (req, res) => {
    const id = parse(Id, req.params.id);
    res.json(refundView(await refundFor(db, principalOf(req), id)));
  });

  r.post('/refunds/:id/approve', async (req, res) => {
    requireAdmin(req);
    const id = parse(Id, req.params.id);
    const body = parse(Approve, req.body ?? {});
    const refund = await refundFor(db, principalOf(req), id);
    const decided = await decideRefund(temporal, db, refund.id, { kind: 'approve', memo: body.memo ?? null });
    res.json(refundView(decided));
  });

  r.post('/refunds/:id/reject', async (req, res) => {
    requireAdmin(req);
    const id = parse(Id, req.params.id);
    const body = parse(Reject, req.body ?? {});
    const refund = await refundFor(db, principalOf(req), id);
    const decided = await decideRefund(temporal, db, refund.id, { kind: 'reject', reason: body.reason });
    res.json(refundView(decided));
  });

  return r;
}
