// Rate limits, with rate-limiter-flexible (fixed one-minute windows; past the budget a 429 rate_limited
// problem with Retry-After):
//
// - per API key (`RATE_LIMIT_PER_MINUTE`; the admin key is exempt), after authentication;
// - per client address for requests whose key is missing or unknown (`RATE_LIMIT_UNKNOWN_KEY_PER_MINUTE`):
//   an address that used up that budget is answered 429 BEFORE its key is hashed and looked up, so key
//   guessing cannot turn into database lookups; each refused key counts against its address;
// - per client address on the charge-link pages (/pay), which have no key (`RATE_LIMIT_PER_MINUTE`).
//
// With PostgreSQL (DATABASE_URL) every limit lives in the "RateLimit" table (our migration creates it; the
// library is told not to), so any number of API processes share one budget per key and address. Each
// process also remembers, in memory, the keys that are over their budget until their window ends
// (inMemoryBlockOnConsumed): a flood from one address costs one query per process per minute, not one per
// request. Should the database fail, each limit falls back to a per-process memory limiter (the library's
// insurance limiter) rather than refusing or letting everything through. With PGlite (`npm start` without
// DATABASE_URL) there is one process and no pg pool: memory limiters, which are exact for one process.
// Memory is bounded either way: a memory limiter forgets a key when its window ends, and blocked keys are
// swept once more than a thousand are held.
import type { Request, RequestHandler, Response } from 'express';
import type pg from 'pg';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { principalId, principalOf } from './principal.ts';
import { sendProblem } from './problem.ts';

/** The shared table, created by prisma/migrations/20261130100000_rate_limits (schema: model RateLimit). */
export const RATE_LIMIT_TABLE = 'RateLimit';
const WINDOW_SECONDS = 60;

export interface RateLimiters {
  /** Per API key (undefined: off). */
  perKey?: RateLimiterAbstract;
  /** Per client address, counting requests with a missing or unknown key (undefined: off). */
  unknownKey?: RateLimiterAbstract;
  /** Per client address on the /pay pages (undefined: off). */
  pay?: RateLimiterAbstract;
  perKeyBudget: number;
  unknownKeyBudget: number;
}

function limiter(keyPrefix: string, points: number, store: pg.Pool | undefined): RateLimiterAbstract | undefined {
  if (points <= 0) return undefined;
  const memory = new RateLimiterMemory({ keyPrefix, points, duration: WINDOW_SECONDS });
  if (!store) return memory;
  return new RateLimiterPostgres({
    storeClient: store,
    storeType: 'pool',
    tableName: RATE_LIMIT_TABLE,
    tableCreated: true,
    keyPrefix,
    points,
    duration: WINDOW_SECONDS,
    inMemoryBlockOnConsumed: points,
    insuranceLimiter: memory,
  });
}

/**
 * The service's limiters from its settings: shared through PostgreSQL when `store` (the ledger's pg pool)
 * is given, in memory otherwise. `RATE_LIMIT_PER_MINUTE=0` switches every limit off.
 */
export function createRateLimiters(settings: { rateLimitPerMinute: number; rateLimitUnknownKeyPerMinute: number }, store?: pg.Pool): RateLimiters {
  const on = settings.rateLimitPerMinute > 0;
  const unknown = on ? settings.rateLimitUnknownKeyPerMinute : 0;
  return {
    perKey: limiter('key', settings.rateLimitPerMinute, store),
    unknownKey: limiter('addr', unknown, store),
    pay: limiter('pay', settings.rateLimitPerMinute, store),
    perKeyBudget: settings.rateLimitPerMinute,
    unknownKeyBudget: unknown,
  };
}

export function tooMany(res: Response, msBeforeNext: number, detail: string): void {
  const retryAfter = Math.max(1, Math.ceil(msBeforeNext / 1000));
  res.set('Retry-After', String(retryAfter));
  sendProblem(res, 'rate_limited', `${detail}; retry in ${retryAfter}s`);
}

/** The client's address: the TCP peer, or X-Forwarded-For's last hop from a proxy on loopback ('trust proxy'). */
export function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

/**
 * Takes one request from `key`'s budget; false (and a 429 sent) when it is used up. A store error the
 * insurance limiter could not absorb lets the request through: a limiter must not take the API down.
 */
async function take(l: RateLimiterAbstract, key: string, res: Response, detail: string): Promise<boolean> {
  try {
    await l.consume(key);
    return true;
  } catch (rej) {
    if (rej instanceof RateLimiterRes) {
      tooMany(res, rej.msBeforeNext, detail);
      return false;
    }
    res.req.log?.warn({ err: rej }, 'rate limiter unavailable; request let through');
    return true;
  }
}

/** Limits authenticated requests per API key (the admin is exempt). */
export function limitPerKey(limits: RateLimiters): RequestHandler {
  const l = limits.perKey;
  return async (req, res, next) => {
    if (!l) return next();
    const id = principalId(principalOf(req));
    if (id === 'admin') return next();
    if (await take(l, id, res, `more than ${limits.perKeyBudget} requests a minute for this API key`)) next();
  };
}

/** Limits the key-less charge-link pages per client address. */
export function limitPayPages(limits: RateLimiters): RequestHandler {
  const l = limits.pay;
  return async (req, res, next) => {
    if (!l) return next();
    if (await take(l, clientAddress(req), res, `more than ${limits.perKeyBudget} requests a minute from this address`)) next();
  };
}

/**
 * The guard `authenticate` consults for requests whose key is missing or unknown: `blocked` (before any
 * lookup) says how long an address that used up its budget must wait; `failed` counts one more.
 */
export interface UnknownKeyGuard {
  blocked(address: string): Promise<number>;
  failed(address: string): Promise<void>;
  budget: number;
}

export function unknownKeyGuard(limits: RateLimiters): UnknownKeyGuard | undefined {
  const l = limits.unknownKey;
  if (!l) return undefined;
  return {
    budget: limits.unknownKeyBudget,
    async blocked(address) {
      // Over budget in this process's memory: no query at all.
      const remembered = (l as { getInMemoryBlockMsBeforeExpire?: (key: string) => number }).getInMemoryBlockMsBeforeExpire?.(l.getKey(address)) ?? 0;
      if (remembered > 0) return remembered;
      try {
        const state = await l.get(address);
        return state && state.consumedPoints >= limits.unknownKeyBudget ? Math.max(state.msBeforeNext, 1) : 0;
      } catch {
        return 0;
      }
    },
    async failed(address) {
      // consume (not penalty): reaching the budget also blocks the address in this process's memory.
      await l.consume(address).catch(() => undefined);
    },
  };
}
