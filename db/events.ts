// Events told to webhook endpoints (SPEC §6.3), written inside the transaction of the state change they
// report, once per change: each carries a unique key (`<workflow id>/<step>`-style), so a retried or
// replayed activity finds the key taken and emits nothing new. In the same transaction one delivery row per
// matching endpoint is written (an outbox): the dispatcher (webhooks/dispatcher.ts) starts each row's
// delivery workflow after commit, also when the process died between commit and start.
//
// Who receives an event of account A: endpoints owned by A, by A's partner, and the admin's (all events,
// including those of no account).
import { randomUUID } from 'node:crypto';
import type { Prisma } from '../generated/prisma/client.ts';
import type { Tx } from './ledger.ts';
import { toPoints } from '../domain/money.ts';
import { adminDeliveryKey, adminNotificationText, deliveryKey, endpointWants, type WebhookEventType } from '../domain/webhooks.ts';

export interface EmitEventInput {
  type: WebhookEventType;
  /** The account it concerns; null: only the admin's endpoints receive it (an unmatched bank deposit). */
  accountId: string | null;
  /** Unique per state change: the same key again emits nothing. */
  key: string;
  data: Record<string, unknown>;
}

export interface EmittedEvent {
  id: string;
  type: string;
  /** False when the key was already taken (a replay): nothing new was written. */
  emitted: boolean;
  deliveries: number;
}

/** The exact body every delivery of the event sends. */
export function eventBody(e: { id: string; type: string; createdAt: Date; accountId: string | null; data: unknown }): string {
  return JSON.stringify({ id: e.id, type: e.type, createdAt: e.createdAt.toISOString(), accountId: e.accountId, data: e.data });
}

/**
 * Records the event and its deliveries inside the caller's transaction, once per `key`. Call it in the
 * transaction that makes the change, after the change (a rollback takes the event with it).
 */
export async function emitEvent(tx: Tx, input: EmitEventInput): Promise<EmittedEvent> {
  const id = randomUUID();
  const createdAt = new Date();
  const data = JSON.parse(JSON.stringify(input.data)) as Prisma.InputJsonValue;
  const body = eventBody({ id, type: input.type, createdAt, accountId: input.accountId, data });
  const created = await tx.webhookEvent.createMany({
    data: [{ id, type: input.type, accountId: input.accountId, data, body, key: input.key, createdAt }],
    skipDuplicates: true,
  });
  if (created.count === 0) {
    const existing = await tx.webhookEvent.findUniqueOrThrow({ where: { key: input.key }, select: { id: true, type: true } });
    return { id: existing.id, type: existing.type, emitted: false, deliveries: 0 };
  }
  const endpoints = await receivingEndpoints(tx, input.accountId, input.type);
  if (endpoints.length > 0) {
    await tx.webhookDelivery.createMany({
      data: endpoints.map((endpointId) => ({ id: randomUUID(), key: deliveryKey(id, endpointId), eventId: id, endpointId, body })),
      skipDuplicates: true,
    });
  }
  return { id, type: input.type, emitted: true, deliveries: endpoints.length };
}

/** Ids of the live endpoints that receive an event of `type` about `accountId`. */
export async function receivingEndpoints(tx: Tx, accountId: string | null, type: string): Promise<string[]> {
  const owners: string[] = [];
  if (accountId) {
    owners.push(accountId);
    const account = await tx.account.findUnique({ where: { id: accountId }, select: { parentId: true } });
    if (account?.parentId) owners.push(account.parentId);
  }
  const endpoints = await tx.webhookEndpoint.findMany({
    where: { deletedAt: null, OR: [{ accountId: null }, ...(owners.length ? [{ accountId: { in: owners } }] : [])] },
    select: { id: true, events: true },
    orderBy: { createdAt: 'asc' },
  });
  return endpoints.filter((e) => endpointWants(e.events, type)).map((e) => e.id);
}

/** Event key of a charge's change to `status` (one per charge and status). */
export const chargeWebhookEventKey = (chargeId: string, status: string) => `charge:${chargeId}/event:${status}`;

/**
 * Emits `charge.<status>` for the charge as it now is in the transaction (read after the change).
 * One line in the activity that changes the charge.
 */
