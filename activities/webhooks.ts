// Webhook delivery activities. One HTTP attempt per activity attempt: the delivery workflow gives this
// activity Temporal's retry policy (backoff up to the give-up deadline), so retries add nothing to the
// workflow's history. Each attempt is logged (WebhookAttempt, unique per delivery and attempt number) and
// signed afresh (the timestamp changes; the body never does: it was fixed when the event was emitted). A
// 2xx marks the delivery succeeded in the same transaction as its log row, so a retry after a lost
// completion finds it succeeded and does not send again.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';
import type { WebhookSettings } from '../config/config.ts';
import { DeliveryRefusal, SIGNATURE_HEADER } from '../domain/webhooks.ts';
import { decryptSecret, encryptionKeyFrom, signDelivery } from '../webhooks/secrets.ts';
import { checkWebhookUrl, UrlRefused } from '../webhooks/url-guard.ts';
import { postToTarget, type PostOutcome } from '../webhooks/http.ts';

export interface WebhookAttemptResult {
  attempt: number;
  statusCode: number | null;
}

const DEFAULT_SETTINGS = { allowHttp: false, allowPrivateNetworks: false, adminWebhookUrl: undefined, encryptionKey: undefined } as const;

/** An expected end of a delivery's attempts (not retried; logged at debug, not as a failure). */
const refusal = (message: string, type: string) => ApplicationFailure.create({ message, type, nonRetryable: true, category: 'BENIGN' });

export function createWebhookActivities(deps: {
  db: Db;
  logger?: Logger;
  webhooks?: Pick<WebhookSettings, 'allowHttp' | 'allowPrivateNetworks' | 'adminWebhookUrl' | 'encryptionKey'> & Partial<WebhookSettings>;
}) {
  const { db } = deps;
  const settings = deps.webhooks ?? DEFAULT_SETTINGS;
  let key: Buffer | undefined;
  const encryptionKey = () => {
    if (!settings.encryptionKey) throw new Error('WEBHOOK_ENCRYPTION_KEY is not configured');
    return (key ??= encryptionKeyFrom(settings.encryptionKey));
  };

  return {
    /** One signed POST of the delivery's body; throws (retryable) on a timeout, a refused URL or a non-2xx. */
    async attemptWebhookDelivery(input: { deliveryId: string; attemptTimeoutMs: number }): Promise<WebhookAttemptResult> {
      const info = Context.current().info;
      const attempt = info.attempt;
      const delivery = await db.webhookDelivery.findUnique({ where: { id: input.deliveryId } });
      if (!delivery) throw refusal(`delivery ${input.deliveryId} not found`, DeliveryRefusal.unknownDelivery);
      if (delivery.status === 'succeeded') return { attempt: delivery.attemptCount, statusCode: delivery.lastStatusCode };
      if (delivery.status === 'failed') throw refusal(`delivery ${delivery.id} already failed`, DeliveryRefusal.unknownDelivery);

      let url: string;
      const secrets: string[] = [];
      const headers: Record<string, string> = { 'points-delivery-id': delivery.id, 'points-delivery-attempt': String(attempt) };
      if (delivery.endpointId) {
        const endpoint = await db.webhookEndpoint.findUnique({ where: { id: delivery.endpointId } });
        if (!endpoint || endpoint.deletedAt) {
          await db.webhookDelivery.updateMany({ where: { id: delivery.id, status: 'pending' }, data: { lastError: 'endpoint deleted' } });
          throw refusal(`endpoint ${delivery.endpointId} was deleted`, DeliveryRefusal.endpointDeleted);
        }
        url = endpoint.url;
        secrets.push(decryptSecret(encryptionKey(), endpoint.id, endpoint.secretEncrypted));
        if (endpoint.previousSecretEncrypted && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt.getTime() > Date.now()) {
          secrets.push(decryptSecret(encryptionKey(), endpoint.id, endpoint.previousSecretEncrypted));
        }
        if (delivery.eventId) headers['points-event-id'] = delivery.eventId;
      } else {
        if (!settings.adminWebhookUrl) throw refusal('ADMIN_WEBHOOK_URL is not configured', DeliveryRefusal.notConfigured);
        url = settings.adminWebhookUrl;
      }

      // Signed at the moment of sending: receivers check the timestamp against their clock.
      const t = Math.floor(Date.now() / 1000);
      if (secrets.length > 0) headers[SIGNATURE_HEADER.toLowerCase()] = signDelivery(secrets, t, delivery.body);
      let outcome: PostOutcome;
      const started = performance.now();
      try {
        const target = await checkWebhookUrl(url, settings);
        outcome = await postToTarget(target, delivery.body, headers, input.attemptTimeoutMs);
      } catch (err) {
        if (!(err instanceof UrlRefused)) throw err;
        outcome = { statusCode: null, error: `URL refused: ${err.message}`, responseSnippet: null, durationMs: Math.round(performance.now() - started) };
      }
      const ok = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
      const error = ok
        ? null
        : (outcome.error ?? `answered ${outcome.statusCode}${outcome.responseSnippet ? `: ${outcome.responseSnippet.slice(0, 200)}` : ''}`);
      await db.$transaction([
        db.webhookAttempt.createMany({
          data: [
            {
              deliveryId: delivery.id,
              attempt,
              at: new Date(info.currentAttemptScheduledTimestampMs),
              statusCode: outcome.statusCode,
              error,
              durationMs: outcome.durationMs,
            },
          ],
          skipDuplicates: true,
        }),
        db.webhookDelivery.updateMany({
          where: { id: delivery.id, status: 'pending' },
          data: {
            attemptCount: attempt,
            lastStatusCode: outcome.statusCode,
            lastError: error,
            ...(ok ? { status: 'succeeded', completedAt: new Date() } : {}),
          },
        }),
      ]);
      if (ok) return { attempt, statusCode: outcome.statusCode };
      // BENIGN: an endpoint being down is expected; the attempt is in the delivery log, not an alarm.
      throw ApplicationFailure.create({ message: `delivery attempt ${attempt} failed: ${error}`, type: 'webhook_attempt_failed', category: 'BENIGN' });
    },

    /** Marks a delivery failed (given up, or its endpoint deleted), once. */
    async failWebhookDelivery(input: { deliveryId: string; reason: string }): Promise<void> {
      await db.webhookDelivery.updateMany({
        where: { id: input.deliveryId, status: 'pending' },
        data: { status: 'failed', completedAt: new Date(), lastError: input.reason },
      });
      deps.logger?.warn({ deliveryId: input.deliveryId, reason: input.reason }, 'webhook delivery given up');
    },
  };
}
