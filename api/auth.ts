// Bearer-key authentication. The admin key acts for everything; an account key for its own account; a
// partner's key also for its sub-accounts. Anything else is answered as not found, so one tenant never
// learns that another's resource exists.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { RequestHandler, Request } from 'express';
import type { Db } from '../db/client.ts';
import { findAccountByApiKey, type Account } from '../db/accounts.ts';
import { HttpProblem } from './problem.ts';
import { clientAddress, tooMany, type UnknownKeyGuard } from './rate-limit.ts';

export type Principal = { kind: 'admin' } | { kind: 'account'; account: Account };

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/**
 * With a `guard`, an address that sent too many missing or unknown keys is answered 429 before its key is
 * compared or looked up, and each missing or unknown key counts against its address (api/rate-limit.ts).
 */
export function authenticate(db: Db, adminApiKey: string | undefined, guard?: UnknownKeyGuard): RequestHandler {
  return async (req, res, next) => {
    const address = clientAddress(req);
    if (guard) {
      const wait = await guard.blocked(address);
      if (wait > 0) return tooMany(res, wait, `more than ${guard.budget} requests a minute with a missing or unknown API key from this address`);
    }
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) {
      await guard?.failed(address);
      throw new HttpProblem('unauthorized', 'send an API key as "Authorization: Bearer <key>"');
    }
    const key = match[1];
    if (adminApiKey && sameSecret(key, adminApiKey)) {
      req.principal = { kind: 'admin' };
      return next();
    }
    const account = await findAccountByApiKey(db, key);
    if (!account) {
      await guard?.failed(address);
      throw new HttpProblem('unauthorized', 'unknown API key');
    }
    req.principal = { kind: 'account', account };
    next();
  };
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

/** Whether the principal may act for the account: itself, its partner, or the admin. */
export function canActFor(p: Principal, account: Pick<Account, 'id' | 'parentId'>): boolean {
  if (p.kind === 'admin') return true;
  return account.id === p.account.id || account.parentId === p.account.id;
}

/** Loads an account the principal may act for, or answers 404 as if it did not exist. */
export async function accountFor(db: Db, p: Principal, accountId: string): Promise<Account> {
  // An account acting for itself: authentication has just read it.
  if (p.kind === 'account' && p.account.id === accountId) return p.account;
  const account = await db.account.findUnique({ where: { id: accountId } });
  if (!account || !canActFor(p, account)) throw new HttpProblem('not_found', `account ${accountId} not found`);
  return account;
}

/** Ids of accounts the principal may see (undefined = all, for the admin). */
export async function visibleAccountIds(db: Db, p: Principal): Promise<string[] | undefined> {
  if (p.kind === 'admin') return undefined;
  const children = await db.account.findMany({ where: { parentId: p.account.id }, select: { id: true } });
  return [p.account.id, ...children.map((c) => c.id)];
}
