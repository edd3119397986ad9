// What the webhook routes accept.
import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from '../../../domain/webhooks.ts';
import { Id, pageLimit } from '../../schemas.ts';

export const MAX_OVERLAP_HOURS = 7 * 24;

export const CreateEndpoint = z
  .object({
    url: z.string().min(1).max(2048),
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).max(WEBHOOK_EVENT_TYPES.length).optional(),
    description: z.string().max(500).optional(),
    /** The account whose events it receives (the caller's own by default; the admin's: all events). */
    accountId: Id.optional(),
  })
  .strict();
export const Rotate = z.object({ overlapHours: z.number().min(0).max(MAX_OVERLAP_HOURS).default(24) }).strict();
export const Redeliver = z.object({ endpointId: Id.optional() }).strict();
export const DeliveriesQuery = z.object({
  status: z.enum(['pending', 'succeeded', 'failed']).optional(),
  limit: pageLimit(100, 20),
  cursor: z.string().optional(),
});
