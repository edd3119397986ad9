// A per-principal token bucket (in memory, per API process): past the limit a 429 rate_limited with
// Retry-After. Enough for one process; behind several processes a shared limiter at the proxy is the tool.
import type { Request, RequestHandler } from 'express';
import { principalId, principalOf } from './auth.ts';
import { sendProblem } from './problem.ts';

/** The bucket of an authenticated request: its API key's principal (the admin is exempt: undefined). */
export function byPrincipal(req: Request): string | undefined {
  const id = principalId(principalOf(req));
  return id === 'admin' ? undefined : id;
}

export function rateLimit(perMinute: number, now: () => number = Date.now, keyOf: (req: Request) => string | undefined = byPrincipal): RequestHandler {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const refillPerMs = perMinute / 60_000;
  return (req, res, next) => {
    if (perMinute <= 0) return next();
    const id = keyOf(req);
    if (id === undefined) return next();
    const t = now();
    const b = buckets.get(id) ?? { tokens: perMinute, at: t };
    b.tokens = Math.min(perMinute, b.tokens + (t - b.at) * refillPerMs);
    b.at = t;
    buckets.set(id, b);
    if (b.tokens < 1) {
      const retryAfter = Math.ceil((1 - b.tokens) / refillPerMs / 1000);
      res.set('Retry-After', String(retryAfter));
      return sendProblem(res, 'rate_limited', `more than ${perMinute} requests a minute; retry in ${retryAfter}s`);
    }
    b.tokens -= 1;
    next();
  };
}
