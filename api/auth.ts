// Bearer-key authentication. The admin key acts for everything; an account key for its own account; a
// partner's key also for its sub-accounts. Anything else is answered as not found, so one tenant never
// learns that another's resource exists.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Db } from '../db/client.ts';
import { findAccountByApiKey } from '../db/accounts.ts';
import { HttpProblem } from './problem.ts';
import { clientAddress, tooMany, type UnknownKeyGuard } from './rate-limit.ts';

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
