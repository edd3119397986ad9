import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.ts';
import { accountFor, principalOf } from '../auth.ts';
import { displayName, parse } from '../validation.ts';
import { HttpProblem } from '../problem.ts';
import { accountView, createAccount, fundingBalance } from '../../db/accounts.ts';
import { entryView } from '../../db/ledger.ts';
import { checkBusinessRegistrationNumber } from '../../domain/business-number.ts';

const Id = z.uuid({ message: 'must be a UUID' });
const MAX_BIGINT = 2n ** 63n - 1n;

/** 사업자등록번호: 10 digits, dashes allowed, checksum validated; parsed to its 10 digits. */
const BusinessRegistrationNumber = z.string().transform((v, ctx) => {
  const r = checkBusinessRegistrationNumber(v);
  if (r.ok) return r.digits;
  ctx.addIssue({ code: 'custom', message: `not a valid business registration number: ${r.reason}` });
  return z.NEVER;
});
const TaxDocumentSetting = z.enum(['tax_invoice', 'cash_receipt', 'none']);
/** A tax invoice or cash receipt is issued to a business registration number: the account needs one. */
const needsNumber = (b: { taxDocument?: string | undefined; businessRegistrationNumber?: string | null | undefined }) =>
  b.taxDocument === undefined || b.taxDocument === 'none' || !!b.businessRegistrationNumber;
const NEEDS_NUMBER = { message: 'a tax_invoice or cash_receipt is issued to a businessRegistrationNumber: give one', path: ['businessRegistrationNumber'] };

const CreateAccount = z
  .object({
    name: displayName(200),
    parentId: Id.optional(),
    billingMode: z.enum(['own', 'parent']).optional(),
    businessRegistrationNumber: BusinessRegistrationNumber.optional(),
    taxDocument: TaxDocumentSetting.optional(),
  })
  .strict()
  .refine(needsNumber, NEEDS_NUMBER);

const UpdateAccount = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    businessRegistrationNumber: BusinessRegistrationNumber.nullable().optional(),
    taxDocument: TaxDocumentSetting.optional(),
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

  // Name and tax-document settings (SPEC §6.2); the document of a top-up follows the settings at its success.
  r.patch('/accounts/:id', async (req, res) => {
    const id = parse(Id, req.params.id);
    const body = parse(UpdateAccount, req.body ?? {});
    const account = await accountFor(db, principalOf(req), id);
    const next = {
      taxDocument: body.taxDocument ?? account.taxDocument,
      businessRegistrationNumber: body.businessRegistrationNumber === undefined ? account.businessRegistrationNumber : body.businessRegistrationNumber,
    };
    if (!needsNumber(next)) throw new HttpProblem('validation_error', `businessRegistrationNumber: ${NEEDS_NUMBER.message}`, { errors: [{ path: 'businessRegistrationNumber', message: NEEDS_NUMBER.message }] });
    const updated = await db.account.update({ where: { id: account.id }, data: { ...(body.name ? { name: body.name } : {}), ...next } });
    res.json(accountView(updated));
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
