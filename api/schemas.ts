// zod schemas shared by the validators of several resources (api/routes/*/validators.ts).
import { z } from 'zod';
import { MAX_POINTS } from '../domain/money.ts';

/** A resource id (path parameter or body field). */
export const Id = z.uuid({ message: 'must be a UUID' });
/** A positive whole number of points; amounts checked against configured limits stay open above. */
export const Points = z.number().int().positive();
/** A positive whole number of points the ledger can hold. */
export const BoundedPoints = Points.max(MAX_POINTS);
/** A moment with its offset, as ISO 8601. */
export const Instant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 instant' });
/** A list's page size (`?limit=`), from 1 to `max`. */
export const pageLimit = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);
/** A list's `?cursor=`, as returned in `nextCursor` (api/pagination.ts checks it). */
export const Cursor = z.string().max(200);
/** A staff member's reason or note, required. */
export const Reason = z.string().trim().min(1).max(500);
