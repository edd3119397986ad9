// Honest answers when a dependency is down: every Temporal call the API makes while serving a request
// has a deadline, and an error that means "Temporal or PostgreSQL did not answer" becomes a 503
// service_unavailable problem with Retry-After instead of a hang or a 500. Such an answer says nothing
// about the outcome (a workflow may have started before Temporal stopped answering), so it is never
// stored as a request's idempotent answer: the client retries with the same Idempotency-Key and lands on
// the same resource id (api/idempotency.ts).
import type { RequestHandler } from 'express';
import { sendProblem } from './problem.ts';
import { WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';

export type Dependency = 'temporal' | 'database';

/** Seconds a client is asked to wait before retrying a 503. */
export const RETRY_AFTER_SECONDS = 2;

// gRPC status codes that mean the call's outcome is unknown because Temporal did not answer in time:
// CANCELLED (the native connection's "Timeout expired"), DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, UNAVAILABLE.
const GRPC_UNAVAILABLE = new Set([1, 4, 8, 14]);

// Prisma's codes for a database it cannot reach or that dropped the connection, and P2024 (no pool
// connection in time).
const PRISMA_UNAVAILABLE = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
// Driver adapter error kinds of the same meaning.
const ADAPTER_UNAVAILABLE = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'TlsConnectionError']);
// node-postgres / socket errors.
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** SQLSTATEs of a server that is going away or refusing connections: class 08, admin/crash shutdown, cannot connect now, too many connections. */
function isUnavailableSqlState(code: unknown): boolean {
  return typeof code === 'string' && (/^08[0-9A-Z]{3}$/.test(code) || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300');
}

function chain(err: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let e: unknown = err;
  while (e && typeof e === 'object' && out.length < 10) {
    out.push(e as Record<string, unknown>);
    e = (e as { cause?: unknown }).cause;
  }
  return out;
}

function isDatabaseUnavailable(e: Record<string, unknown>): boolean {
  const code = e.code;
  if (typeof code === 'string' && (PRISMA_UNAVAILABLE.has(code) || SOCKET_CODES.has(code) || isUnavailableSqlState(code))) return true;
  const name = (e.constructor as { name?: string } | undefined)?.name ?? '';
  if (name === 'PrismaClientInitializationError') return true;
  // A raw query (P2010) or any request whose driver adapter says the connection is gone.
  const adapter = (e.meta as { driverAdapterError?: { cause?: { kind?: string; code?: string; originalCode?: string } } } | undefined)?.driverAdapterError
    ?.cause;
  if (adapter && (ADAPTER_UNAVAILABLE.has(adapter.kind ?? '') || isUnavailableSqlState(adapter.code) || isUnavailableSqlState(adapter.originalCode)))
    return true;
  // node-postgres reports a connection lost mid-query by message only.
  return typeof e.message === 'string' && /^Connection terminated( unexpectedly| due to connection timeout)?$/.test(e.message);
}

/** Which dependency an error says is not answering, or undefined for any other error. */
export function unavailableDependency(err: unknown): Dependency | undefined {
  for (const e of chain(err)) {
    if (e instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return 'temporal';
    if (typeof e.code === 'number' && GRPC_UNAVAILABLE.has(e.code)) return 'temporal';
    if (isDatabaseUnavailable(e)) return 'database';
  }
  return undefined;
}

/** What a client is told: which part is down (no host, port or driver text) and what to do. */
export function unavailableDetail(dependency: Dependency): string {
  const what = dependency === 'temporal' ? 'the workflow engine (Temporal)' : 'the database';
  return `${what} did not answer in time; the outcome of this request is not known yet. Retry after a few seconds with the same Idempotency-Key`;
}

/**
 * Gives every Temporal call made while serving a request one deadline, `timeoutMs` after the request
 * arrived (a route that legitimately waits longer sets its own inner deadline with client.withDeadline).
 * Past it the call fails with DEADLINE_EXCEEDED, which the error middleware answers as a 503.
 */
export function temporalDeadline(client: Client, timeoutMs: number): RequestHandler {
  return (_req, _res, next) => {
    if (timeoutMs <= 0) return next();
    // The deadline lives in the connection's AsyncLocalStorage, which the request's later handlers and
    // their awaited continuations inherit.
    void client.withDeadline(Date.now() + timeoutMs, async () => next()).catch(next);
  };
}

/**
 * The backstop: a request still unanswered after `timeoutMs` (a dependency that neither answers nor
 * refuses, such as a database host that drops packets) is answered 503 service_unavailable with
 * Retry-After. The handler may still finish later; its answer is then discarded, and a money request's
 * idempotency record keeps the outcome for the client's retry with the same key.
 */
export function answerWithin(timeoutMs: number): RequestHandler {
  return (req, res, next) => {
    if (timeoutMs <= 0) return next();
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      req.log?.warn({ timeoutMs }, 'request not finished in time; answered 503');
      res.set('Retry-After', String(RETRY_AFTER_SECONDS));
      sendProblem(
        res,
        'service_unavailable',
        `the service could not finish this request within ${Math.round(timeoutMs / 1000)} s; its outcome is not known yet. Retry after a few seconds with the same Idempotency-Key`,
      );
    }, timeoutMs);
    timer.unref();
    const clear = () => clearTimeout(timer);
    res.once('finish', clear);
    res.once('close', clear);
    next();
  };
}
