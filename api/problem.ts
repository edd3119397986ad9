// RFC 9457 problem+json responses with the spec's machine codes, and the one error middleware.
import type { ErrorRequestHandler, Response } from 'express';
import { ZodError } from 'zod';
import { ApplicationFailure, WorkflowUpdateFailedError } from '@temporalio/client';
import { BusinessError, ErrorCode, ErrorTitle, isErrorCode, type ErrorCode as Code } from '../domain/errors.ts';
import { RETRY_AFTER_SECONDS, unavailableDependency, unavailableDetail } from './availability.ts';

export class HttpProblem extends Error {
  constructor(
    readonly code: Code,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }
  get status(): number {
    return ErrorCode[this.code];
  }
}

export function problemBody(code: Code, detail: string, extra: Record<string, unknown> = {}) {
  // The standard members come last: an extra never overrides them (a resource's state is `currentStatus`).
  return {
    ...extra,
    type: `urn:prepaid-points:problem:${code}`,
    title: ErrorTitle[code],
    status: ErrorCode[code],
    detail,
    code,
  };
}

export function sendProblem(res: Response, code: Code, detail: string, extra: Record<string, unknown> = {}) {
  res
    .status(ErrorCode[code])
    .type('application/problem+json')
    .send(JSON.stringify(problemBody(code, detail, extra)));
}

export function zodProblem(err: ZodError): HttpProblem {
  const errors = err.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const first = errors[0];
  const detail = first ? `${first.path || 'body'}: ${first.message}` : 'invalid request';
  return new HttpProblem('validation_error', detail, { errors });
}

/**
 * The problem a thrown error stands for: an HttpProblem, a business rule's refusal (in the API, or a
 * workflow update's validator or handler refusing with a typed ApplicationFailure), or bad input.
 */
export function toHttpProblem(err: unknown): HttpProblem | undefined {
  if (err instanceof HttpProblem) return err;
  if (err instanceof BusinessError) return new HttpProblem(err.code, err.message, err.details);
  if (err instanceof ZodError) return zodProblem(err);
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && isErrorCode(err.cause.type)) {
    const details = err.cause.details?.[0];
    return new HttpProblem(err.cause.type, err.cause.message, details && typeof details === 'object' ? (details as Record<string, unknown>) : {});
  }
  return undefined;
}

/** Converts anything thrown by a handler into problem+json; unknown errors are 500 and logged. */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  if (res.headersSent) return;
  const problem = toHttpProblem(err);
  if (problem) {
    // A 503 of our own (a caller's queue full) is retried like an outage's: say when.
    if (problem.status === 503) res.set('Retry-After', String(RETRY_AFTER_SECONDS));
    return sendProblem(res, problem.code, problem.detail, problem.extra);
  }
  const e = err as { type?: string; status?: number; expose?: boolean; message?: string };
  // body-parser: malformed JSON, wrong content type, too large.
  if (e.type === 'entity.parse.failed' || (e.expose && e.status && e.status >= 400 && e.status < 500)) {
    return sendProblem(res, 'validation_error', e.message ?? 'malformed request body');
  }
  // The router could not decode a percent-escape in a path parameter (`/v1/accounts/%E0%A4%A`).
  if (err instanceof URIError && e.status === 400) return sendProblem(res, 'validation_error', 'the path has a malformed percent-escape');
  // Temporal or PostgreSQL did not answer: the outcome is unknown, so a 503 the client may retry.
  const down = unavailableDependency(err);
  if (down) {
    req.log?.warn({ err, dependency: down }, 'dependency unavailable');
    res.set('Retry-After', String(RETRY_AFTER_SECONDS));
    return sendProblem(res, 'service_unavailable', unavailableDetail(down), { dependency: down });
  }
  req.log?.error({ err }, 'unhandled error');
  res
    .status(500)
    .type('application/problem+json')
    .send(JSON.stringify({ type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'unexpected error', code: 'internal_error' }));
};
