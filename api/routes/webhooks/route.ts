// Webhook endpoints, their delivery log and redelivery (SPEC §6.3). An account key manages the endpoints
// of its account (a partner's also of its sub-accounts); the admin key manages all, and its own endpoints
// (no account) receive every event. Anything else answers 404, as if it did not exist.
import { randomUUID } from 'node:crypto';
import { Router, type Request } from 'express';
import type { AppDeps } from '../../deps.ts';
import { principalId, principalOf, requireAdmin } from '../../principal.ts';
import { accountFor, visibleAccountIds } from '../../access.ts';
import { parse } from '../../validation.ts';
import { HttpProblem } from '../../problem.ts';
import { afterCursor, encodeCursor, pageOf } from '../../pagination.ts';
import { Id } from '../../schemas.ts';
import { adminNotificationView, deliveryView, endpointView, eventView } from '../../views/webhook.ts';
import { receivingEndpoints } from '../../../db/events.ts';
import { encryptionKeyFrom, encryptSecret, newWebhookSecret } from '../../../webhooks/secrets.ts';
import { startDeliveryWorkflow } from '../../../webhooks/dispatcher.ts';
import { CreateEndpoint, DeliveriesQuery, Redeliver, Rotate } from './validators.ts';
import { checkedUrl, endpointFor, eventFor } from './helpers.ts';

export function webhooksRouter(deps: AppDeps): Router {
  const { db, config } = deps;
  const settings = config.webhooks;
  const r = Router();
  let key: Buffer | undefined;
  const encryptionKey = () => {
    if (!settings.encryptionKey) throw new Error('WEBHOOK_ENCRYPTION_KEY is not configured');
    return (key ??= encryptionKeyFrom(settings.encryptionKey));
  };

  r.post('/webhook-endpoints', async (req, res) => {
    const body = parse(CreateEndpoint, req.body ?? {});
    const p = principalOf(req);
    const accountId = body.accountId ? (await accountFor(db, p, body.accountId)).id : p.kind === 'admin' ? null : p.account.id;
    const url = await checkedUrl(body.url, settings);
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
    const { page, nextCursor } = pageOf(rows, q.limit, encodeCursor);
    const types = new Map(
      (await db.webhookEvent.findMany({ where: { id: { in: page.flatMap((d) => (d.eventId ? [d.eventId] : [])) } }, select: { id: true, type: true } })).map(
        (e) => [e.id, e.type],
      ),
    );
    res.json({
      deliveries: page.map((d) => deliveryView(d, d.eventId ? (types.get(d.eventId) ?? null) : null)),
      nextCursor,
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
    const { page, nextCursor } = pageOf(rows, q.limit, encodeCursor);
    res.json({
      notifications: page.map(adminNotificationView),
      nextCursor,
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
      if (!receiving.includes(endpoint.id))
        throw new HttpProblem('invalid_state', `webhook endpoint ${endpoint.id} does not receive ${event.type} events of this account`);
      targets = [endpoint.id];
    } else {
      const visible = await visibleAccountIds(db, p);
      const mine = await db.webhookEndpoint.findMany({
        where: { id: { in: receiving }, ...(visible ? { accountId: { in: visible } } : {}) },
        select: { id: true },
      });
      targets = mine.map((e) => e.id);
      if (targets.length === 0) throw new HttpProblem('invalid_state', `no webhook endpoint of yours receives ${event.type} events of this account`);
    }
    // A new delivery per target with the same body (the same event id and content); its own workflow.
    const deliveries = targets.map((endpointId) => ({
      id: randomUUID(),
      key: `${event.id}:${endpointId}:redelivery:${randomUUID()}`,
      eventId: event.id,
      endpointId,
      body: event.body,
    }));
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
