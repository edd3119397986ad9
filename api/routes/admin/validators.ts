// What the admin routes accept.
import { z } from 'zod';
import { pageLimit } from '../../schemas.ts';

export const EventsQuery = z
  .object({
    type: z.string().min(1).max(100).optional(),
    limit: pageLimit(200, 50),
  })
  .strict();

export const DecisionsQuery = z.object({ limit: pageLimit(100, 20) }).strict();
