// Webhook endpoints, their delivery log and redelivery (SPEC §6.3). An account key manages the endpoints
// of its account (a partner's also of its sub-accounts); the admin key manages all, and its own endpoints
// (no account) receive every event. Anything else answers 404, as if it did not exist.
import { randomUUID } from 'node:crypto';
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.ts';
import { accountFor, canActFor, principalId, principalOf, requireAdmin, visibleAccountIds, type Principal } from '../auth.ts';
import { parse } from '../validation.ts';
import { HttpProblem } from '../problem.ts';
import { afterCursor, encodeCursor } from '../pagination.ts';
import type { Db } from '../../db/client.ts';
import type { WebhookEndpoint, WebhookEvent } from '../../generated/prisma/client.ts';
import { receivingEndpoints } from '../../db/events.ts';
import { WEBHOOK_EVENT_TYPES } from '../../domain/webhooks.ts';
import { encryptionKeyFrom, encryptSecret, newWebhookSecret } from '../../webhooks/secrets.ts';
import { checkWebhookUrl, UrlRefused } from '../../webhooks/url-guard.ts';
import { startDeliveryWorkflow } from '../../webhooks/dispatcher.ts';

const Id = z.uuid({ message: 'must be a UUID' });
const NOT_FOUND = (what: string, id: string) => new HttpProblem('not_found', `${what} ${id} not found`);
const MAX_OVERLAP_HOURS = 7 * 24;

const CreateEndpoint = z
  .object({
    url: z.string().min(1).max(2048),
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).max(WEBHOOK_EVENT_TYPES.length).optional(),
    description: z.string().max(500).optional(),
    /** The account whose events it receives (the caller's own by default; the admin's: all events). */
    accountId: Id.optional(),
  })
  .strict();
