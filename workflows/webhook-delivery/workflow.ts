// One webhook delivery (SPEC §6.3): POST the event's fixed body to one endpoint (or an admin notification
// to ADMIN_WEBHOOK_URL), retried with exponential backoff on timeouts and non-2xx answers until the
// give-up deadline (3 days by default), then marked failed. The retries are the attempt activity's retry
// policy (schedule-to-close = the deadline), so the history stays at about a dozen events however many
// attempts there are; each attempt is logged by the activity itself.
import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { WebhookActivities } from '../../activities/types.ts';
import { durableActivity } from '../activity-options.ts';
import { DeliveryRefusal, type WebhookDeliveryInput, type WebhookDeliveryResult } from '../../domain/webhooks.ts';

const record = proxyActivities<WebhookActivities>(durableActivity);

export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<WebhookDeliveryResult> {
  const { schedule } = input;
  const { attemptWebhookDelivery } = proxyActivities<WebhookActivities>({
    // The HTTP attempt's own timeout fires first; this bounds a stuck worker.
    startToCloseTimeout: schedule.attemptTimeoutMs + 10_000,
    scheduleToCloseTimeout: schedule.giveUpAfterMs,
    retry: {
      initialInterval: schedule.initialIntervalMs,
      backoffCoefficient: 2,
      maximumInterval: schedule.maximumIntervalMs,
      nonRetryableErrorTypes: Object.values(DeliveryRefusal),
    },
  });
  try {
    const result = await attemptWebhookDelivery({ deliveryId: input.deliveryId, attemptTimeoutMs: schedule.attemptTimeoutMs });
    return { deliveryId: input.deliveryId, status: 'succeeded', statusCode: result.statusCode };
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    const cause = err.cause;
    const reason =
      cause instanceof ApplicationFailure && cause.type && (Object.values(DeliveryRefusal) as string[]).includes(cause.type)
        ? cause.message
        : `given up after ${Math.round(schedule.giveUpAfterMs / 3_600_000)} hours of failed attempts (last: ${lastMessage(err)})`;
    await record.failWebhookDelivery({ deliveryId: input.deliveryId, reason });
    return { deliveryId: input.deliveryId, status: 'failed', reason };
  }
}

function lastMessage(err: Error): string {
  let e: Error | undefined = err;
  let message = err.message;
  while (e) {
    if (e instanceof ApplicationFailure) message = e.message;
    e = (e as { cause?: Error }).cause;
  }
  return message;
}
