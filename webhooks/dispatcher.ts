// Starts the delivery workflow of every delivery row not yet dispatched (the outbox of db/events.ts).
//
// Why an outbox and not a start from the emitting activity: the event and its deliveries commit with the
// state change; a process that dies right after that commit has started nothing, and the activity is not
// retried (it completed, or its retry finds the change done and takes the early return). A row whose
// `dispatchedAt` is null is the durable "still to start": every worker process polls for such rows
// (FOR UPDATE SKIP LOCKED, so two processes split them), starts each workflow and marks the row. A crash
// between the start and the mark only repeats the start, which is harmless: the workflow id is the
// delivery's key, a running one is attached to (USE_EXISTING) and a closed one is not started again
// (REJECT_DUPLICATE).
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';
import type { WebhookSettings } from '../config/config.ts';
import { webhookDeliveryWorkflowId, webhookDeliveryWorkflowType, type WebhookDeliveryInput, type WebhookDeliveryWorkflow } from '../domain/webhooks.ts';

export interface DispatcherDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  settings: Pick<WebhookSettings, 'schedule' | 'dispatchIntervalMs'>;
  logger?: Logger;
}

/** Starts (idempotently) the workflow of one delivery. */
export async function startDeliveryWorkflow(deps: Omit<DispatcherDeps, 'db'>, delivery: { id: string; key: string }): Promise<void> {
  const input: WebhookDeliveryInput = { deliveryId: delivery.id, schedule: deps.settings.schedule };
  try {
    await deps.temporal.workflow.start<WebhookDeliveryWorkflow>(webhookDeliveryWorkflowType, {
      workflowId: webhookDeliveryWorkflowId(delivery.key),
      taskQueue: deps.taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/** One pass: starts up to `limit` undispatched deliveries, oldest first. Answers how many it started. */
export async function dispatchPendingDeliveries(deps: DispatcherDeps, limit = 100): Promise<number> {
  return deps.db.$transaction(
    async (tx) => {
      const rows = await tx.$queryRaw<{ id: string; key: string }[]>`
        SELECT "id"::text AS "id", "key" FROM "WebhookDelivery"
        WHERE "dispatchedAt" IS NULL
        ORDER BY "createdAt"
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED`;
      for (const row of rows) await startDeliveryWorkflow(deps, row);
      if (rows.length > 0) {
        await tx.webhookDelivery.updateMany({ where: { id: { in: rows.map((r) => r.id) } }, data: { dispatchedAt: new Date() } });
      }
      return rows.length;
    },
    { maxWait: 10_000, timeout: 60_000 },
  );
}

export interface Dispatcher {
  /** Runs a pass now (tests, and right after a write that queued deliveries). */
  kick(): void;
  stop(): Promise<void>;
}

/** Polls every `dispatchIntervalMs` until stopped; a full batch is followed at once by the next. */
export function startWebhookDispatcher(deps: DispatcherDeps): Dispatcher {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const pass = async () => {
    timer = undefined;
    let started = 0;
    try {
      started = await dispatchPendingDeliveries(deps);
    } catch (err) {
      deps.logger?.warn({ err }, 'webhook dispatcher pass failed; retrying');
    }
    if (!stopped) timer = setTimeout(schedule, started >= 100 ? 0 : deps.settings.dispatchIntervalMs);
  };
  const schedule = () => {
    running = running.then(pass);
  };
  schedule();
  return {
    kick() {
      if (stopped || !timer) return;
      clearTimeout(timer);
      schedule();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
