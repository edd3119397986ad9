// The JSON shape of every error: RFC 9457 problem+json with the machine code of domain/errors.ts.
import { z } from 'zod';
import { ErrorCode } from '../../domain/errors.ts';

const CODES = Object.keys(ErrorCode) as [keyof typeof ErrorCode, ...(keyof typeof ErrorCode)[]];

export const ProblemView = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int().describe('the HTTP status (RFC 9457)'),
  currentStatus: z.string().optional().describe('invalid_state about a charge or a bank deposit: its status now (e.g. cancelled)'),
  detail: z.string(),
  code: z.enum(CODES),
  balance: z.number().int().optional(),
  required: z.number().int().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
