// Who is asking: the principal a request was authenticated as (api/auth.ts sets it), and the checks on it
// that need no database.
import type { Request } from 'express';
import type { Account } from '../db/accounts.ts';
import { HttpProblem } from './problem.ts';

export type Principal = { kind: 'admin' } | { kind: 'account'; account: Account };

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

export function principalOf(req: Request): Principal {
  if (!req.principal) throw new HttpProblem('unauthorized', 'not authenticated');
  return req.principal;
}

/** A stable name for the principal, used to scope idempotency keys. */
export function principalId(p: Principal): string {
  return p.kind === 'admin' ? 'admin' : `account:${p.account.id}`;
}

export function isAdmin(p: Principal): boolean {
  return p.kind === 'admin';
}

export function requireAdmin(req: Request): void {
  const p = principalOf(req);
  if (p.kind !== 'admin') throw new HttpProblem('forbidden', 'only the admin key may do this');
}
