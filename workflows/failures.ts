// Reads a business outcome out of an activity failure. Activities throw non-retryable ApplicationFailures
// whose `type` is one of domain/errors.ts's codes; anything else is a technical failure.
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import { isErrorCode, type ErrorCode } from '../domain/errors.ts';

export interface BusinessOutcome {
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
}

export function businessOutcome(err: unknown): BusinessOutcome | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && isErrorCode(cause.type)) {
    const details = (cause.details?.[0] ?? {}) as Record<string, unknown>;
    return { code: cause.type, message: cause.message, details };
  }
  return undefined;
}
