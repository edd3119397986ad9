// Cursor pagination of lists ordered by (createdAt, id): the charge, refund and webhook delivery lists.
import { HttpProblem } from './problem.ts';
import { Id } from './schemas.ts';

/** An opaque (createdAt, id) position in a list ordered by both. */
export function encodeCursor(c: { createdAt: Date; id: string }): string {
  return Buffer.from(`${c.createdAt.toISOString()}|${c.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const parts = /^[A-Za-z0-9_-]{1,200}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString().split('|') : [];
  const [at, id] = parts;
  const createdAt = new Date(at ?? '');
  // Exactly what encodeCursor writes: a canonical ISO instant (years 0000-9999, which PostgreSQL's
  // timestamptz holds; '+275760-09-13' or '-100000-01-01' parse in JavaScript but overflow there) and a UUID.
  if (
    parts.length !== 2 ||
    !id ||
    !Id.safeParse(id).success ||
    Number.isNaN(createdAt.getTime()) ||
    !/^\d{4}-/.test(at ?? '') ||
    createdAt.toISOString() !== at
  ) {
    throw new HttpProblem('validation_error', 'cursor: not a cursor returned by this endpoint');
  }
  return { createdAt, id };
}

/** The where-clause that continues a list ordered by (createdAt, id) in `dir` after `cursor`. */
export function afterCursor(cursor: string | undefined, dir: 'asc' | 'desc') {
  if (!cursor) return {};
  const after = decodeCursor(cursor);
  const beyond = <T>(v: T) => (dir === 'asc' ? { gt: v } : { lt: v });
  return { OR: [{ createdAt: beyond(after.createdAt) }, { createdAt: after.createdAt, id: beyond(after.id) }] };
}

/**
 * One page of `rows` fetched with `take: limit + 1`: the first `limit` rows, and the cursor of the next
 * page (null on the last one).
 */
export function pageOf<T>(rows: T[], limit: number, cursorOf: (last: T) => string): { page: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}
