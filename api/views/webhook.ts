// The JSON shapes of webhook endpoints, events, deliveries and admin notifications.
import { z } from 'zod';
import type { WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent } from '../../generated/prisma/client.ts';
import { WEBHOOK_EVENT_TYPES } from '../../domain/webhooks.ts';
import { Timestamp, Uuid } from './common.ts';

export const WebhookEventType = z.enum(WEBHOOK_EVENT_TYPES);

export const WebhookEndpointView = z.object({
  id: Uuid,
  accountId: Uuid.nullable().describe("null: the admin's endpoint, which receives every event"),
  url: z.string(),
  events: z.array(WebhookEventType).describe('empty: every type'),
  description: z.string().nullable(),
  secretHint: z.string().describe('the last 4 characters of the signing secret'),
  previousSecretExpiresAt: Timestamp.nullable().describe('until then deliveries are also signed with the previous secret'),
  createdAt: Timestamp,
});
export const WebhookEndpointWithSecretView = WebhookEndpointView.extend({
  secret: z.string().describe('only in the creation and rotation responses: whsec_…, the HMAC key of Points-Signature'),
});

export function endpointView(e: WebhookEndpoint): z.infer<typeof WebhookEndpointView> {
  return {
    id: e.id,
    accountId: e.accountId,
    url: e.url,
    events: e.events as z.infer<typeof WebhookEventType>[],
    description: e.description,
    secretHint: e.secretHint,
    previousSecretExpiresAt: e.previousSecretExpiresAt?.toISOString() ?? null,
    createdAt: e.createdAt.toISOString(),
  };
}

export const WebhookEventView = z
  .object({ id: Uuid, type: WebhookEventType, accountId: Uuid.nullable(), createdAt: Timestamp, data: z.record(z.string(), z.unknown()) })
  .describe(
    'The body of every delivery of the event (byte for byte the same each time). Signed: Points-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed with the secret> (one v1 per live secret during a rotation).',
  );

export function eventView(e: WebhookEvent): z.infer<typeof WebhookEventView> {
  return {
    id: e.id,
    type: e.type as z.infer<typeof WebhookEventType>,
    accountId: e.accountId,
    createdAt: e.createdAt.toISOString(),
    data: e.data as Record<string, unknown>,
  };
}

const DeliveryState = z.object({
  status: z.enum(['pending', 'succeeded', 'failed']).describe('failed: given up (3 days of failed attempts by default) or the endpoint was deleted'),
  attemptCount: z.number().int().min(0),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: Timestamp,
  completedAt: Timestamp.nullable(),
});

/** Where a delivery stands, as JSON (endpoint deliveries and admin notifications alike). */
export function deliveryState(d: {
  status: 'pending' | 'succeeded' | 'failed';
  attemptCount: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  completedAt: Date | null;
}): z.infer<typeof DeliveryState> {
  return {
    status: d.status,
    attemptCount: d.attemptCount,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    createdAt: d.createdAt.toISOString(),
    completedAt: d.completedAt?.toISOString() ?? null,
  };
}

const AttemptView = z.object({
  attempt: z.number().int(),
  at: Timestamp,
  statusCode: z.number().int().nullable(),
  error: z.string().nullable(),
  durationMs: z.number().int().nullable(),
});

/** One delivery attempt as JSON. */
export function attemptView(a: {
  attempt: number;
  at: Date;
  statusCode: number | null;
  error: string | null;
  durationMs: number | null;
}): z.infer<typeof AttemptView> {
  return { attempt: a.attempt, at: a.at.toISOString(), statusCode: a.statusCode, error: a.error, durationMs: a.durationMs };
}

export const WebhookDeliveryView = z.object({
  id: Uuid,
  eventId: Uuid.nullable(),
  eventType: WebhookEventType.nullable(),
  endpointId: Uuid.nullable(),
  redelivery: z.boolean(),
  ...DeliveryState.shape,
  attempts: z.array(AttemptView).describe('the latest 20 attempts, newest first'),
});

export const AdminNotificationView = z.object({
  id: Uuid,
  adminEventId: z.string().nullable(),
  text: z.string().nullable(),
  ...DeliveryState.shape,
  attempts: z.array(AttemptView).describe('the latest 20 attempts, newest first'),
});

type DeliveryWithAttempts = WebhookDelivery & { attempts: WebhookAttempt[] };

/** A delivery to an endpoint with its latest attempts (newest first), and the type of its event. */
export function deliveryView(d: DeliveryWithAttempts, eventType: string | null): z.infer<typeof WebhookDeliveryView> {
  return {
    id: d.id,
    eventId: d.eventId,
    eventType: eventType as z.infer<typeof WebhookEventType> | null,
    endpointId: d.endpointId,
    redelivery: d.key.includes(':redelivery:'),
    ...deliveryState(d),
    attempts: d.attempts.map(attemptView),
  };
}

/** A delivery of an admin notification ({text} to ADMIN_WEBHOOK_URL) with its latest attempts. */
export function adminNotificationView(d: DeliveryWithAttempts): z.infer<typeof AdminNotificationView> {
  return {
    id: d.id,
    adminEventId: d.adminEventId?.toString() ?? null,
    text: (JSON.parse(d.body) as { text?: string }).text ?? null,
    ...deliveryState(d),
    attempts: d.attempts.map(attemptView),
  };
}
