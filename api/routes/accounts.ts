import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../app.ts';
import { accountFor, principalOf } from '../auth.ts';
import { displayName, parse } from '../validation.ts';
import { HttpProblem } from '../problem.ts';
import { accountView, createAccount, fundingBalance } from '../../db/accounts.ts';
import { entryView } from '../../db/ledger.ts';

const Id = z.uuid({ message: 'must be a UUID' });
const MAX_BIGINT = 2n ** 63n - 1n;

const CreateAccount = z
  .object({
    name: displayName(200),
    parentId: Id.optional(),
    billingMode: z.enum(['own', 'parent']).optional(),
  })
  .strict();

const LedgerQuery = z
  .object({
    kind: z.enum(['charge', 'consumption', 'refund', 'adjustment']).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z
      .string()
      .regex(/^[0-9]{1,19}$/, 'not a cursor returned by this endpoint')
      // A ledger id is a PostgreSQL bigint: nineteen nines would overflow it (a 500 before this check).
      .refine((v) => !/^[0-9]{1,19}$/.test(v) || BigInt(v) <= MAX_BIGINT, 'not a cursor returned by this endpoint')
      .optional(),
  })
  .strict();

export function accountsRouter({ db, config }: AppDeps): Router {
  const r = Router();

  r.post('/accounts', async (req, res) => {
    const body = parse(CreateAccount, req.body);
    const p = principalOf(req);
    if (p.kind !== 'admin' && body.parentId !== p.account.id) {
      throw new HttpProblem('forbidden', 'an account key may only create sub-accounts of its own account (parentId = itself)');
    }
    const { account, apiKey } = await createAccount(db, body);
    res.status(201).location(`/v1/accounts/${account.id}`).json({ ...accountView(account), apiKey });
  });

  r.get('/accounts/:id', async (req, res) => {
    const id = parse(Id, req.params.id);
    const account = await accountFor(db, principalOf(req), id);
    res.json(accountView(account));
  });

  r.get('/accounts/:id/balance', async (req, res) => {
    const id = parse(Id, req.params.id);
    const account = await accountFor(db, principalOf(req), id);
    res.json({ accountId: account.id, ...(await fundingBalance(db, account, config.prices)) });
  });

  r.get('/accounts/:id/ledger', async (req, res) => {
    const id = parse(Id, req.params.id);
    const q = parse(LedgerQuery, req.query);
    await accountFor(db, principalOf(req), id);
    const rows = await db.ledgerEntry.findMany({
      where: {
        OR: [{ walletId: id }, { accountId: id }],
        ...(q.kind ? { kind: q.kind } : {}),
        ...(q.cursor ? { id: { lt: BigInt(q.cursor) } } : {}),
      },
      orderBy: { id: 'desc' },
      take: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    res.json({
      entries: page.map((row) => {
        const e = entryView(row);
        return {
          id: e.id,
          kind: e.kind,
          amount: e.amount,
          balanceAfter: e.balanceAfter,
          accountId: e.accountId,
          fundingAccountId: e.walletId,
          chargeId: e.chargeId ?? undefined,
          consumptionId: e.consumptionId ?? undefined,
          refundId: e.refundId ?? undefined,
          memo: e.memo ?? undefined,
          createdAt: e.createdAt.toISOString(),
        };
      }),
      nextCursor: rows.length > q.limit && last ? last.id.toString() : null,
    });
  });

  return r;
}
