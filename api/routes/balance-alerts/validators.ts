// What the balance-alert routes accept.
import { z } from 'zod';
import { MAX_POINTS } from '../../../domain/money.ts';

export const PutAlerts = z.object({ thresholds: z.array(z.number().int().min(1).max(MAX_POINTS)).max(20) }).strict();
