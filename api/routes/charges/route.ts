// Charges (top-ups). The API creates the charge id (one per principal and Idempotency-Key), starts the
// charge's workflow and waits for its first answer; later decisions go to the workflow as updates. The
// Charge and ChargeEvent rows, written by the workflow's activities, answer every read, also after the
// workflow has closed.
import { Router } from 'express';
import type { AppDeps } from '../../deps.ts';
import { principalId, principalOf, requireAdmin } from '../../principal.ts';
import { accountFor, requireOwnBilling, visibleAccountIds } from '../../access.ts';
import { idempotent } from '../../idempotency.ts';
import { parse } from '../../validation.ts';
import { HttpProblem } from '../../problem.ts';
import { afterCursor, encodeCursor, pageOf } from '../../pagination.ts';
import { Id } from '../../schemas.ts';
import { chargeView } from '../../views/charge.ts';
import { storedCardOf } from '../payment-methods/helpers.ts';
import type { Prisma } from '../../../generated/prisma/client.ts';
import { CancelCharge, ChargeListQuery, ConfirmDeposit, CreateCharge, RejectCharge } from './validators.ts';
import { chargeFor, checkLimits, loadCharge, openCharge, withEvents } from './helpers.ts';
import { decideCharge } from '../../../workflows/charge/client.ts';

export function chargesRouter({ db, temporal, config }: AppDeps): Router {
  const r = Router();

  r.post('/charges', async (req, res) => {
    const body = parse(CreateCharge, req.body);
    const account = await accountFor(db, principalOf(req), body.accountId);
    requireOwnBilling(account, `the partner ${account.parentId} tops up`);
    checkLimits(config, body.method, body.amount);
    if (body.paymentMethodId) await storedCardOf(db, account.id, body.paymentMethodId);
    await idempotent(db, req, res, (chargeId) =>
      openCharge(
        { db, temporal, config },
        {
          chargeId,
          accountId: account.id,
          amount: body.amount,
          method: body.method,
          origin: 'api',
          depositorName: body.depositorName,
          paymentMethodId: body.paymentMethodId,
        },
      ),
    );
  });

  r.get('/charges/:id', async (req, res) => {
    const id = parse(Id, req.params.id);
    res.json(chargeView(await chargeFor(db, principalOf(req), id)));
  });

  r.get('/charges', async (req, res) => {
    const q = parse(ChargeListQuery, req.query);
    const visible = await visibleAccountIds(db, principalOf(req));
    if (q.accountId && visible && !visible.includes(q.accountId)) throw new HttpProblem('not_found', `account ${q.accountId} not found`);
    // The admin's deposit queue (awaiting_deposit) reads oldest first; everything else newest first.
    const dir: Prisma.SortOrder = q.status === 'awaiting_deposit' ? 'asc' : 'desc';
    const rows = await db.charge.findMany({
      where: {
        ...(q.accountId ? { accountId: q.accountId } : visible ? { accountId: { in: visible } } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...afterCursor(q.cursor, dir),
      },
      orderBy: [{ createdAt: dir }, { id: dir }],
      take: q.limit + 1,
      include: withEvents,
    });
    const { page, nextCursor } = pageOf(rows, q.limit, encodeCursor);
    res.json({ charges: page.map(chargeView), nextCursor });
  });

  r.post('/charges/:id/cancel', async (req, res) => {
    const id = parse(Id, req.params.id);
    const body = parse(CancelCharge, req.body ?? {});
    const charge = await chargeFor(db, principalOf(req), id);
    await decideCharge(temporal, db, charge, { kind: 'cancel', input: { reason: body.reason ?? null, by: principalId(principalOf(req)) } });
    res.json(chargeView((await loadCharge(db, id))!));
  });

  r.post('/charges/:id/confirm-deposit', async (req, res) => {
    requireAdmin(req);
    const id = parse(Id, req.params.id);
    const body = parse(ConfirmDeposit, req.body);
    const charge = await chargeFor(db, principalOf(req), id);
    await decideCharge(temporal, db, charge, {
      kind: 'confirm',
      input: { depositedAmount: body.depositedAmount, depositorName: body.depositorName ?? null, memo: body.memo ?? null, by: 'admin' },
    });
    res.json(chargeView((await loadCharge(db, id))!));
  });

  r.post('/charges/:id/reject', async (req, res) => {
    requireAdmin(req);
    const id = parse(Id, req.params.id);
    const body = parse(RejectCharge, req.body);
    const charge = await chargeFor(db, principalOf(req), id);
    await decideCharge(temporal, db, charge, { kind: 'reject', input: { reason: body.reason, by: 'admin' } });
    res.json(chargeView((await loadCharge(db, id))!));
  });

  return r;
}
