// A per-principal token bucket (in memory, per API process): past the limit a 429 rate_limited with
// Retry-After. Enough for one process; behind several processes a shared limiter at the proxy is the tool.
import type { RequestHandler } from 'express';
import { principalId, principalOf } from './auth.ts';
import { sendProblem } from './problem.ts';

export function rateLimit(perMinute: number, now: () => number = Date.now): RequestHandler {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const refillPerMs = perMinute / 60_000;
  return (req, res, next) => {
    if (perMinute <= 0) return next();
    const id = principalId(principalOf(req));
    if (id === 'admin') return next();
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
