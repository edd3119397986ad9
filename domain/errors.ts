// One list of stable business error types, used by activities (as non-retryable ApplicationFailure
// types), workflows and the API's problem+json mapping.

export const ErrorCode = {
  validation_error: 400,
  unauthorized: 401,
  insufficient_balance: 402,
  forbidden: 403,
  not_found: 404,
  idempotency_key_reused: 409,
  invalid_state: 409,
  amount_below_minimum: 422,
  amount_above_maximum: 422,
  refund_exceeds_consumption: 422,
  card_declined: 422,
  payment_failed: 422,
  deposit_refused: 422,
  tax_document_refused: 422,
  rate_limited: 429,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ErrorCode;

export const ErrorTitle: Record<ErrorCode, string> = {
  validation_error: 'The request is not valid',
  unauthorized: 'Missing or unknown API key',
  insufficient_balance: 'Insufficient balance',
  forbidden: 'Not allowed for this API key',
  not_found: 'Not found',
  idempotency_key_reused: 'Idempotency-Key reused with a different request',
  invalid_state: 'Not possible in the current state',
  amount_below_minimum: 'Amount below the minimum',
  amount_above_maximum: 'Amount above the maximum',
  refund_exceeds_consumption: 'Refunds would exceed the consumption',
  card_declined: 'The card was declined',
  payment_failed: 'The card payment did not go through',
  deposit_refused: 'The deposit was refused',
  tax_document_refused: 'The tax document was refused by its issuer',
  rate_limited: 'Too many requests',
  service_unavailable: 'A dependency of the service is not answering; retry later',
};

/** A business rule said no. Carries the machine code and any extra problem fields. */
export class BusinessError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'BusinessError';
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ErrorCode, value);
}