export async function emitChargeEvent(
  tx: Tx,
  chargeId: string,
  status: 'awaiting_deposit' | 'succeeded' | 'failed' | 'expired' | 'cancelled' | 'rejected',
): Promise<EmittedEvent> {
  const c = await tx.charge.findUniqueOrThrow({ where: { id: chargeId } });
  const points = (v: bigint | null) => (v === null ? null : toPoints(v));
  return emitEvent(tx, {
    type: `charge.${status}`,
    accountId: c.accountId,
    key: chargeWebhookEventKey(c.id, status),
    data: {
      chargeId: c.id,
      accountId: c.accountId,
      status: c.status,
      method: c.method,
      origin: c.origin,
      amount: toPoints(c.amount),
      creditedAmount: points(c.creditedAmount),
      depositedAmount: points(c.depositedAmount),
      depositorName: c.depositorName,
      failureCode: c.failureCode,
      failureReason: c.failureReason,
      ...(status === 'awaiting_deposit'
        ? {
            bankAccount: c.bankAccount,
            virtualAccount: c.virtualAccount,
            processingStartsAt: c.processingStartsAt?.toISOString() ?? null,
            expectedBy: c.expectedBy?.toISOString() ?? null,
            expiresAt: c.expiresAt?.toISOString() ?? null,
          }
        : {}),
      createdAt: c.createdAt.toISOString(),
      completedAt: c.completedAt?.toISOString() ?? null,
    },
  });
}

/** Emits `refund.<status>` for the refund as it now is in the transaction. One line in the refund activity. */
export async function emitRefundEvent(tx: Tx, refundId: string, status: 'succeeded' | 'rejected'): Promise<EmittedEvent> {
  const r = await tx.refund.findUniqueOrThrow({ where: { id: refundId } });
  return emitEvent(tx, {
    type: `refund.${status}`,
    accountId: r.accountId,
    key: `refund:${r.id}/event:${status}`,
    data: {
      refundId: r.id,
      consumptionId: r.consumptionId,
      accountId: r.accountId,
      fundingAccountId: r.fundingAccountId,
      amount: toPoints(r.amount),
      reason: r.reason,
      status: r.status,
      decisionReason: r.decisionReason,
      createdAt: r.createdAt.toISOString(),
      completedAt: r.completedAt?.toISOString() ?? null,
    },
  });
}

/** Emits `auto_recharge.disabled` for the account, once per charge that switched it off. */
export async function emitAutoRechargeDisabled(tx: Tx, accountId: string, chargeId: string): Promise<EmittedEvent> {
  const a = await tx.autoRecharge.findUniqueOrThrow({ where: { accountId } });
  return emitEvent(tx, {
    type: 'auto_recharge.disabled',
    accountId,
    key: `auto-recharge:${accountId}/event:disabled:${chargeId}`,
    data: { accountId, chargeId, consecutiveFailures: a.consecutiveFailures, disabledAt: a.disabledAt?.toISOString() ?? null, reason: a.disabledReason },
  });
}

/**
 * Emits `bank_deposit.unmatched` for a deposit of the bank feed that matched no charge: it belongs to no
 * account yet, so only the admin's endpoints receive it. One line in the activity that records the deposit
 * as unmatched, in its transaction.
 */
export function emitBankDepositUnmatched(
  tx: Tx,
  deposit: { id: string; bankTransactionId: string; amount: number; depositorName: string | null; depositedAt: string },
): Promise<EmittedEvent> {
  return emitEvent(tx, {
    type: 'bank_deposit.unmatched',
    accountId: null,
    key: `bank-deposit:${deposit.id}/event:unmatched`,
    data: {
      bankDepositId: deposit.id,
      bankTransactionId: deposit.bankTransactionId,
      amount: deposit.amount,
      depositorName: deposit.depositorName,
      depositedAt: deposit.depositedAt,
    },
  });
}

export interface AdminNotificationInput {
  adminEventId: bigint;
  type: string;
  subjectId: string;
  accountId?: string | null;
  data?: Record<string, unknown> | null;
}

/**
 * Queues the admin event for ADMIN_WEBHOOK_URL (a Slack-compatible `{text}` body), in the transaction that
 * records the admin event; delivered by the same durable delivery as endpoints' events.
 */
export async function queueAdminNotification(tx: Tx, input: AdminNotificationInput): Promise<void> {
  const body = JSON.stringify({ text: adminNotificationText(input) });
  await tx.webhookDelivery.createMany({
    data: [{ id: randomUUID(), key: adminDeliveryKey(input.adminEventId), adminEventId: input.adminEventId, body }],
    skipDuplicates: true,
  });
}
