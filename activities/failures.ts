// Business errors leave an activity as non-retryable ApplicationFailures with a stable `type` (the error
// code), so Temporal does not retry a decline or an overdraft, while technical errors still retry.
import { ApplicationFailure } from '@temporalio/activity';
import { BusinessError } from '../domain/errors.ts';

export async function asActivity<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof BusinessError) {
      // BENIGN: an expected business outcome, logged at debug level rather than as an activity failure.
      throw ApplicationFailure.create({ type: err.code, message: err.message, nonRetryable: true, details: [err.details], category: 'BENIGN' });
    }
    throw err;
  }
}
