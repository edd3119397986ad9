// Every activity, built from its dependencies (the saga sample's createActivities(deps) pattern): tests
// pass real PostgreSQL and fakes of the external gateway with the same types.
import type { Db } from '../db/client.ts';
import type { Logger } from 'pino';
import { createConsumptionActivities } from './consumption.ts';
import { createConsumptionBatchActivities } from './consumption-batch.ts';
import { createAdminEventActivities } from './admin-events.ts';
import { createChargeActivities } from './charges.ts';
import type { PaymentGateway } from './gateway.ts';
import { createRefundActivities } from './refunds.ts';
import type { Client } from '@temporalio/client';
import { createAutoRechargeActivities, type ChargeSettings } from './auto-recharge.ts';
import { createIdempotencyRetentionActivities } from './idempotency-retention.ts';
import { createWebhookActivities } from './webhooks.ts';
import type { WebhookSettings } from '../config/config.ts';
import { createDepositActivities } from './deposits.ts';
import type { TaxDocumentIssuer } from './tax-documents.ts';

export interface ActivityDeps {
  db: Db;
  logger?: Logger;
  /** The card gateway; defaults to the simulated gateway of the spec (activities/gateway.ts). */
  gateway?: PaymentGateway;
  /** Starts and signals workflows from activities (the auto-recharge trigger). */
  temporal?: Client;
  /** Calendar, schedule and bank account for the charges auto-recharge starts (the service's Config). */
  charging?: ChargeSettings;
  /** Webhook delivery settings (URL policy, ADMIN_WEBHOOK_URL, the secrets' encryption key). */
  webhooks?: WebhookSettings;
  /** The tax-document issuer; defaults to the simulated issuer (activities/tax-documents.ts). */
  taxIssuer?: TaxDocumentIssuer;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createConsumptionActivities(deps),
    ...createConsumptionBatchActivities(deps),
    ...createAdminEventActivities(deps),
    ...createChargeActivities(deps),
    ...createRefundActivities(deps),
    ...createAutoRechargeActivities(deps),
    ...createIdempotencyRetentionActivities(deps),
    ...createWebhookActivities(deps),
    ...createDepositActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
