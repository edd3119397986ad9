// Activity interfaces as types only, so workflow code can proxy them without importing their I/O.
import type { createConsumptionActivities } from './consumption.ts';

export type ConsumptionActivities = ReturnType<typeof createConsumptionActivities>;
import type { createAdminEventActivities } from './admin-events.ts';

export type AdminEventActivities = ReturnType<typeof createAdminEventActivities>;
import type { createRefundActivities } from './refunds.ts';

export type RefundActivities = ReturnType<typeof createRefundActivities>;
import type { createChargeActivities } from './charges.ts';

export type ChargeActivities = ReturnType<typeof createChargeActivities>;
import type { createAutoRechargeActivities } from './auto-recharge.ts';

export type AutoRechargeActivities = ReturnType<typeof createAutoRechargeActivities>;
import type { createIdempotencyRetentionActivities } from './idempotency-retention.ts';

export type IdempotencyRetentionActivities = ReturnType<typeof createIdempotencyRetentionActivities>;
import type { createWebhookActivities } from './webhooks.ts';

export type WebhookActivities = ReturnType<typeof createWebhookActivities>;
import type { createDepositActivities } from './deposits.ts';

export type DepositActivities = ReturnType<typeof createDepositActivities>;
import type { createConsumptionBatchActivities } from './consumption-batch.ts';

export type ConsumptionBatchActivities = ReturnType<typeof createConsumptionBatchActivities>;
