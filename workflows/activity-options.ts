// The options of activities that must eventually happen (ledger writes, read-model updates, admin
// events): each is idempotent, so technical failures are retried without a limit, quickly at first.
// Business refusals are non-retryable ApplicationFailures and end the retries at once.
import type { ActivityOptions } from '@temporalio/workflow';

export const durableActivity = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' },
} as const satisfies ActivityOptions;
