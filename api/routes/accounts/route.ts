// Accounts: create (admin, or a partner its sub-accounts), read, change settings, balance and ledger.
import { Router } from 'express';
import type { AppDeps } from '../../deps.ts';
import { principalOf } from '../../principal.ts';
import { accountFor } from '../../access.ts';
import { parse } from '../../validation.ts';
import { HttpProblem } from '../../problem.ts';
import { pageOf } from '../../pagination.ts';
import { Id } from '../../schemas.ts';
import { accountView, balanceView, ledgerEntryView } from '../../views/account.ts';
import { createAccount, fundingBalance } from '../../../db/accounts.ts';
import { CreateAccount, LedgerQuery, NEEDS_NUMBER, needsNumber, UpdateAccount } from './validators.ts';

export function accountsRouter({ db, config }: AppDeps): Router {
  const r = Router();

  r.post('/accounts', async (req, res) => {
    const body = parse(CreateAccount, req.body);
    const p = principalOf(req);
    if (p.kind !== 'admin' && body.parentId !== p.account.id) {
      throw new HttpProblem('forbidden', 'an account key may only create sub-accounts of its own account (parentId = itself)');
    }
    const { account, apiKey } = await createAccount(db, body);
    res
      .status(201)
      .location(`/v1/accounts/${account.id}`)
      .json({ ...accountView(account), apiKey });
  });

  r.get('/accounts/:id', async (req, res) => {
    const id = parse(Id, req.params.id);
    const account = await accountFor(db, principalOf(req), id);
    res.json(accountView(account));
  });

  // Name and tax-document settings (SPEC §6.2); the document of a top-up follows the settings at its success.
  r.patch('/accounts/:id', async (req, res) => {
    const id = parse(Id, req.params.id);
    const body = parse(UpdateAccount, req.body ?? {});
    const account = await accountFor(db, principalOf(req), id);
    const next = {
      taxDocument: body.taxDocument ?? account.taxDocument,
      businessRegistrationNumber: body.businessRegistrationNumber === undefined ? account.businessRegistrationNumber : body.businessRegistrationNumber,
    };
    if (!needsNumber(next))
      throw new HttpProblem('validation_error', `businessRegistrationNumber: ${NEEDS_NUMBER.message}`, {
        errors: [{ path: 'businessRegistrationNumber', message: NEEDS_NUMBER.message }],
      });
    const updated = await db.account.update({ where: { id: account.id }, data: { ...(body.name ? { name: body.name } : {}), ...next } });
    res.json(accountView(updated));
  });

  r.get('/accounts/:id/balance', async (req, res) => {
    const id = parse(Id, req.params.id);
    const account = await accountFor(db, principalOf(req), id);
    res.json(balanceView(account.id, await fundingBalance(db, account, config.prices)));
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
    const { page, nextCursor } = pageOf(rows, q.limit, (last) => last.id.toString());
    res.json({ entries: page.map(ledgerEntryView), nextCursor });
  });

  return r;
}
