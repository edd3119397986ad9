// The JSON shape of every error: RFC 9457 problem+json with the machine code of domain/errors.ts.
import { z } from 'zod';
import { ErrorCode } from '../../domain/errors.ts';

const CODES = Object.keys(ErrorCode) as [keyof typeof ErrorCode, ...(keyof typeof ErrorCode)[]];

export const ProblemView = z.looseObject({
  type: z.string(),
  title: z.string(),
  // RFC 9457 says the HTTP status; an invalid_state problem about a charge or a bank deposit puts the
  // resource's status there instead (its `extra` overrides it). Clients and tests rely on that today.
  status: z.union([z.number().int(), z.string()]).describe("the HTTP status; in invalid_state problems about a charge or bank deposit, that resource's status (e.g. cancelled)"),
  detail: z.string(),
  code: z.enum(CODES),
  balance: z.number().int().optional(),
  required: z.number().int().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