const Rotate = z.object({ overlapHours: z.number().min(0).max(MAX_OVERLAP_HOURS).default(24) }).strict();
const Redeliver = z.object({ endpointId: Id.optional() }).strict();
const DeliveriesQuery = z.object({
  status: z.enum(['pending', 'succeeded', 'failed']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().optional(),
});

/** Where a delivery stands, as JSON (endpoint deliveries and admin notifications alike). */
function deliveryState(d: { status: string; attemptCount: number; lastStatusCode: number | null; lastError: string | null; createdAt: Date; completedAt: Date | null }) {
  return {
    status: d.status,
    attemptCount: d.attemptCount,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    createdAt: d.createdAt.toISOString(),
    completedAt: d.completedAt?.toISOString() ?? null,
  };
}

/** One delivery attempt as JSON. */
function attemptView(a: { attempt: number; at: Date; statusCode: number | null; error: string | null; durationMs: number | null }) {
  return { attempt: a.attempt, at: a.at.toISOString(), statusCode: a.statusCode, error: a.error, durationMs: a.durationMs };
}

export function endpointView(e: WebhookEndpoint) {
  return {
    id: e.id,
    accountId: e.accountId,
    url: e.url,
    events: e.events,
    description: e.description,
    secretHint: e.secretHint,
    previousSecretExpiresAt: e.previousSecretExpiresAt?.toISOString() ?? null,
    createdAt: e.createdAt.toISOString(),
  };
}

export function eventView(e: WebhookEvent) {
  return { id: e.id, type: e.type, accountId: e.accountId, createdAt: e.createdAt.toISOString(), data: e.data };
}

/** Whether the principal may see something that belongs to `accountId` (null: the admin's alone). */
async function mayAccess(db: Db, p: Principal, accountId: string | null): Promise<boolean> {
  if (p.kind === 'admin') return true;
  if (!accountId) return false;
  const account = await db.account.findUnique({ where: { id: accountId }, select: { id: true, parentId: true } });
  return account !== null && canActFor(p, account);
}

async function endpointFor(db: Db, p: Principal, id: string): Promise<WebhookEndpoint> {
  const endpoint = await db.webhookEndpoint.findUnique({ where: { id } });
  if (!endpoint || endpoint.deletedAt || !(await mayAccess(db, p, endpoint.accountId))) throw NOT_FOUND('webhook endpoint', id);
  return endpoint;
}

async function eventFor(db: Db, p: Principal, id: string): Promise<WebhookEvent> {
  const event = await db.webhookEvent.findUnique({ where: { id } });
  if (!event || !(await mayAccess(db, p, event.accountId))) throw NOT_FOUND('event', id);
  return event;
}

export function webhooksRouter(deps: AppDeps): Router {
  const { db, config } = deps;
  const settings = config.webhooks;
  const r = Router();
  let key: Buffer | undefined;
  const encryptionKey = () => {
    if (!settings.encryptionKey) throw new Error('WEBHOOK_ENCRYPTION_KEY is not configured');
    return (key ??= encryptionKeyFrom(settings.encryptionKey));
  };

  async function checkedUrl(url: string): Promise<string> {
    try {
      return (await checkWebhookUrl(url, settings)).url.toString();
    } catch (err) {
      if (err instanceof UrlRefused) throw new HttpProblem('validation_error', `url: ${err.message}`, { errors: [{ path: 'url', message: err.message }] });
      throw err;
    }
  }

  r.post('/webhook-endpoints', async (req, res) => {
    const body = parse(CreateEndpoint, req.body ?? {});
    const p = principalOf(req);
    const accountId = body.accountId ? (await accountFor(db, p, body.accountId)).id : p.kind === 'admin' ? null : p.account.id;
    const url = await checkedUrl(body.url);
    const id = randomUUID();
    const secret = newWebhookSecret();
    const endpoint = await db.webhookEndpoint.create({
      data: {
        id,
        accountId,
        url,
        events: body.events ? [...new Set(body.events)] : [],
        description: body.description ?? null,
        secretEncrypted: encryptSecret(encryptionKey(), id, secret),
        secretHint: secret.slice(-4),
        createdBy: principalId(p),
      },
    });
    res.status(201).json({ ...endpointView(endpoint), secret });
  });

  r.get('/webhook-endpoints', async (req, res) => {
    const visible = await visibleAccountIds(db, principalOf(req));
    const endpoints = await db.webhookEndpoint.findMany({
      where: { deletedAt: null, ...(visible ? { accountId: { in: visible } } : {}) },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: 500,
    });
    res.json({ endpoints: endpoints.map(endpointView) });
  });

  r.get('/webhook-endpoints/:id', async (req, res) => {
    res.json(endpointView(await endpointFor(db, principalOf(req), parse(Id, req.params.id))));
  });

  r.delete('/webhook-endpoints/:id', async (req, res) => {
    const endpoint = await endpointFor(db, principalOf(req), parse(Id, req.params.id));
    // Kept (deleted) for the delivery log; pending deliveries to it give up at their next attempt.
    await db.webhookEndpoint.updateMany({ where: { id: endpoint.id, deletedAt: null }, data: { deletedAt: new Date() } });
    res.status(204).end();
  });

  r.post('/webhook-endpoints/:id/rotate-secret', async (req, res) => {
    const endpoint = await endpointFor(db, principalOf(req), parse(Id, req.params.id));
    const { overlapHours } = parse(Rotate, req.body ?? {});
    const secret = newWebhookSecret();
    const previousSecretExpiresAt = overlapHours > 0 ? new Date(Date.now() + overlapHours * 3_600_000) : null;
    const updated = await db.webhookEndpoint.update({
      where: { id: endpoint.id },
      data: {
        secretEncrypted: encryptSecret(encryptionKey(), endpoint.id, secret),
        secretHint: secret.slice(-4),
        // Until then deliveries carry both signatures: the new one first, then this one.
        previousSecretEncrypted: previousSecretExpiresAt ? endpoint.secretEncrypted : null,
        previousSecretExpiresAt,
      },
    });
    res.json({ ...endpointView(updated), secret });
  });

  r.get('/webhook-endpoints/:id/deliveries', async (req, res) => {
    const endpoint = await endpointFor(db, principalOf(req), parse(Id, req.params.id));
    const q = parse(DeliveriesQuery, req.query);
    const rows = await db.webhookDelivery.findMany({
      where: { endpointId: endpoint.id, ...(q.status ? { status: q.status } : {}), ...afterCursor(q.cursor, 'desc') },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: q.limit + 1,
      include: { attempts: { orderBy: { attempt: 'desc' }, take: 20 } },
    });
    const page = rows.slice(0, q.limit);
    const types = new Map(
      (await db.webhookEvent.findMany({ where: { id: { in: page.flatMap((d) => (d.eventId ? [d.eventId] : [])) } }, select: { id: true, type: true } })).map((e) => [e.id, e.type]),
    );
    const last = page[page.length - 1];
    res.json({
      deliveries: page.map((d) => ({
        id: d.id,
        eventId: d.eventId,
        eventType: d.eventId ? (types.get(d.eventId) ?? null) : null,
        endpointId: d.endpointId,
        redelivery: d.key.includes(':redelivery:'),
        ...deliveryState(d),
        // The latest 20 attempts, newest first.
        attempts: d.attempts.map(attemptView),
      })),
      nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null,
    });
  });

  // Admin notifications (ADMIN_WEBHOOK_URL): their deliveries and attempts, newest first.
  r.get('/admin/notifications', async (req, res) => {
    requireAdmin(req);
    const q = parse(DeliveriesQuery, req.query);
    const rows = await db.webhookDelivery.findMany({
      where: { endpointId: null, ...(q.status ? { status: q.status } : {}), ...afterCursor(q.cursor, 'desc') },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: q.limit + 1,
      include: { attempts: { orderBy: { attempt: 'desc' }, take: 20 } },
    });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    res.json({
      notifications: page.map((d) => ({
        id: d.id,
        adminEventId: d.adminEventId?.toString() ?? null,
        text: (JSON.parse(d.body) as { text?: string }).text ?? null,
        ...deliveryState(d),
        attempts: d.attempts.map(attemptView),
      })),
      nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null,
    });
  });

  r.get('/events/:id', async (req, res) => {
    res.json(eventView(await eventFor(db, principalOf(req), parse(Id, req.params.id))));
  });

  r.post('/events/:id/redeliver', async (req: Request, res) => {
    const p = principalOf(req);
    const event = await eventFor(db, p, parse(Id, req.params.id));
    const body = parse(Redeliver, req.body ?? {});
    const receiving = await db.$transaction((tx) => receivingEndpoints(tx, event.accountId, event.type));
    let targets: string[];
    if (body.endpointId) {
      const endpoint = await endpointFor(db, p, body.endpointId);
      if (!receiving.includes(endpoint.id)) throw new HttpProblem('invalid_state', `webhook endpoint ${endpoint.id} does not receive ${event.type} events of this account`);
      targets = [endpoint.id];
    } else {
      const visible = await visibleAccountIds(db, p);
      const mine = await db.webhookEndpoint.findMany({ where: { id: { in: receiving }, ...(visible ? { accountId: { in: visible } } : {}) }, select: { id: true } });
      targets = mine.map((e) => e.id);
      if (targets.length === 0) throw new HttpProblem('invalid_state', `no webhook endpoint of yours receives ${event.type} events of this account`);
    }
    // A new delivery per target with the same body (the same event id and content); its own workflow.
    const deliveries = targets.map((endpointId) => ({ id: randomUUID(), key: `${event.id}:${endpointId}:redelivery:${randomUUID()}`, eventId: event.id, endpointId, body: event.body }));
    await db.webhookDelivery.createMany({ data: deliveries });
    for (const d of deliveries) {
      try {
        await startDeliveryWorkflow({ temporal: deps.temporal, taskQueue: config.temporal.taskQueue, settings }, d);
        await db.webhookDelivery.update({ where: { id: d.id }, data: { dispatchedAt: new Date() } });
      } catch (err) {
        // The dispatcher starts it (the row is still undispatched).
        req.log?.warn({ err, deliveryId: d.id }, 'redelivery start failed; left to the dispatcher');
      }
    }
    res.status(202).json({ eventId: event.id, deliveries: deliveries.map((d) => ({ id: d.id, endpointId: d.endpointId, status: 'pending' })) });
  });

  return r;
}
