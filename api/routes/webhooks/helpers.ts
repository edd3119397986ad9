// What the webhook routes share: endpoints and events the caller may see, and the checked endpoint URL.
import type { Db } from '../../../db/client.ts';
import type { Config } from '../../../config/config.ts';
import type { WebhookEndpoint, WebhookEvent } from '../../../generated/prisma/client.ts';
import { checkWebhookUrl, UrlRefused } from '../../../webhooks/url-guard.ts';
import { visibleOr404 } from '../../access.ts';
import type { Principal } from '../../principal.ts';
import { HttpProblem } from '../../problem.ts';

/** A live endpoint of an account the principal may act for (an admin's endpoint: the admin only), or 404. */
export async function endpointFor(db: Db, p: Principal, id: string): Promise<WebhookEndpoint> {
  const endpoint = await db.webhookEndpoint.findUnique({ where: { id } });
  return visibleOr404(db, p, endpoint?.deletedAt ? null : endpoint, (e) => e.accountId, 'webhook endpoint', id);
}

/** An event of an account the principal may act for (an event of no account: the admin only), or 404. */
export async function eventFor(db: Db, p: Principal, id: string): Promise<WebhookEvent> {
  return visibleOr404(db, p, await db.webhookEvent.findUnique({ where: { id } }), (e) => e.accountId, 'event', id);
}

/** The endpoint URL as it will be called, or a validation_error naming the field. */
export async function checkedUrl(url: string, settings: Config['webhooks']): Promise<string> {
  try {
    return (await checkWebhookUrl(url, settings)).url.toString();
  } catch (err) {
    if (err instanceof UrlRefused) throw new HttpProblem('validation_error', `url: ${err.message}`, { errors: [{ path: 'url', message: err.message }] });
    throw err;
  }
}
