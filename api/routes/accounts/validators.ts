// What the account routes accept.
import { z } from 'zod';
import { checkBusinessRegistrationNumber } from '../../../domain/business-number.ts';
import { displayName } from '../../validation.ts';
import { Id, pageLimit } from '../../schemas.ts';

const MAX_BIGINT = 2n ** 63n - 1n;

/** 사업자등록번호: 10 digits, dashes allowed, checksum validated; parsed to its 10 digits. */
const BusinessRegistrationNumber = z
  .string()
  .transform((v, ctx) => {
    const r = checkBusinessRegistrationNumber(v);
    if (r.ok) return r.digits;
    ctx.addIssue({ code: 'custom', message: `not a valid business registration number: ${r.reason}` });
    return z.NEVER;
  })
  .describe('10 digits, dashes allowed, checksum validated');
const TaxDocumentSetting = z.enum(['tax_invoice', 'cash_receipt', 'none']);
/** A tax invoice or cash receipt is issued to a business registration number: the account needs one. */
export const needsNumber = (b: { taxDocument?: string | undefined; businessRegistrationNumber?: string | null | undefined }) =>
  b.taxDocument === undefined || b.taxDocument === 'none' || !!b.businessRegistrationNumber;
export const NEEDS_NUMBER = {
  message: 'a tax_invoice or cash_receipt is issued to a businessRegistrationNumber: give one',
  path: ['businessRegistrationNumber'],
};

export const CreateAccount = z
  .object({
    name: displayName(200),
    parentId: Id.optional(),
    billingMode: z.enum(['own', 'parent']).optional(),
    businessRegistrationNumber: BusinessRegistrationNumber.optional(),
    taxDocument: TaxDocumentSetting.optional(),
  })
  .strict()
  .refine(needsNumber, NEEDS_NUMBER);

export const UpdateAccount = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    businessRegistrationNumber: BusinessRegistrationNumber.nullable().optional(),
    taxDocument: TaxDocumentSetting.optional(),
  })
  .strict();

export const LedgerQuery = z
  .object({
    kind: z.enum(['charge', 'consumption', 'refund', 'adjustment']).optional(),
    limit: pageLimit(200, 50),
    cursor: z
      .string()
      .regex(/^[0-9]{1,19}$/, 'not a cursor returned by this endpoint')
      // A ledger id is a PostgreSQL bigint: nineteen nines would overflow it (a 500 before this check).
      .refine((v) => !/^[0-9]{1,19}$/.test(v) || BigInt(v) <= MAX_BIGINT, 'not a cursor returned by this endpoint')
      .optional(),
  })
  .strict();
