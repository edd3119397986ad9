// What the charge-link routes accept. JSON clients of /pay/{token}/… send these bodies; a browser's form
// posts are read by ./pay-forms.ts (Korean messages per field).
import { z } from 'zod';
import { displayName } from '../../validation.ts';

export const DEFAULT_LINK_DAYS = 7;
export const MAX_LINK_DAYS = 90;

export const CreateLink = z.object({ expiresInDays: z.number().int().min(1).max(MAX_LINK_DAYS).default(DEFAULT_LINK_DAYS) }).strict();

/** Form fields arrive as strings ("50,000" too); JSON clients send numbers. */
const Amount = z.preprocess((v) => (typeof v === 'string' ? (v.trim() === '' ? undefined : Number(v.replace(/[,\s]/g, ''))) : v), z.number().int().positive());
const IdempotencyField = z.string().max(255).optional();
export const CardTopUp = z.object({ amount: Amount, cardToken: z.string().trim().min(1).max(200), idempotencyKey: IdempotencyField }).strict();
export const VirtualAccountTopUp = z.object({ amount: Amount, idempotencyKey: IdempotencyField }).strict();
export const BankTopUp = z.object({ amount: Amount, depositorName: displayName(100), idempotencyKey: IdempotencyField }).strict();
